import type { StoreOps } from '../../ports/store.js';
import { admin } from './admin.js';
import { attachments } from './attachments.js';
import { blobs } from './blobs.js';
import { conversations } from './conversations.js';
import type { SqlExecutor } from './executor.js';
import { members } from './members.js';
import { invites } from './invites.js';
import { messages } from './messages.js';
import { passwordResets } from './password-resets.js';
import { plainSend } from './plain-send.js';
import { profiles } from './profiles.js';
import { push } from './push.js';
import { reactions } from './reactions.js';
import { registry } from './registry.js';
import { search } from './search.js';
import { serverSettings } from './server-settings.js';
import { sessions } from './sessions.js';
import { summaries } from './summaries.js';
import { timeline } from './timeline.js';
import { users } from './users.js';

/** Every aggregate of the SQL store; together they implement StoreOps. */
const AGGREGATES = [
  users,
  sessions,
  conversations,
  summaries,
  members,
  messages,
  plainSend,
  timeline,
  reactions,
  search,
  blobs,
  attachments,
  registry,
  push,
  serverSettings,
  invites,
  passwordResets,
  admin,
  profiles,
] as const;

/** The intersection of the operations of a list of aggregates. */
type OpsOf<L> = L extends readonly [{ ops(x: SqlExecutor): infer O }, ...infer Rest]
  ? O & OpsOf<Rest>
  : unknown;

/** Every aggregate's operations over one executor (the database or an open transaction). */
export function storeOps(x: SqlExecutor): StoreOps {
  const ops = AGGREGATES.reduce<object>((all, a) => Object.assign(all, a.ops(x)), {});
  // The list's intersection must cover the port: a missing aggregate fails the compile here.
  return ops as OpsOf<typeof AGGREGATES>;
}

/** The operations that write users' data (see GuardOptions.userWrite). */
export const USER_WRITES: ReadonlySet<string> = new Set(AGGREGATES.flatMap((a) => a.userWrites));

/** An operation of the store, as any wrapper sees it. */
export type Operation = (...args: unknown[]) => Promise<unknown>;

/** The same operations, each replaced by `wrap(method, operation)`. */
export function wrapOperations<T extends object>(
  ops: T,
  wrap: (method: string, operation: Operation) => Operation,
): T {
  const wrapped: Record<string, Operation> = {};
  for (const [method, operation] of Object.entries(ops)) {
    wrapped[method] = wrap(method, operation as Operation);
  }
  return wrapped as T;
}

type Aggregate = (typeof AGGREGATES)[number];

/** Stands in for an executor while the aggregates are listed: every use of it is inert. */
const INERT: SqlExecutor = new Proxy(function inert() {}, {
  get: () => INERT,
  apply: () => INERT,
}) as unknown as SqlExecutor;

/** The aggregate of each operation, listed once from executors that never run a statement. */
const OWNERS: ReadonlyMap<string, Aggregate> = new Map(
  AGGREGATES.flatMap((a) => Object.keys(a.ops(INERT)).map((method) => [method, a] as const)),
);

/**
 * `wrapOperations(storeOps(x), wrap)`, each operation built on first use: a transaction
 * calls a few of the store's two hundred operations, and building them all for each one (every
 * batch of sends) cost a few per cent of the node's CPU. `extra` adds members as they are.
 */
export function lazyStoreOps<E extends object>(
  x: SqlExecutor,
  wrap: (method: string, operation: Operation) => Operation,
  extra: E,
): StoreOps & E {
  const built = new Map<Aggregate, Record<string, Operation>>();
  const wrapped = new Map<string, Operation>();
  return new Proxy(extra, {
    get(target, method, receiver) {
      if (typeof method !== 'string' || Object.hasOwn(target, method))
        return Reflect.get(target, method, receiver) as unknown;
      const done = wrapped.get(method);
      if (done) return done;
      const owner = OWNERS.get(method);
      if (!owner) return undefined;
      let ops = built.get(owner);
      if (!ops) {
        ops = owner.ops(x) as unknown as Record<string, Operation>;
        built.set(owner, ops);
      }
      const operation = wrap(method, ops[method]!);
      wrapped.set(method, operation);
      return operation;
    },
    has: (target, method) =>
      Object.hasOwn(target, method) || (typeof method === 'string' && OWNERS.has(method)),
  }) as StoreOps & E;
}
