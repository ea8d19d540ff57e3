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
