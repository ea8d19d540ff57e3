import type { AdminStore } from './admin.js';
import type { ConversationsStore } from './conversations.js';
import type { StoreProblem } from './errors.js';
import type { AttachmentsStore } from './files.js';
import type { InvitesStore } from './invites.js';
import type { LeasesStore } from './leases.js';
import type { MembersStore } from './members.js';
import type { PasswordsStore } from './password-resets.js';
import type { PushStore } from './push.js';
import type { ProfilesStore } from './profiles.js';
import type { NodesStore, PresenceStore } from './registry.js';
import type { ReactionsStore } from './reactions.js';
import type { SearchStore } from './search.js';
import type { ServerSettingsStore } from './server-settings.js';
import type { SessionsStore } from './sessions.js';
import type { TimelineStore } from './timeline.js';
import type { UsersStore } from './users.js';

/**
 * Every aggregate's operations, as run outside or inside a transaction. Every adapter
 * (SQLite, PostgreSQL) passes the same contract suite (test/contract/store/). Methods are
 * plain reads and writes; invariants that span several writes are kept by the services inside
 * {@link Store.transaction}. Every string argument must be in rule S6's alphabet (bodies: the
 * body alphabet; everything else: one line); any other is refused with `invalid_request`
 * before a statement runs, alike on every engine.
 */
export interface StoreOps
  extends
    UsersStore,
    SessionsStore,
    ConversationsStore,
    MembersStore,
    TimelineStore,
    ReactionsStore,
    SearchStore,
    AttachmentsStore,
    NodesStore,
    PresenceStore,
    PushStore,
    ServerSettingsStore,
    InvitesStore,
    PasswordsStore,
    AdminStore,
    ProfilesStore {}

/** The operations inside a transaction: the store's own, plus savepoints. */
export interface TransactionOps extends StoreOps {
  /**
   * Runs `fn` inside a savepoint of this transaction: if `fn` throws, or a statement in it
   * failed, everything it wrote is undone, the transaction goes on as if it had not run, and
   * the error is rethrown. A lost race is not contained: `fn` then rejects with
   * `TransactionConflictError` and the whole transaction must be rolled back and re-run.
   */
  savepoint<T>(fn: () => Promise<T>): Promise<T>;
}

/** The synchronous standbys behind the store's commits, as last observed (rule K10). */
export interface SyncStandbys {
  /**
   * Standbys an acknowledged commit is on besides the primary: those the primary waits for
   * that are streaming in `sync` or `quorum` state (the smaller of the two counts below).
   */
  current: number;
  /** How many standbys the primary's `synchronous_standby_names` makes each commit wait for. */
  configured: number;
  /** How many the node requires (`--require-sync-standbys`); writes are refused below it. */
  required: number;
}

/** Transactions: the only way to make several writes at once, durably (guarantee 1). */
export interface TransactionsStore {
  /** How many write transactions may usefully run at once (1 for a single-writer engine). */
  readonly writeConcurrency: number;
  /**
   * Runs `fn` in one transaction; its writes commit durably before the promise resolves
   * (guarantee 1), or none of them happen. Reads inside see what other transactions committed
   * before each statement (read committed). Rejects with `TransactionConflictError` when the
   * engine rolled it back for a conflict with a concurrent transaction.
   */
  transaction<T>(fn: (tx: TransactionOps) => Promise<T>): Promise<T>;
}

/** The store's health and lifecycle, for readiness checks, errors and shutdown. */
export interface StoreHealth {
  /** Engine name, for logs and health ("sqlite", "postgres"). */
  readonly engine: string;
  /** True if the engine reports the synchronous standbys behind its commits (PostgreSQL). */
  readonly reportsSyncStandbys: boolean;
  /**
   * True if `err` means the store is down, unreachable, read-only, refusing writes or late
   * (answered as `unavailable`, 503).
   */
  isUnavailable(err: unknown): boolean;
  /**
   * Cheap round trip used by readiness checks; rejects with `StoreUnavailableError`
   * (`timeout`) after `timeoutMs` (default: the store's deadline for every call).
   */
  ping(timeoutMs?: number): Promise<void>;
  /** What keeps the store from serving, as last observed (no round trip); null if nothing. */
  problem(): StoreProblem | null;
  /** The synchronous standbys behind commits; null for engines without replication (SQLite). */
  syncStandbys(): SyncStandbys | null;
  close(): Promise<void>;
}

/** The Store port: every aggregate's operations plus transactions, leases and lifecycle. */
export interface Store extends StoreOps, TransactionsStore, LeasesStore, StoreHealth {}
