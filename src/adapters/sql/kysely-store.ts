import { Migrator, sql, type Compilable, type Kysely, type QueryResult } from 'kysely';
import { AppError } from '../../domain/errors.js';
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
  User,
  UserWithSecret,
} from '../../domain/model.js';
import {
  StoreUnavailableError,
  TransactionConflictError,
  type ConversationCursor,
  type HistoryQuery,
  type Lease,
  type Store,
  type StoreOps,
  type StoreProblem,
  type SyncStandbys,
  type TransactionOps,
  type UserQuery,
} from '../../ports/store.js';
import { checkedInput } from './input-check.js';
import { migrationProvider, type MigrationOptions } from './migrations.js';
import { PreparedQueries } from './prepared.js';
import {
  DELETED_USER_NAME,
  num,
  toConversation,
  toMember,
  toMessage,
  toSession,
  toTimelineEntry,
  toUser,
  toUserWithSecret,
  type TimelineRow,
} from './rows.js';
import type { Database } from './schema.js';

/** What an engine adapter supplies to the shared SQL store. */
export interface SqlEngine {
  name: string;
  db: Kysely<Database>;
  /** True if `err` is the engine's unique-constraint violation. */
  isUniqueViolation(err: unknown): boolean;
  /**
   * True if the engine takes row locks (`SELECT … FOR NO KEY UPDATE`) for
   * `lockConversation`; false if it runs one write transaction at a time, so needs none.
   */
  rowLocks: boolean;
  /**
   * True if `err`, escaping a transaction, means it lost a race with a concurrent one and
   * rolled back (surfaced as TransactionConflictError). Engines with one writer leave it out.
   */
  isTransientConflict?(err: unknown): boolean;
  /** Takes a named lease across processes (PostgreSQL advisory lock); absent: in-process only. */
  tryLease?(name: string): Promise<Lease | null>;
  /** True if `err` means the engine is down or unreachable. */
  isUnavailable?(err: unknown): boolean;
  /**
   * Resolves once every commit made so far is durable. Engines whose COMMIT returns before
   * its flush (SQLite with its WAL fsynced off the event loop) supply it; the store awaits it
   * after every operation, reads included, so nothing not durable is acknowledged or shown.
   */
  durable?(): Promise<void>;
  /**
   * Wraps every store call (PostgreSQL: refuses calls before the database was reached and
   * migrated, refuses users' writes while too few synchronous standbys back commits, and
   * answers a call still running at its deadline with StoreUnavailableError, without
   * cancelling it). `call` gets `expired()`, true once its caller was answered.
   */
  guard?<T>(call: (expired: () => boolean) => Promise<T>, options: GuardOptions): Promise<T>;
  /** What keeps the engine from serving, as last observed; absent: nothing ever does. */
  problem?(): StoreProblem | null;
  /** The synchronous standbys behind commits; absent for engines without replication. */
  syncStandbys?(): SyncStandbys | null;
  /** Stops the engine's own work (timers, reconnects) before Kysely is destroyed. */
  closing?(): Promise<void>;
  /** Releases the engine's resources after Kysely is destroyed. */
  close?(): Promise<void>;
}

/** What {@link SqlEngine.guard} knows of a call. */
export interface GuardOptions {
  /**
   * True for writes of users' data (accounts, sessions, conversations, messages, markers),
   * whose success a user is told; false for reads and the node's own bookkeeping (registry,
   * presence, session touches and purges), which go on while users' writes are refused.
   */
  userWrite: boolean;
  /** Overrides the engine's deadline (readiness checks answer sooner). */
  deadlineMs?: number;
}

/** The operations outside a transaction that write users' data (see GuardOptions.userWrite). */
const USER_WRITES: ReadonlySet<string> = new Set<keyof StoreOps>([
  'createUser',
  'markUserDeleted',
  'createSession',
  'deleteSession',
  'deleteUserSessions',
  'createConversation',
  'renameConversation',
  'deleteConversation',
  'nextSeq',
  'addMember',
  'removeMember',
  'setMemberRole',
  'raiseReadMarker',
  'insertMessage',
  'editMessage',
  'deleteMessage',
  'insertEvent',
  'redactEdits',
]);

/** Leases held in this process, for engines with a single node (SQLite). */
const localLeases = new Set<string>();

/** Applies the shared migration set; throws with the failing migration's error. */
export async function migrate(db: Kysely<Database>, options: MigrationOptions = {}): Promise<void> {
  const migrator = new Migrator({ db, provider: migrationProvider(options) });
  const { error } = await migrator.migrateToLatest();
  if (error) throw new Error('database migration failed', { cause: error });
}

/**
 * The one query code path for every SQL engine: the Store port over Kysely. Engine adapters
 * (adapters/sqlite, later adapters/postgres) only build the Kysely instance.
 */
export class SqlStore implements Store {
  readonly engine: string;
  readonly writeConcurrency: number;
  readonly reportsSyncStandbys: boolean;
  readonly #engine: SqlEngine;
  readonly #ops: SqlOps;

  constructor(engine: SqlEngine) {
    this.engine = engine.name;
    this.reportsSyncStandbys = engine.syncStandbys !== undefined;
    // Row-locking engines serve concurrent transactions from a pool. SQLite has one writer,
    // but its flush runs after the commit: one batch commits while the previous one's fsync runs.
    this.writeConcurrency = engine.rowLocks ? 4 : engine.durable ? 2 : 1;
    this.#engine = engine;
    const ops = checkedInput(new SqlOps(engine.db, engine));
    const durableOps = engine.durable ? untilDurable(ops, engine.durable.bind(engine)) : ops;
    this.#ops = engine.guard ? guarded(durableOps, engine.guard.bind(engine)) : durableOps;
  }

  transaction<T>(fn: (tx: TransactionOps) => Promise<T>): Promise<T> {
    if (!this.#engine.guard) return this.#transaction(fn, () => false);
    return this.#engine.guard((expired) => this.#transaction(fn, expired), { userWrite: true });
  }

  async #transaction<T>(
    fn: (tx: TransactionOps) => Promise<T>,
    expired: () => boolean,
  ): Promise<T> {
    try {
      const result = await this.#engine.db.transaction().execute(async (trx) => {
        // A transaction whose caller was already answered `unavailable` (it waited that long
        // for a connection, or ran that long) rolls back instead of committing unseen; only a
        // COMMIT already sent may land late (and an idempotent retry finds it, G3).
        if (expired()) throw lateTransaction();
        const ops = new SqlTransactionOps(trx, this.#engine);
        // Refused input counts as a failed statement: a caller that carries on past it (a
        // group commit's other jobs) gets the same answer on every engine, PostgreSQL's.
        const result = await fn(checkedInput(ops, (err) => (ops.failedStatement ??= err)));
        if (expired()) throw lateTransaction();
        // PostgreSQL aborts a transaction at its first failed statement and turns its COMMIT
        // into a silent ROLLBACK: never report such a transaction as committed (G1). SQLite
        // would commit the rest; refusing there too keeps the engines alike.
        if (ops.failedStatement !== null) {
          throw new Error('a statement failed inside the transaction, so it was rolled back', {
            cause: ops.failedStatement,
          });
        }
        return result;
      });
      await this.#engine.durable?.();
      return result;
    } catch (err) {
      if (this.#engine.isTransientConflict?.(err))
        throw new TransactionConflictError({ cause: err });
      throw err;
    }
  }

  async tryLease(name: string): Promise<Lease | null> {
    if (this.#engine.tryLease) return this.#engine.tryLease(name);
    const key = `${this.#engine.name}:${name}`;
    if (localLeases.has(key)) return null;
    localLeases.add(key);
    return {
      lost: new Promise<void>(() => undefined),
      release: () => {
        localLeases.delete(key);
        return Promise.resolve();
      },
    };
  }

  isUnavailable(err: unknown): boolean {
    if (hasCause(err, StoreUnavailableError)) return true;
    return this.#engine.isUnavailable?.(err) ?? false;
  }

  async ping(timeoutMs?: number): Promise<void> {
    const call = async () => {
      await sql`select 1`.execute(this.#engine.db);
    };
    if (!this.#engine.guard) return call();
    await this.#engine.guard(call, {
      userWrite: false,
      ...(timeoutMs === undefined ? {} : { deadlineMs: timeoutMs }),
    });
  }

  problem(): StoreProblem | null {
    return this.#engine.problem?.() ?? null;
  }

  syncStandbys(): SyncStandbys | null {
    return this.#engine.syncStandbys?.() ?? null;
  }

  async close(): Promise<void> {
    await this.#engine.closing?.();
    await this.#engine.db.destroy();
    await this.#engine.close?.();
  }

  // Every StoreOps method delegates to the non-transactional executor.
  createUser = (u: UserWithSecret) => this.#ops.createUser(u);
  getUserById = (id: string) => this.#ops.getUserById(id);
  getUserByUsername = (n: string) => this.#ops.getUserByUsername(n);
  getUserSecretByUsername = (n: string) => this.#ops.getUserSecretByUsername(n);
  getUserSecretById = (id: string) => this.#ops.getUserSecretById(id);
  searchUsers = (q: UserQuery) => this.#ops.searchUsers(q);
  markUserDeleted = (id: string, at: number) => this.#ops.markUserDeleted(id, at);
  createSession = (s: Session) => this.#ops.createSession(s);
  getSessionByTokenHash = (h: string) => this.#ops.getSessionByTokenHash(h);
  touchSession = (id: string, at: number) => this.#ops.touchSession(id, at);
  deleteSession = (id: string) => this.#ops.deleteSession(id);
  deleteUserSessions = (userId: string) => this.#ops.deleteUserSessions(userId);
  deleteExpiredSessions = (now: number) => this.#ops.deleteExpiredSessions(now);
  liveSessionIds = (ids: string[], now: number) => this.#ops.liveSessionIds(ids, now);
  createConversation = (c: Conversation, k: string | null) => this.#ops.createConversation(c, k);
  getConversation = (id: string) => this.#ops.getConversation(id);
  getDmByKey = (k: string) => this.#ops.getDmByKey(k);
  renameConversation = (id: string, n: string) => this.#ops.renameConversation(id, n);
  deleteConversation = (id: string) => this.#ops.deleteConversation(id);
  lockConversation = (id: string) => this.#ops.lockConversation(id);
  upsertNode = (n: ClusterNode) => this.#ops.upsertNode(n);
  listNodes = () => this.#ops.listNodes();
  deleteNode = (id: string) => this.#ops.deleteNode(id);
  deleteNodesBefore = (t: number) => this.#ops.deleteNodesBefore(t);
  setPresence = (u: string, n: string, online: boolean, at: number) =>
    this.#ops.setPresence(u, n, online, at);
  clearPresence = (n: string) => this.#ops.clearPresence(n);
  onlineUsers = (ids: string[], since: number) => this.#ops.onlineUsers(ids, since);
  nextSeq = (id: string, at: number, m: boolean) => this.#ops.nextSeq(id, at, m);
  addMember = (m: Omit<Member, 'username'>) => this.#ops.addMember(m);
  getMember = (c: string, u: string) => this.#ops.getMember(c, u);
  listMembers = (c: string) => this.#ops.listMembers(c);
  getMemberView = (c: string, u: string) => this.#ops.getMemberView(c, u);
  countMembers = (c: string) => this.#ops.countMembers(c);
  removeMember = (c: string, u: string) => this.#ops.removeMember(c, u);
  setMemberRole = (c: string, u: string, r: Role) => this.#ops.setMemberRole(c, u, r);
  raiseReadMarker = (c: string, u: string, s: number) => this.#ops.raiseReadMarker(c, u, s);
  listConversationIdsForUser = (u: string) => this.#ops.listConversationIdsForUser(u);
  listCursorsForUser = (u: string) => this.#ops.listCursorsForUser(u);
  latestSeqs = (ids: string[]) => this.#ops.latestSeqs(ids);
  listSummariesForUser = (u: string) => this.#ops.listSummariesForUser(u);
  getSummaryForUser = (c: string, u: string) => this.#ops.getSummaryForUser(c, u);
  insertMessage = (m: Omit<Message, 'senderName'>) => this.#ops.insertMessage(m);
  getMessage = (c: string, s: number) => this.#ops.getMessage(c, s);
  getMessageByClientId = (s: string, id: string) => this.#ops.getMessageByClientId(s, id);
  editMessage = (c: string, s: number, b: string, at: number) => this.#ops.editMessage(c, s, b, at);
  deleteMessage = (c: string, s: number, at: number) => this.#ops.deleteMessage(c, s, at);
  listMessages = (c: string, q: HistoryQuery) => this.#ops.listMessages(c, q);
  insertEvent = (e: TimelineEvent) => this.#ops.insertEvent(e);
  redactEdits = (c: string, s: number) => this.#ops.redactEdits(c, s);
  listTimeline = (c: string, after: number, limit: number) =>
    this.#ops.listTimeline(c, after, limit);
}

/** The same operations, each run through the engine's guard (see SqlEngine.guard). */
function guarded(ops: SqlOps, guard: NonNullable<SqlEngine['guard']>): SqlOps {
  return new Proxy(ops, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      const userWrite = typeof property === 'string' && USER_WRITES.has(property);
      return (...args: unknown[]) =>
        guard(() => (value as (...a: unknown[]) => Promise<unknown>).apply(target, args), {
          userWrite,
        });
    },
  });
}

/** The error that rolls back a transaction begun or finished after its caller's deadline. */
function lateTransaction(): StoreUnavailableError {
  return new StoreUnavailableError(
    'timeout',
    'the transaction passed its deadline before committing, so it was rolled back',
  );
}

/** True if `err` or one of its causes (a few levels deep) is an instance of `type`. */
function hasCause(err: unknown, type: abstract new (...args: never[]) => unknown): boolean {
  for (let e = err, depth = 0; e && depth < 5; depth++) {
    if (e instanceof type) return true;
    e = typeof e === 'object' ? (e as { cause?: unknown }).cause : undefined;
  }
  return false;
}

/** The same operations, each answering only once the commits before its answer are durable. */
function untilDurable(ops: SqlOps, durable: () => Promise<void>): SqlOps {
  return new Proxy(ops, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        const result: unknown = await (value as (...a: unknown[]) => Promise<unknown>).apply(
          target,
          args,
        );
        await durable();
        return result;
      };
    },
  });
}

/** The columns of a timeline row (see SqlOps.#timelineQuery), in the order both tables give them. */
const TIMELINE_COLUMNS = [
  'kind',
  'seq',
  'conversation_id',
  'created_at',
  'id',
  'sender_id',
  'client_msg_id',
  'body',
  'edited_at',
  'deleted_at',
  'sender_name',
  'sender_deleted_at',
  'type',
  'actor_id',
  'data',
] as const;

/** Each engine's compiled hot-path queries (shared by its transactions). */
const preparedByEngine = new WeakMap<SqlEngine, PreparedQueries>();

/** StoreOps over a Kysely executor (the database or an open transaction). */
class SqlOps implements StoreOps {
  /** The engine error of a statement that failed and was answered with an AppError, or the refusal of input (rule S6). */
  failedStatement: unknown = null;
  readonly #prepared: PreparedQueries;

  constructor(
    protected readonly db: Kysely<Database>,
    protected readonly engine: SqlEngine,
  ) {
    let prepared = preparedByEngine.get(engine);
    if (!prepared) {
      prepared = new PreparedQueries();
      preparedByEngine.set(engine, prepared);
    }
    this.#prepared = prepared;
  }

  /** Runs a hot-path query compiled once (see PreparedQueries); `build` gets placeholders. */
  #run<R, A extends unknown[]>(
    key: string,
    build: (...args: A) => Compilable<R>,
    ...args: A
  ): Promise<QueryResult<R>> {
    return this.#prepared.run(
      this.db,
      key,
      build as unknown as (...a: never[]) => Compilable<R>,
      args,
    );
  }

  async createUser(user: UserWithSecret): Promise<User> {
    try {
      await this.db
        .insertInto('users')
        .values({
          id: user.id,
          username: user.username,
          password_hash: user.passwordHash,
          created_at: user.createdAt,
          deleted_at: null,
        })
        .execute();
    } catch (err) {
      this.failedStatement = err;
      if (this.engine.isUniqueViolation(err))
        throw new AppError('username_taken', undefined, { cause: err });
      throw err;
    }
    return { id: user.id, username: user.username, createdAt: user.createdAt, deletedAt: null };
  }

  async getUserById(id: string): Promise<User | null> {
    const row = await this.db
      .selectFrom('users')
      .select(['id', 'username', 'created_at', 'deleted_at'])
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? toUser(row) : null;
  }

  async getUserByUsername(username: string): Promise<User | null> {
    const row = await this.db
      .selectFrom('users')
      .select(['id', 'username', 'created_at', 'deleted_at'])
      .where('username', '=', username)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    return row ? toUser(row) : null;
  }

  async getUserSecretByUsername(username: string): Promise<UserWithSecret | null> {
    const row = await this.db
      .selectFrom('users')
      .selectAll()
      .where('username', '=', username)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    return row ? toUserWithSecret(row) : null;
  }

  async getUserSecretById(id: string): Promise<UserWithSecret | null> {
    const row = await this.db
      .selectFrom('users')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? toUserWithSecret(row) : null;
  }

  async searchUsers(query: UserQuery): Promise<User[]> {
    let q = this.db
      .selectFrom('users')
      .select(['id', 'username', 'created_at', 'deleted_at'])
      .where('deleted_at', 'is', null);
    if (query.like !== null) q = q.where(sql<boolean>`username like ${query.like} escape '\\'`);
    if (query.afterUsername !== null) q = q.where('username', '>', query.afterUsername);
    const rows = await q.orderBy('username').limit(query.limit).execute();
    return rows.map(toUser);
  }

  async markUserDeleted(id: string, at: number): Promise<void> {
    await this.db.updateTable('users').set({ deleted_at: at }).where('id', '=', id).execute();
  }

  async createSession(session: Session): Promise<void> {
    await this.db
      .insertInto('sessions')
      .values({
        id: session.id,
        user_id: session.userId,
        token_hash: session.tokenHash,
        created_at: session.createdAt,
        expires_at: session.expiresAt,
        last_seen_at: session.lastSeenAt,
      })
      .execute();
  }

  async liveSessionIds(ids: string[], now: number): Promise<string[]> {
    if (ids.length === 0) return [];
    const rows = await this.db
      .selectFrom('sessions')
      .select('id')
      .where('id', 'in', ids)
      .where('expires_at', '>', now)
      .execute();
    return rows.map((r) => r.id);
  }

  async getSessionByTokenHash(tokenHash: string): Promise<Session | null> {
    const row = await this.db
      .selectFrom('sessions')
      .selectAll()
      .where('token_hash', '=', tokenHash)
      .executeTakeFirst();
    return row ? toSession(row) : null;
  }

  async touchSession(id: string, at: number): Promise<void> {
    await this.db.updateTable('sessions').set({ last_seen_at: at }).where('id', '=', id).execute();
  }

  async deleteSession(id: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('id', '=', id).execute();
  }

  async deleteUserSessions(userId: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('user_id', '=', userId).execute();
  }

  async deleteExpiredSessions(now: number): Promise<number> {
    const result = await this.db
      .deleteFrom('sessions')
      .where('expires_at', '<=', now)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async createConversation(c: Conversation, dmKey: string | null): Promise<void> {
    try {
      await this.db
        .insertInto('conversations')
        .values({
          id: c.id,
          kind: c.kind,
          name: c.name,
          dm_key: dmKey,
          created_by: c.createdBy,
          created_at: c.createdAt,
          last_seq: c.lastSeq,
          last_message_at: c.lastMessageAt,
        })
        .execute();
    } catch (err) {
      this.failedStatement = err;
      if (this.engine.isUniqueViolation(err))
        throw new AppError('conflict', 'conversation exists', { cause: err });
      throw err;
    }
  }

  async getConversation(id: string): Promise<Conversation | null> {
    const row = await this.db
      .selectFrom('conversations')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? toConversation(row) : null;
  }

  async getDmByKey(dmKey: string): Promise<Conversation | null> {
    const row = await this.db
      .selectFrom('conversations')
      .selectAll()
      .where('dm_key', '=', dmKey)
      .executeTakeFirst();
    return row ? toConversation(row) : null;
  }

  async renameConversation(id: string, name: string): Promise<void> {
    await this.db.updateTable('conversations').set({ name }).where('id', '=', id).execute();
  }

  async deleteConversation(id: string): Promise<void> {
    // Explicit child deletes keep this independent of the engine's foreign-key enforcement.
    await this.db.deleteFrom('events').where('conversation_id', '=', id).execute();
    await this.db.deleteFrom('messages').where('conversation_id', '=', id).execute();
    await this.db.deleteFrom('members').where('conversation_id', '=', id).execute();
    await this.db.deleteFrom('conversations').where('id', '=', id).execute();
  }

  async upsertNode(n: ClusterNode): Promise<void> {
    const row = {
      url: n.url,
      started_at: n.startedAt,
      heartbeat_at: n.heartbeatAt,
      connections: n.connections,
      draining: n.draining ? 1 : 0,
    };
    await this.db
      .insertInto('nodes')
      .values({ id: n.id, ...row })
      .onConflict((oc) => oc.column('id').doUpdateSet(row))
      .execute();
  }

  async listNodes(): Promise<ClusterNode[]> {
    const rows = await this.db.selectFrom('nodes').selectAll().orderBy('id').execute();
    return rows.map((r) => ({
      id: r.id,
      url: r.url,
      startedAt: num(r.started_at),
      heartbeatAt: num(r.heartbeat_at),
      connections: num(r.connections),
      draining: num(r.draining) !== 0,
    }));
  }

  async deleteNode(id: string): Promise<void> {
    await this.db.deleteFrom('nodes').where('id', '=', id).execute();
  }

  async deleteNodesBefore(heartbeatBefore: number): Promise<number> {
    const result = await this.db
      .deleteFrom('nodes')
      .where('heartbeat_at', '<', heartbeatBefore)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async setPresence(userId: string, nodeId: string, online: boolean, at: number): Promise<void> {
    if (!online) {
      await this.db
        .deleteFrom('presence')
        .where('user_id', '=', userId)
        .where('node_id', '=', nodeId)
        .execute();
      return;
    }
    await this.db
      .insertInto('presence')
      .values({ user_id: userId, node_id: nodeId, since: at })
      .onConflict((oc) => oc.columns(['user_id', 'node_id']).doNothing())
      .execute();
  }

  async clearPresence(nodeId: string): Promise<string[]> {
    const rows = await this.db
      .deleteFrom('presence')
      .where('node_id', '=', nodeId)
      .returning('user_id')
      .execute();
    return rows.map((r) => r.user_id).sort();
  }

  async onlineUsers(userIds: string[], liveSince: number): Promise<Set<string>> {
    if (userIds.length === 0) return new Set();
    const rows = await this.db
      .selectFrom('presence as p')
      .innerJoin('nodes as n', 'n.id', 'p.node_id')
      .select('p.user_id')
      .distinct()
      .where('p.user_id', 'in', userIds)
      .where('n.heartbeat_at', '>=', liveSince)
      .execute();
    return new Set(rows.map((r) => r.user_id));
  }

  async lockConversation(id: string): Promise<void> {
    // NO KEY UPDATE conflicts with itself and with nextSeq's UPDATE, but not with the KEY SHARE
    // locks that foreign-key checks take, so inserting members or messages is not blocked.
    if (!this.engine.rowLocks) return;
    await this.db
      .selectFrom('conversations')
      .select('id')
      .where('id', '=', id)
      .forNoKeyUpdate()
      .execute();
  }

  async nextSeq(conversationId: string, at: number, isMessage: boolean): Promise<number> {
    const { rows } = isMessage
      ? await this.#run(
          'nextSeq.message',
          (id: string, time: number) =>
            this.db
              .updateTable('conversations')
              .set((eb) => ({ last_seq: eb('last_seq', '+', 1), last_message_at: time }))
              .where('id', '=', id)
              .returning('last_seq'),
          conversationId,
          at,
        )
      : await this.#run(
          'nextSeq.event',
          (id: string) =>
            this.db
              .updateTable('conversations')
              .set((eb) => ({ last_seq: eb('last_seq', '+', 1) }))
              .where('id', '=', id)
              .returning('last_seq'),
          conversationId,
        );
    const row = rows[0];
    if (!row) throw new AppError('not_found');
    return num(row.last_seq);
  }

  async addMember(m: Omit<Member, 'username'>): Promise<void> {
    await this.db
      .insertInto('members')
      .values({
        conversation_id: m.conversationId,
        user_id: m.userId,
        role: m.role,
        joined_at: m.joinedAt,
        last_read_seq: m.lastReadSeq,
      })
      .execute();
  }

  private membersQuery() {
    return this.db
      .selectFrom('members')
      .innerJoin('users', 'users.id', 'members.user_id')
      .selectAll('members')
      .select(['users.username', 'users.deleted_at']);
  }

  async getMember(conversationId: string, userId: string): Promise<Member | null> {
    const row = await this.membersQuery()
      .where('members.conversation_id', '=', conversationId)
      .where('members.user_id', '=', userId)
      .executeTakeFirst();
    return row ? toMember(row) : null;
  }

  async listMembers(conversationId: string): Promise<Member[]> {
    const rows = await this.membersQuery()
      .where('members.conversation_id', '=', conversationId)
      .orderBy('members.joined_at')
      .orderBy('users.username')
      .execute();
    return rows.map(toMember);
  }

  async getMemberView(
    conversationId: string,
    userId: string,
  ): Promise<{ role: Role; kind: ConversationKind; memberCount: number } | null> {
    const { rows } = await this.#run(
      'getMemberView',
      (c: string, u: string) =>
        this.db
          .selectFrom('members as m')
          .innerJoin('conversations as c', 'c.id', 'm.conversation_id')
          .select(['m.role', 'c.kind'])
          .select((eb) =>
            eb
              .selectFrom('members as mm')
              .select(eb.fn.countAll<number>().as('n'))
              .whereRef('mm.conversation_id', '=', 'c.id')
              .as('member_count'),
          )
          .where('m.conversation_id', '=', c)
          .where('m.user_id', '=', u),
      conversationId,
      userId,
    );
    const row = rows[0];
    if (!row) return null;
    return {
      role: row.role as Role,
      kind: row.kind as ConversationKind,
      memberCount: num(row.member_count ?? 0),
    };
  }

  async countMembers(conversationId: string): Promise<number> {
    const row = await this.db
      .selectFrom('members')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('conversation_id', '=', conversationId)
      .executeTakeFirstOrThrow();
    return num(row.n);
  }

  async removeMember(conversationId: string, userId: string): Promise<void> {
    await this.db
      .deleteFrom('members')
      .where('conversation_id', '=', conversationId)
      .where('user_id', '=', userId)
      .execute();
  }

  async setMemberRole(conversationId: string, userId: string, role: Role): Promise<void> {
    await this.db
      .updateTable('members')
      .set({ role })
      .where('conversation_id', '=', conversationId)
      .where('user_id', '=', userId)
      .execute();
  }

  async raiseReadMarker(conversationId: string, userId: string, seq: number): Promise<number> {
    const row = await this.db
      .updateTable('members')
      .set({
        last_read_seq: sql<number>`case when last_read_seq < ${seq} then ${seq} else last_read_seq end`,
      })
      .where('conversation_id', '=', conversationId)
      .where('user_id', '=', userId)
      .returning('last_read_seq')
      .executeTakeFirst();
    if (!row) throw new AppError('not_found');
    return num(row.last_read_seq);
  }

  async listConversationIdsForUser(userId: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('members')
      .select('conversation_id')
      .where('user_id', '=', userId)
      .execute();
    return rows.map((r) => r.conversation_id);
  }

  async listCursorsForUser(userId: string): Promise<ConversationCursor[]> {
    const rows = await this.db
      .selectFrom('members')
      .innerJoin('conversations', 'conversations.id', 'members.conversation_id')
      .select(['conversations.id', 'conversations.last_seq'])
      .where('members.user_id', '=', userId)
      .execute();
    return rows.map((r) => ({ conversationId: r.id, lastSeq: num(r.last_seq) }));
  }

  async latestSeqs(conversationIds: string[]): Promise<ConversationCursor[]> {
    if (conversationIds.length === 0) return [];
    const rows = await this.db
      .selectFrom('conversations')
      .select(['id', 'last_seq'])
      .where('id', 'in', conversationIds)
      .execute();
    return rows.map((r) => ({ conversationId: r.id, lastSeq: num(r.last_seq) }));
  }

  async listSummariesForUser(userId: string): Promise<ConversationSummary[]> {
    return this.summaries(userId, null);
  }

  async getSummaryForUser(
    conversationId: string,
    userId: string,
  ): Promise<ConversationSummary | null> {
    const [summary] = await this.summaries(userId, conversationId);
    return summary ?? null;
  }

  private async summaries(userId: string, only: string | null): Promise<ConversationSummary[]> {
    let q = this.db
      .selectFrom('members as m')
      .innerJoin('conversations as c', 'c.id', 'm.conversation_id')
      .selectAll('c')
      .select(['m.role', 'm.last_read_seq'])
      .select((eb) => [
        eb
          .selectFrom('messages as x')
          .select(eb.fn.countAll<number>().as('n'))
          .whereRef('x.conversation_id', '=', 'c.id')
          .whereRef('x.seq', '>', 'm.last_read_seq')
          .whereRef('x.sender_id', '<>', 'm.user_id')
          .where('x.deleted_at', 'is', null)
          .as('unread_count'),
        eb
          .selectFrom('members as mm')
          .select(eb.fn.countAll<number>().as('n'))
          .whereRef('mm.conversation_id', '=', 'c.id')
          .as('member_count'),
      ])
      .where('m.user_id', '=', userId);
    if (only !== null) q = q.where('c.id', '=', only);
    const rows = await q.orderBy('c.last_message_at', 'desc').orderBy('c.id', 'desc').execute();
    if (rows.length === 0) return [];

    const ids = rows.map((r) => r.id);
    const lastMessages = await this.messagesQuery()
      .innerJoin(
        (eb) =>
          eb
            .selectFrom('messages')
            .select(['conversation_id', (e) => e.fn.max('seq').as('max_seq')])
            .where('conversation_id', 'in', ids)
            .groupBy('conversation_id')
            .as('lm'),
        (join) =>
          join
            .onRef('lm.conversation_id', '=', 'messages.conversation_id')
            .onRef('lm.max_seq', '=', 'messages.seq'),
      )
      .execute();
    const lastByConversation = new Map(lastMessages.map((r) => [r.conversation_id, toMessage(r)]));

    const peerIds = rows.flatMap((r) =>
      r.dm_key ? r.dm_key.split(':').filter((id) => id !== userId) : [],
    );
    const peers = peerIds.length
      ? await this.db
          .selectFrom('users')
          .select(['id', 'username', 'deleted_at'])
          .where('id', 'in', peerIds)
          .execute()
      : [];
    const peerName = new Map(
      peers.map((p) => [p.id, p.deleted_at === null ? p.username : DELETED_USER_NAME]),
    );

    return rows.map((r) => {
      const peerId = r.dm_key?.split(':').find((id) => id !== userId) ?? null;
      return {
        ...toConversation(r),
        role: r.role as Role,
        lastReadSeq: num(r.last_read_seq),
        unreadCount: num(r.unread_count ?? 0),
        memberCount: num(r.member_count ?? 0),
        peer: peerId === null ? null : (peerName.get(peerId) ?? DELETED_USER_NAME),
        lastMessage: lastByConversation.get(r.id) ?? null,
      };
    });
  }

  async insertMessage(m: Omit<Message, 'senderName'>): Promise<void> {
    await this.#run(
      'insertMessage',
      (
        id: string,
        conversation: string,
        seq: number,
        sender: string,
        clientMsgId: string,
        body: string,
        createdAt: number,
        editedAt: number | null,
        deletedAt: number | null,
      ) =>
        this.db.insertInto('messages').values({
          id,
          conversation_id: conversation,
          seq,
          sender_id: sender,
          client_msg_id: clientMsgId,
          body,
          created_at: createdAt,
          edited_at: editedAt,
          deleted_at: deletedAt,
        }),
      m.id,
      m.conversationId,
      m.seq,
      m.sender,
      m.clientMsgId,
      m.body,
      m.createdAt,
      m.editedAt,
      m.deletedAt,
    );
  }

  private messagesQuery() {
    return this.db
      .selectFrom('messages')
      .leftJoin('users', 'users.id', 'messages.sender_id')
      .selectAll('messages')
      .select(['users.username as sender_name', 'users.deleted_at as sender_deleted_at']);
  }

  async getMessage(conversationId: string, seq: number): Promise<Message | null> {
    const row = await this.messagesQuery()
      .where('messages.conversation_id', '=', conversationId)
      .where('messages.seq', '=', seq)
      .executeTakeFirst();
    return row ? toMessage(row) : null;
  }

  async getMessageByClientId(sender: string, clientMsgId: string): Promise<Message | null> {
    const { rows } = await this.#run(
      'getMessageByClientId',
      (s: string, id: string) =>
        this.messagesQuery()
          .where('messages.sender_id', '=', s)
          .where('messages.client_msg_id', '=', id),
      sender,
      clientMsgId,
    );
    return rows[0] ? toMessage(rows[0]) : null;
  }

  async editMessage(conversationId: string, seq: number, body: string, at: number): Promise<void> {
    await this.db
      .updateTable('messages')
      .set({ body, edited_at: at })
      .where('conversation_id', '=', conversationId)
      .where('seq', '=', seq)
      .execute();
  }

  async deleteMessage(conversationId: string, seq: number, at: number): Promise<void> {
    await this.db
      .updateTable('messages')
      .set({ body: '', deleted_at: at })
      .where('conversation_id', '=', conversationId)
      .where('seq', '=', seq)
      .execute();
  }

  async listMessages(conversationId: string, query: HistoryQuery): Promise<Message[]> {
    let q = this.messagesQuery().where('messages.conversation_id', '=', conversationId);
    if (query.after !== null) {
      q = q.where('messages.seq', '>', query.after);
      if (query.before !== null) q = q.where('messages.seq', '<', query.before);
      const rows = await q.orderBy('messages.seq', 'asc').limit(query.limit).execute();
      return rows.map(toMessage);
    }
    if (query.before !== null) q = q.where('messages.seq', '<', query.before);
    const rows = await q.orderBy('messages.seq', 'desc').limit(query.limit).execute();
    return rows.map(toMessage).reverse();
  }

  async insertEvent(e: TimelineEvent): Promise<void> {
    await this.db
      .insertInto('events')
      .values({
        conversation_id: e.conversationId,
        seq: e.seq,
        type: e.type,
        actor_id: e.actor,
        target_seq: typeof e.data.seq === 'number' ? e.data.seq : null,
        data: JSON.stringify(e.data),
        created_at: e.createdAt,
      })
      .execute();
  }

  async redactEdits(conversationId: string, seq: number): Promise<void> {
    await this.db
      .updateTable('events')
      .set({ data: JSON.stringify({ seq, body: '' }) })
      .where('conversation_id', '=', conversationId)
      .where('target_seq', '=', seq)
      .where('type', '=', 'message.edited')
      .execute();
  }

  async listTimeline(
    conversationId: string,
    afterSeq: number,
    limit: number,
  ): Promise<TimelineEntry[]> {
    const { rows } = await this.#run(
      'listTimeline',
      (c: string, after: number, n: number) => this.#timelineQuery(c, after, n),
      conversationId,
      afterSeq,
      limit,
    );
    return rows.map(toTimelineEntry);
  }

  /**
   * Messages and events after `after`, merged in seq order, at most `n`, in one statement:
   * one snapshot (the statement's under PostgreSQL's read committed, the read transaction's on
   * SQLite). Seqs are allocated one transaction at a time per conversation (nextSeq's update
   * of the conversation row) and committed with their entry, so a snapshot holding seq k holds
   * every seq below it: the page is the timeline's entries after the cursor up to some seq,
   * with no hole (rule W5), and shorter than `n` only where the timeline ended at that
   * snapshot. A statement per table could see a commit land between them and return k+1
   * without k; bounding them by a last seq read first would take a third round trip and cut
   * pages short while more entries exist. Each branch reads at most `n` rows along its
   * (conversation_id, seq) key. UNION pairs columns by position, hence TIMELINE_COLUMNS; the
   * other table's columns are cast nulls (PostgreSQL types a bare null in a subquery as text,
   * which it cannot match with bigint).
   */
  #timelineQuery(conversationId: string, after: number, n: number) {
    const text = sql<string | null>`cast(null as text)`;
    const time = sql<number | null>`cast(null as bigint)`;
    const messages = this.db
      .selectFrom('messages')
      .leftJoin('users', 'users.id', 'messages.sender_id')
      .select([
        sql<'message'>`'message'`.as('kind'),
        'messages.seq',
        'messages.conversation_id',
        'messages.created_at',
        'messages.id',
        'messages.sender_id',
        'messages.client_msg_id',
        'messages.body',
        'messages.edited_at',
        'messages.deleted_at',
        'users.username as sender_name',
        'users.deleted_at as sender_deleted_at',
        text.as('type'),
        text.as('actor_id'),
        text.as('data'),
      ])
      .where('messages.conversation_id', '=', conversationId)
      .where('messages.seq', '>', after)
      .orderBy('messages.seq')
      .limit(n);
    const events = this.db
      .selectFrom('events')
      .select([
        sql<'event'>`'event'`.as('kind'),
        'seq',
        'conversation_id',
        'created_at',
        text.as('id'),
        text.as('sender_id'),
        text.as('client_msg_id'),
        text.as('body'),
        time.as('edited_at'),
        time.as('deleted_at'),
        text.as('sender_name'),
        time.as('sender_deleted_at'),
        'type',
        'actor_id',
        'data',
      ])
      .where('conversation_id', '=', conversationId)
      .where('seq', '>', after)
      .orderBy('seq')
      .limit(n);
    return this.db
      .selectFrom(messages.as('m'))
      .select(TIMELINE_COLUMNS)
      .$castTo<TimelineRow>()
      .unionAll(this.db.selectFrom(events.as('e')).select(TIMELINE_COLUMNS).$castTo<TimelineRow>())
      .orderBy('seq')
      .limit(n);
  }
}

/** The operations of an open transaction, with savepoints (same SQL on every engine). */
class SqlTransactionOps extends SqlOps implements TransactionOps {
  /** Savepoints open at once: their names only need to differ while nested. */
  #depth = 0;

  async savepoint<T>(fn: () => Promise<T>): Promise<T> {
    const name = sql.raw(`parley_sp_${++this.#depth}`);
    const failedBefore = this.failedStatement;
    try {
      await sql`savepoint ${name}`.execute(this.db);
      let result: T;
      try {
        result = await fn();
        // A statement failed and `fn` swallowed its error: PostgreSQL has aborted everything
        // since the savepoint, so `fn`'s work did not happen and must not be reported done.
        if (this.failedStatement !== failedBefore)
          throw new Error('a statement failed inside the savepoint, so it was rolled back', {
            cause: this.failedStatement,
          });
      } catch (err) {
        await this.#rollbackTo(name, failedBefore);
        if (this.engine.isTransientConflict?.(err))
          throw new TransactionConflictError({ cause: err });
        throw err;
      }
      await sql`release savepoint ${name}`.execute(this.db);
      return result;
    } finally {
      this.#depth--;
    }
  }

  /** Undoes what ran since the savepoint; if even that fails, the transaction must not commit. */
  async #rollbackTo(name: ReturnType<typeof sql.raw>, failedBefore: unknown): Promise<void> {
    try {
      await sql`rollback to savepoint ${name}`.execute(this.db);
      this.failedStatement = failedBefore;
    } catch (err) {
      this.failedStatement = err;
    }
  }
}
