import { StoreUnavailableError, type StoreProblem, type SyncStandbys } from '../../ports/store.js';
import type { GuardOptions } from '../sql/engine.js';
import { isPostgresUnavailable } from './errors.js';
import type { ReplicationState } from './replication.js';

/** The logging a PostgreSQL store does (pino's Logger fits). */
export interface StoreLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** Options for {@link PostgresMonitor}. */
export interface MonitorOptions {
  /** Checks the server and applies the migrations; rejects while that cannot be done. */
  open: () => Promise<void>;
  /** One look at the server's replication. */
  readReplication: () => Promise<ReplicationState>;
  /** Milliseconds a caller waits for any store call. */
  deadlineMs: number;
  /** Users' writes are refused while fewer synchronous standbys back commits. */
  requireSyncStandbys: number;
  /** How often replication is read. */
  checkEveryMs: number;
  /**
   * Keep trying to open, with backoff, when the database cannot be reached at first (the
   * store serves `unavailable` meanwhile); otherwise the first failure is final.
   */
  retry: boolean;
  log?: StoreLog;
}

/** First and longest wait between attempts to open; each failure doubles it, with jitter. */
const BACKOFF_MS = { first: 250, max: 10_000 };

/**
 * A PostgreSQL store's life beside its queries: opening (retried with backoff while the
 * database cannot be reached), a periodic look at replication (read-only server, synchronous
 * standbys), and the guard every store call passes (refused before the store is open, users'
 * writes refused while too few synchronous standbys back commits, a deadline on each call).
 */
export class PostgresMonitor {
  readonly #options: MonitorOptions;
  #open = false;
  #closed = false;
  #replication: ReplicationState | null = null;
  #warnedHidden = false;
  #wake: (() => void) | null = null;
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<void> = Promise.resolve();

  constructor(options: MonitorOptions) {
    this.#options = options;
  }

  /**
   * Makes the first attempt to open. Resolves once open, or (with `retry`) once the first
   * attempt failed for want of the database, the next ones running in the background; rejects
   * with the first attempt's error otherwise (a misconfigured server fails the start at once).
   */
  async start(): Promise<void> {
    try {
      await this.#options.open();
    } catch (err) {
      if (!this.#options.retry || !isPostgresUnavailable(err)) throw err;
      this.#running = this.#keepOpening(err);
      return;
    }
    this.#opened(1);
  }

  /** Runs `call` through the checks and the deadline (see the class comment). */
  guard<T>(call: (expired: () => boolean) => Promise<T>, options: GuardOptions): Promise<T> {
    if (!this.#open) {
      return Promise.reject(
        new StoreUnavailableError('unreachable', 'the database has not been reached yet'),
      );
    }
    if (options.userWrite) {
      const refusal = this.#writeRefusal();
      if (refusal) return Promise.reject(refusal);
    }
    return withDeadline(call, options.deadlineMs ?? this.#options.deadlineMs);
  }

  /** What keeps the store from serving, as last observed. */
  problem(): StoreProblem | null {
    if (!this.#open) return 'unreachable';
    if (this.#replication?.readOnly) return 'read_only';
    const standbys = this.syncStandbys();
    if (standbys && (standbys.current < standbys.configured || this.#writeRefusal()))
      return 'sync_standbys_missing';
    return null;
  }

  /** The synchronous standbys as last read; null before the first reading. */
  syncStandbys(): SyncStandbys | null {
    const r = this.#replication;
    if (!r) return null;
    return {
      current: Math.min(r.configured, r.streaming),
      configured: r.configured,
      required: this.#options.requireSyncStandbys,
    };
  }

  /** Stops opening and reading replication. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#wake?.();
    await this.#running;
  }

  #writeRefusal(): StoreUnavailableError | null {
    const required = this.#options.requireSyncStandbys;
    if (required === 0) return null;
    const current = this.syncStandbys()?.current ?? 0;
    if (current >= required) return null;
    return new StoreUnavailableError(
      'sync_standbys_missing',
      `${current} synchronous standby(s) back commits, ${required} required: writes are refused`,
    );
  }

  /** Attempts to open after the first one failed with `firstError`, until one succeeds. */
  async #keepOpening(firstError: unknown): Promise<void> {
    let err = firstError;
    let backoffMs = BACKOFF_MS.first;
    for (let attempt = 1; ; attempt++) {
      // Full jitter over the upper half, so nodes started together do not knock in step.
      const waitMs = Math.round(backoffMs / 2 + Math.random() * (backoffMs / 2));
      this.#options.log?.warn(
        { event: 'store.open_retry', attempt, retryInMs: waitMs, err },
        `PostgreSQL not usable yet (attempt ${attempt}); retrying in ${waitMs} ms`,
      );
      await this.#sleep(waitMs);
      if (this.#closed) return;
      try {
        await this.#options.open();
        this.#opened(attempt + 1);
        return;
      } catch (next) {
        if (this.#closed) return;
        err = next;
        backoffMs = Math.min(BACKOFF_MS.max, backoffMs * 2);
      }
    }
  }

  #opened(attempts: number): void {
    this.#open = true;
    if (attempts > 1)
      this.#options.log?.info({ event: 'store.opened', attempts }, 'PostgreSQL reached');
    this.#schedule(0);
  }

  /** Reads replication now and then every `checkEveryMs`, never two readings at once. */
  #schedule(ms: number): void {
    if (this.#closed) return;
    this.#timer = setTimeout(() => {
      this.#running = this.#check().finally(() => this.#schedule(this.#options.checkEveryMs));
    }, ms);
    this.#timer.unref();
  }

  async #check(): Promise<void> {
    try {
      this.#replication = await withDeadline(
        () => this.#options.readReplication(),
        this.#options.deadlineMs,
      );
    } catch (err) {
      if (this.#closed) return;
      // Unknown now; the queries themselves report an outage. Users' writes wait for a reading.
      this.#replication = null;
      this.#options.log?.warn(
        { event: 'store.replication_unknown', err },
        'could not read the replication state',
      );
      return;
    }
    if (this.#replication.hidden > 0 && !this.#warnedHidden) {
      this.#warnedHidden = true;
      this.#options.log?.warn(
        { event: 'store.replication_hidden', standbys: this.#replication.hidden },
        'pg_stat_replication hides standby states from this user (grant it pg_monitor); they count as not synchronous',
      );
    }
  }

  /** Waits `ms`, or less if the monitor closes meanwhile. */
  async #sleep(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.#wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.#wake = null;
  }
}

/**
 * Resolves or rejects as `call` does, or rejects with StoreUnavailableError (`timeout`) once
 * `ms` have passed. `call` is not cancelled: it runs to its end, its outcome unheard, and
 * `expired()` tells it that its caller has been answered.
 */
export function withDeadline<T>(
  call: (expired: () => boolean) => Promise<T>,
  ms: number,
): Promise<T> {
  let late = false;
  const running = call(() => late);
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      late = true;
      reject(
        new StoreUnavailableError(
          'timeout',
          `the database did not answer within ${ms} ms (the operation may still complete)`,
        ),
      );
    }, ms);
    running.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- passed on as the call rejected
        reject(err);
      },
    );
  });
}
