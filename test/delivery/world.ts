import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Argon2Hasher } from '../../src/adapters/argon2/argon2-hasher.js';
import { MemoryBus } from '../../src/adapters/memory-bus/memory-bus.js';
import { openSqliteStore, sqlitePath } from '../../src/adapters/sqlite/sqlite-store.js';
import { DeliveryCore } from '../../src/delivery/core.js';
import type { DeliveryReads, DeliverySettings, DeliverySocket } from '../../src/delivery/ports.js';
import type { Session } from '../../src/delivery/session.js';
import { DEFAULT_LIMITS } from '../../src/domain/limits.js';
import type { User } from '../../src/domain/model.js';
import { createLogger } from '../../src/log/logger.js';
import { Metrics } from '../../src/observability/metrics.js';
import type { Bus, BusEvent, BusStatus, BusSubscription } from '../../src/ports/bus.js';
import type { Store } from '../../src/ports/store.js';
import { AccountService, type Principal } from '../../src/services/accounts.js';
import { ConversationService } from '../../src/services/conversations.js';
import type { ServiceDeps } from '../../src/services/deps.js';
import { MessageService } from '../../src/services/messages.js';
import { ReadMarkerService } from '../../src/services/read-markers.js';
import { RateLimiter } from '../../src/services/rate-limiter.js';
import type { Frame } from '../helpers/ws.js';

/** A frame the core sent, parsed (the same loose shape the socket tests read). */
export type { Frame };

/** How long a test waits for a frame or a close before failing. */
const WAIT_MS = 5_000;

/**
 * A socket as the delivery core sees it, recording every frame. `bufferedBytes` is settable
 * (a slow consumer); `hangUp` is the client going away (the gateway then detaches the session).
 */
export class FakeSocket implements DeliverySocket {
  readonly frames: Frame[] = [];
  isOpen = true;
  bufferedBytes = 0;
  closeCode: number | null = null;
  session: Session | null = null;
  readonly #core: DeliveryCore;
  #waiters: Array<{ match: (f: Frame) => boolean; resolve: (f: Frame) => void; from: number }> = [];
  #closeWaiters: Array<(code: number) => void> = [];

  constructor(core: DeliveryCore) {
    this.#core = core;
  }

  send(frame: string, onWritten?: () => void): void {
    const parsed = JSON.parse(frame) as Frame;
    this.frames.push(parsed);
    const index = this.frames.length - 1;
    this.#waiters = this.#waiters.filter((w) => {
      if (index < w.from || !w.match(parsed)) return true;
      w.resolve(parsed);
      return false;
    });
    if (onWritten) setImmediate(onWritten);
  }

  close(code: number): void {
    if (!this.isOpen) return;
    this.isOpen = false;
    this.closeCode = code;
    for (const resolve of this.#closeWaiters.splice(0)) resolve(code);
  }

  /** The client closes its end: the gateway detaches the session. */
  hangUp(): void {
    this.isOpen = false;
    if (this.session) this.#core.detach(this.session);
  }

  /** The first frame (from frame index `from` on) that matches. */
  next(match: (f: Frame) => boolean, from = 0): Promise<Frame> {
    const found = this.frames.slice(from).find(match);
    if (found) return Promise.resolve(found);
    return withTimeout(
      new Promise((resolve) => this.#waiters.push({ match, resolve, from })),
      () => `no matching frame; got ${JSON.stringify(this.frames.map(describe))}`,
    );
  }

  /** Resolves with the close code. */
  closed(): Promise<number> {
    if (this.closeCode !== null) return Promise.resolve(this.closeCode);
    return withTimeout(
      new Promise((resolve) => this.#closeWaiters.push(resolve)),
      () => 'the socket was not closed',
    );
  }

  /** Seqs of the `message` and `event` frames of one conversation, in arrival order. */
  seqs(conversationId: string): number[] {
    const out: number[] = [];
    for (const f of this.frames) {
      if (f.type === 'message' && f.message.conversationId === conversationId)
        out.push(f.message.seq);
      if (f.type === 'event' && f.event.conversationId === conversationId && f.event.seq)
        out.push(f.event.seq);
    }
    return out;
  }
}

function describe(f: Frame): string {
  if (f.type === 'message') return `message ${f.message.seq}`;
  if (f.type === 'event') return `event ${f.event.type} ${f.event.seq ?? ''}`;
  return f.type;
}

function withTimeout<T>(promise: Promise<T>, why: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(why())), WAIT_MS);
    }),
  ]);
}

/**
 * The in-process bus with the faults of a network bus on demand: events it drops (a NATS
 * server that confirmed them and died), a reconnect, and the `lossy` flag the core reads.
 */
export class FaultyBus implements Bus {
  readonly engine = 'memory-with-faults';
  readonly lossy: boolean;
  readonly #inner = new MemoryBus();
  readonly #listeners: Array<(status: BusStatus) => void> = [];
  /** Events this returns true for are lost. */
  drop: ((event: BusEvent) => boolean) | null = null;

  constructor(options: { lossy: boolean }) {
    this.lossy = options.lossy;
  }

  publish(subject: string, event: BusEvent): void {
    if (this.drop?.(event)) return;
    this.#inner.publish(subject, event);
  }

  subscribe(subject: string, handler: (event: BusEvent) => void): BusSubscription {
    return this.#inner.subscribe(subject, handler);
  }

  onStatus(listener: (status: BusStatus) => void): void {
    this.#listeners.push(listener);
  }

  /** Reports a reconnect, as a network bus does after an outage. */
  reconnected(): void {
    for (const listener of this.#listeners) listener('reconnected');
  }

  flush(): Promise<void> {
    return this.#inner.flush();
  }

  close(): Promise<void> {
    return this.#inner.close();
  }
}

/**
 * Run before a read of the core's dependencies (`before`), or after it and before its answer
 * is returned (`after`): a test holds one to build a race.
 */
export interface Hooks {
  before: Partial<Record<keyof DeliveryReads, () => Promise<void>>>;
  after: Partial<Record<keyof DeliveryReads, () => Promise<void>>>;
}

/** Services on a real SQLite store, a delivery core over them, and fake sockets. */
export interface World {
  store: Store;
  bus: FaultyBus;
  core: DeliveryCore;
  metrics: Metrics;
  accounts: AccountService;
  conversations: ConversationService;
  messages: MessageService;
  readMarkers: ReadMarkerService;
  hooks: Hooks;
  /** Presence calls the core made, in order. */
  presence: string[];
  /** Whether the user's `sync` frames may name unknown conversations (the W9 limit). */
  allowUnknownIds: (userId: string, count: number) => boolean;
  /** Registers and logs in a user. */
  user(name: string): Promise<Principal>;
  /** Opens a session on a new fake socket. */
  open(
    principal: Principal,
    cursors?: Record<string, number>,
  ): { socket: FakeSocket; session: Session; opened: Promise<boolean> };
  /** Sends a message as `user`; resolves with its seq. */
  send(user: User, conversationId: string, body: string): Promise<number>;
  dispose(): Promise<void>;
}

let counter = 0;

/** Starts a world; `lossy` picks what the bus declares, `settings` tunes the core. */
export async function startWorld(
  options: { lossy?: boolean; settings?: Partial<DeliverySettings> } = {},
): Promise<World> {
  const dir = mkdtempSync(join(tmpdir(), 'parley-delivery-'));
  const store = await openSqliteStore(sqlitePath(dir));
  const bus = new FaultyBus({ lossy: options.lossy ?? false });
  const metrics = new Metrics();
  const log = createLogger({ level: process.env.PARLEY_TEST_LOG ?? 'silent', nodeId: 'test' });
  const deps: ServiceDeps = {
    store,
    bus,
    hasher: new Argon2Hasher(),
    limits: DEFAULT_LIMITS,
    log,
    now: Date.now,
    metrics,
  };
  const conversations = new ConversationService(deps);
  const accounts = new AccountService(deps, conversations);
  const messages = new MessageService(deps, conversations);
  const readMarkers = new ReadMarkerService(deps);
  const hooks: Hooks = { before: {}, after: {} };
  const hooked =
    <A extends unknown[], R>(name: keyof DeliveryReads, read: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      await hooks.before[name]?.();
      const result = await read(...args);
      await hooks.after[name]?.();
      return result;
    };
  const unknownIds = new RateLimiter({ count: 100, perMs: 1_000, burst: 1_000 });
  const presence: string[] = [];
  const world: World = {
    store,
    bus,
    metrics,
    accounts,
    conversations,
    messages,
    readMarkers,
    hooks,
    presence,
    allowUnknownIds: (userId, count) => unknownIds.take(userId, count),
    core: new DeliveryCore({
      bus,
      reads: {
        sessionActive: hooked('sessionActive', (p: Principal) => accounts.isActive(p)),
        liveSessions: hooked('liveSessions', (ids: string[]) => accounts.liveSessions(ids)),
        conversationIds: hooked('conversationIds', (id: string) => conversations.idsOf(id)),
        positions: hooked('positions', (id: string) => conversations.positionsOf(id)),
        latestSeqs: hooked('latestSeqs', (ids: string[]) => conversations.latestSeqs(ids)),
        membershipCounts: hooked('membershipCounts', (ids: string[]) =>
          conversations.membershipCounts(ids),
        ),
        conversation: hooked('conversation', (user: User, id: string) =>
          conversations.get(user, id),
        ),
        readTimeline: hooked(
          'readTimeline',
          (user: User, id: string, after: number, limit: number) =>
            messages.readTimeline(user.id, id, after, limit),
        ),
      },
      presence: {
        userOnline: (user) => presence.push(`online ${user.username}`),
        userOffline: (user) => presence.push(`offline ${user.username}`),
      },
      allowUnknownIds: (userId, count) => world.allowUnknownIds(userId, count),
      metrics,
      log,
      settings: {
        nodeId: 'test',
        maxSocketBufferBytes: 8 * 1024 * 1024,
        sweepMs: 600_000,
        subscribeCheckMs: 600_000,
        ...options.settings,
      },
    }),
    async user(name) {
      const username = `${name}${++counter}${process.pid}`.slice(0, 32);
      await accounts.register(username, 'correct horse battery');
      const { principal } = await accounts.login(username, 'correct horse battery', {
        ip: '127.0.0.1',
      });
      return principal;
    },
    open(principal, cursors) {
      const socket = new FakeSocket(world.core);
      const { session, opened } = world.core.open(socket, principal, cursors ? { cursors } : {});
      socket.session = session;
      return { socket, session, opened };
    },
    async send(user, conversationId, body) {
      const { message } = await messages.send(user, conversationId, `c${++counter}`, body);
      return message.seq;
    },
    async dispose() {
      world.core.closeAll(1001, 'test over');
      await messages.drained();
      await bus.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return world;
}

/** A promise and the function that settles it: a gate a hook waits on. */
export function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { wait, open };
}
