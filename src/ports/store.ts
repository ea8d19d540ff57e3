import type {
  ClusterNode,
  Conversation,
  ConversationKind,
  ConversationSummary,
  Member,
  Message,
  Role,
  Session,
  TimelineEntry,
  TimelineEvent,
  TimelineEventType,
  User,
  UserWithSecret,
} from '../domain/model.js';

/** Keyset page request over users, ordered by username. */
export interface UserQuery {
  /** SQL LIKE pattern (already escaped with `\`), lowercase. */
  like: string | null;
  afterUsername: string | null;
  limit: number;
}

/** History page request: messages with seq strictly before or after a bound. */
export interface HistoryQuery {
  before: number | null;
  after: number | null;
  limit: number;
}

/** A conversation and a user's position in it, loaded when a socket says hello. */
export interface ConversationCursor {
  conversationId: string;
  lastSeq: number;
}

/**
 * The system of record. Every adapter (SQLite, PostgreSQL) passes the same contract suite
 * (test/contract/store.contract.ts). Methods are plain reads and writes; invariants that
 * span several writes are kept by the services inside {@link Store.transaction}. Every string
 * argument must be in rule S6's alphabet (bodies: the body alphabet; everything else: one
 * line); any other is refused with `invalid_request` before a statement runs, alike on every
 * engine.
 */
export interface StoreOps {
  createUser(user: UserWithSecret): Promise<User>;
  getUserById(id: string): Promise<User | null>;
  getUserByUsername(username: string): Promise<User | null>;
  getUserSecretByUsername(username: string): Promise<UserWithSecret | null>;
  getUserSecretById(id: string): Promise<UserWithSecret | null>;
  searchUsers(query: UserQuery): Promise<User[]>;
  markUserDeleted(id: string, at: number): Promise<void>;

  createSession(session: Session): Promise<void>;
  getSessionByTokenHash(tokenHash: string): Promise<Session | null>;
  touchSession(id: string, at: number): Promise<void>;
  deleteSession(id: string): Promise<void>;
  deleteUserSessions(userId: string): Promise<void>;
  deleteExpiredSessions(now: number): Promise<number>;
  /** Of these session ids (at most 500), those that exist and expire after `now`. */
  liveSessionIds(ids: string[], now: number): Promise<string[]>;

  createConversation(conversation: Conversation, dmKey: string | null): Promise<void>;
  getConversation(id: string): Promise<Conversation | null>;
  getDmByKey(dmKey: string): Promise<Conversation | null>;
  renameConversation(id: string, name: string): Promise<void>;
  deleteConversation(id: string): Promise<void>;
  /**
   * Inside a transaction, holds the conversation until commit: a concurrent transaction's
   * `lockConversation` or `nextSeq` on it waits, and what this transaction reads afterwards
   * includes everything such a transaction committed before. A no-op for an unknown
   * conversation, and on engines that run one write transaction at a time (SQLite).
   */
  lockConversation(id: string): Promise<void>;
  /** Atomically increments the conversation's last seq and returns the new value. */
  nextSeq(conversationId: string, at: number, isMessage: boolean): Promise<number>;

  addMember(member: Omit<Member, 'username'>): Promise<void>;
  getMember(conversationId: string, userId: string): Promise<Member | null>;
  listMembers(conversationId: string): Promise<Member[]>;
  /** In one read: the user's role, the conversation's kind and member count; null for non-members. */
  getMemberView(
    conversationId: string,
    userId: string,
  ): Promise<{ role: Role; kind: ConversationKind; memberCount: number } | null>;
  countMembers(conversationId: string): Promise<number>;
  removeMember(conversationId: string, userId: string): Promise<void>;
  setMemberRole(conversationId: string, userId: string, role: Role): Promise<void>;
  /** Raises the member's read marker to `seq` (never lowers it); returns the marker. */
  raiseReadMarker(conversationId: string, userId: string, seq: number): Promise<number>;
  listConversationIdsForUser(userId: string): Promise<string[]>;
  listCursorsForUser(userId: string): Promise<ConversationCursor[]>;
  /** The latest seq of each of these conversations that exists (at most 500 ids per call). */
  latestSeqs(conversationIds: string[]): Promise<ConversationCursor[]>;
  listSummariesForUser(userId: string): Promise<ConversationSummary[]>;
  getSummaryForUser(conversationId: string, userId: string): Promise<ConversationSummary | null>;

  insertMessage(message: Omit<Message, 'senderName'>): Promise<void>;
  getMessage(conversationId: string, seq: number): Promise<Message | null>;
  getMessageByClientId(sender: string, clientMsgId: string): Promise<Message | null>;
  editMessage(conversationId: string, seq: number, body: string, at: number): Promise<void>;
  deleteMessage(conversationId: string, seq: number, at: number): Promise<void>;
  listMessages(conversationId: string, query: HistoryQuery): Promise<Message[]>;

  insertEvent(event: TimelineEvent): Promise<void>;
  /** Erases the text of every `message.edited` event of a message (rule M4). */
  redactEdits(conversationId: string, seq: number): Promise<void>;
  /** Registers or refreshes a node's row (heartbeat). */
  upsertNode(node: ClusterNode): Promise<void>;
  listNodes(): Promise<ClusterNode[]>;
  deleteNode(id: string): Promise<void>;
  /** Removes nodes whose last heartbeat is older than `heartbeatBefore`; returns how many. */
  deleteNodesBefore(heartbeatBefore: number): Promise<number>;
  /** Records that `nodeId` holds (or no longer holds) sockets of the user. */
  setPresence(userId: string, nodeId: string, online: boolean, at: number): Promise<void>;
  /** Forgets every presence of a node (a node starting, or a dead node reaped); returns whose. */
  clearPresence(nodeId: string): Promise<string[]>;
  /** Of `userIds`, those with sockets on a node whose heartbeat is at or after `liveSince`. */
  onlineUsers(userIds: string[], liveSince: number): Promise<Set<string>>;

  /**
   * Messages and events with seq > afterSeq, merged in seq order, at most `limit`: a prefix of
   * the timeline after `afterSeq` with no hole (one snapshot), shorter than `limit` only where
   * the timeline ended as read.
   */
  listTimeline(conversationId: string, afterSeq: number, limit: number): Promise<TimelineEntry[]>;
}

/** The operations inside a transaction: the store's own, plus savepoints. */
export interface TransactionOps extends StoreOps {
  /**
   * Runs `fn` inside a savepoint of this transaction: if `fn` throws, or a statement in it
   * failed, everything it wrote is undone, the transaction goes on as if it had not run, and
   * the error is rethrown. A lost race is not contained: `fn` then rejects with
   * {@link TransactionConflictError} and the whole transaction must be rolled back and re-run.
   */
  savepoint<T>(fn: () => Promise<T>): Promise<T>;
}

/**
 * A transaction that lost a race with a concurrent one (deadlock, serialization failure, or a
 * unique key another transaction committed first) and was rolled back, so it wrote nothing;
 * running it again may succeed. Only engines with concurrent writers (PostgreSQL) raise it.
 */
export class TransactionConflictError extends Error {
  override readonly name = 'TransactionConflictError';
  constructor(options: { cause: unknown }) {
    super('the transaction conflicted with a concurrent one and was rolled back', options);
  }
}

/**
 * Why a store cannot serve right now, as last observed without a round trip: not reached (or
 * not migrated) yet, connected to a read-only server (a standby, a demoted primary), or fewer
 * synchronous standbys than commits wait for or the node requires (rule K10).
 */
export type StoreProblem = 'unreachable' | 'read_only' | 'sync_standbys_missing';

/**
 * The store did not take or did not answer an operation: it is unreachable, refuses writes
 * (`sync_standbys_missing`), or passed the deadline (`timeout`). A timed-out operation was not
 * cancelled and may still complete: a commit whose answer was late lands, and the idempotent
 * retry of a send (G3) finds it. Answered as `unavailable` (503).
 */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
  readonly reason: StoreProblem | 'timeout';
  constructor(reason: StoreProblem | 'timeout', message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.reason = reason;
  }
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

/** A held lease (see {@link Store.tryLease}). */
export interface Lease {
  release(): Promise<void>;
  readonly lost: Promise<void>;
}

/** The Store port: operations plus transactions and lifecycle. */
export interface Store extends StoreOps {
  /** Engine name, for logs and health ("sqlite", "postgres"). */
  readonly engine: string;
  /** True if the engine reports the synchronous standbys behind its commits (PostgreSQL). */
  readonly reportsSyncStandbys: boolean;
  /** How many write transactions may usefully run at once (1 for a single-writer engine). */
  readonly writeConcurrency: number;
  /**
   * Runs `fn` in one transaction; its writes commit durably before the promise resolves
   * (guarantee 1), or none of them happen. Reads inside see what other transactions committed
   * before each statement (read committed). Rejects with {@link TransactionConflictError}
   * when the engine rolled it back for a conflict with a concurrent transaction.
   */
  transaction<T>(fn: (tx: TransactionOps) => Promise<T>): Promise<T>;
  /**
   * Takes the named lease if no one holds it (PostgreSQL: an advisory lock on a session of its
   * own, released when that session ends, e.g. when the node dies); null if it is held.
   * `lost` resolves if the lease ends without `release()`.
   */
  tryLease(name: string): Promise<Lease | null>;
  /**
   * True if `err` means the store is down, unreachable, read-only, refusing writes or late
   * (answered as `unavailable`, 503).
   */
  isUnavailable(err: unknown): boolean;
  /**
   * Cheap round trip used by readiness checks; rejects with {@link StoreUnavailableError}
   * (`timeout`) after `timeoutMs` (default: the store's deadline for every call).
   */
  ping(timeoutMs?: number): Promise<void>;
  /** What keeps the store from serving, as last observed (no round trip); null if nothing. */
  problem(): StoreProblem | null;
  /** The synchronous standbys behind commits; null for engines without replication (SQLite). */
  syncStandbys(): SyncStandbys | null;
  close(): Promise<void>;
}

export type { TimelineEventType };
