/**
 * The store's own errors: what any adapter reports, whatever its engine, so services test
 * types, never engine codes. Services turn them into domain errors (AppError) where a caller
 * is to be told; the adapters never throw AppErrors for what the engine said.
 */

/** The unique keys whose duplicates a caller is told about (see {@link DuplicateKeyError}). */
export type UniqueKey = 'username' | 'dm_key';

/**
 * A write would have duplicated a unique key: a live account's username, or a direct
 * message's key (two users starting the same DM at once). Nothing was written; inside a
 * transaction it counts as a failed statement, so the transaction must roll back.
 */
export class DuplicateKeyError extends Error {
  override readonly name = 'DuplicateKeyError';
  readonly key: UniqueKey;
  constructor(key: UniqueKey, options: { cause: unknown }) {
    super(`a row with this ${key} exists`, options);
    this.key = key;
  }
}

/** The records a write can find missing (see {@link RecordNotFoundError}). */
export type RecordKind = 'conversation' | 'member';

/**
 * A write addressed a record that does not exist (`nextSeq` of an unknown conversation,
 * `raiseReadMarker` of a non-member); nothing was written.
 */
export class RecordNotFoundError extends Error {
  override readonly name = 'RecordNotFoundError';
  readonly record: RecordKind;
  constructor(record: RecordKind) {
    super(`no such ${record}`);
    this.record = record;
  }
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
