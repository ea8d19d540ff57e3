import { AppError } from '../domain/errors.js';
import {
  TransactionConflictError,
  type StoreHealth,
  type StoreOps,
  type TransactionsStore,
} from '../ports/store.js';

/** What the batcher uses of the store: transactions, and telling an outage from a failure. */
export type BatcherStore = Pick<TransactionsStore, 'transaction'> &
  Pick<StoreHealth, 'isUnavailable'>;

/** One unit of work in a group commit; its result is settled after the batch commits. */
interface Job<T> {
  run: (tx: StoreOps) => Promise<T>;
  lockKey: string;
  resolve: (value: T) => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit: jobs submitted while a commit is in flight are run together in the next
 * transaction, so one durable fsync covers many sends. A job's promise resolves only after
 * its transaction committed (guarantee 1).
 *
 * A job that fails never fails the others of its batch. A job that throws an AppError before
 * it writes (a refusal) is rejected alone and the rest commits in the same pass. If anything
 * else goes wrong (a job throws another error, a statement failed, the store refused a
 * job's input, the commit failed), the transaction is rolled back, writing nothing, and the
 * batch runs once more with every job in a savepoint of its own: a job that fails again is
 * rolled back to its savepoint, its seq included, and rejected with its own error, and the
 * others commit. Savepoints cost round trips, so only a batch that has seen a failure pays
 * for them. A batch that lost a race with another node's transaction (TransactionConflictError:
 * a deadlock, or a unique key committed first) runs once more as it was. An unreachable store,
 * or a failure of the isolated pass as a whole (its commit), rejects every job of the batch.
 * So `run` may be called up to three times and must not act outside the transaction.
 *
 * Within a batch, jobs run sorted by their `lockKey` (stably, so jobs with the same key keep
 * their order): jobs that lock the resource they name, as sends lock their conversation, then
 * take their locks in one global order on every node, so batches of different nodes queue
 * behind each other instead of deadlocking.
 */
export class CommitBatcher {
  readonly #store: BatcherStore;
  readonly #maxBatch: number;
  readonly #concurrency: number;
  readonly #onCommit: ((ms: number, size: number) => void) | undefined;
  #queue: Array<Job<unknown>> = [];
  #inFlight = 0;
  /** Lock keys of the batches in flight: their later jobs wait, so each key keeps FIFO order. */
  readonly #busy = new Set<string>();
  #scheduled = false;
  #idle: Array<() => void> = [];

  /**
   * `concurrency` batches may commit at once (engines with row locks and a connection pool;
   * SQLite has one writer: 1). Jobs of a lock key in flight wait for it, so per key the
   * commit order is the submission order. `onCommit` hears each batch's duration and size.
   */
  constructor(
    store: BatcherStore,
    options: {
      maxBatch?: number;
      concurrency?: number;
      onCommit?: (ms: number, size: number) => void;
    } = {},
  ) {
    this.#store = store;
    this.#maxBatch = options.maxBatch ?? 256;
    this.#concurrency = Math.max(1, options.concurrency ?? 1);
    this.#onCommit = options.onCommit;
  }

  /**
   * Queues `run` for the next batch and resolves with its result once committed. `run` may be
   * called twice (see the class comment), so it must not act outside the transaction.
   */
  submit<T>(run: (tx: StoreOps) => Promise<T>, options: { lockKey?: string } = {}): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const lockKey = options.lockKey ?? '';
      this.#queue.push({ run, lockKey, resolve, reject } as Job<unknown>);
      this.#schedule();
    });
  }

  /** Resolves when every submitted job has settled. */
  async drained(): Promise<void> {
    if (this.#queue.length === 0 && this.#inFlight === 0) return;
    await new Promise<void>((resolve) => this.#idle.push(resolve));
  }

  /** Starts batches on the next turn, so sends arriving in the same tick of I/O join them. */
  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#fill();
    });
  }

  /** Starts as many batches as the concurrency allows, each from jobs whose keys are free. */
  #fill(): void {
    while (this.#inFlight < this.#concurrency && this.#queue.length > 0) {
      const batch: Array<Job<unknown>> = [];
      const keys = new Set<string>();
      const rest: Array<Job<unknown>> = [];
      for (const job of this.#queue) {
        if (batch.length < this.#maxBatch && !this.#busy.has(job.lockKey)) {
          batch.push(job);
          keys.add(job.lockKey);
        } else {
          rest.push(job);
        }
      }
      if (batch.length === 0) break;
      this.#queue = rest;
      batch.sort((a, b) => (a.lockKey < b.lockKey ? -1 : a.lockKey > b.lockKey ? 1 : 0));
      for (const key of keys) this.#busy.add(key);
      this.#inFlight++;
      void this.#commit(batch).finally(() => {
        this.#inFlight--;
        for (const key of keys) this.#busy.delete(key);
        if (this.#queue.length > 0) this.#fill();
        else if (this.#inFlight === 0) for (const resolve of this.#idle.splice(0)) resolve();
      });
    }
  }

  async #commit(batch: Array<Job<unknown>>): Promise<void> {
    let outcomes: Outcome[];
    const started = performance.now();
    try {
      outcomes = await this.#attempt(batch);
    } catch (err) {
      for (const job of batch) job.reject(err);
      return;
    }
    this.#onCommit?.(performance.now() - started, batch.length);
    batch.forEach((job, i) => {
      const outcome = outcomes[i];
      if (outcome?.ok) job.resolve(outcome.value);
      else job.reject(outcome?.err);
    });
  }

  /** Runs `batch` until it commits: again after a lost race, isolated after a job's failure. */
  async #attempt(batch: Array<Job<unknown>>): Promise<Outcome[]> {
    let isolate = false;
    let raced = false;
    for (;;) {
      try {
        return await this.#run(batch, isolate);
      } catch (err) {
        if (err instanceof TransactionConflictError && !raced) {
          raced = true;
          continue;
        }
        if (!isolate && !this.#store.isUnavailable(err)) {
          isolate = true;
          continue;
        }
        throw err;
      }
    }
  }

  /**
   * Runs every job of `batch` in one transaction, each in a savepoint if `isolate`; resolves
   * with their outcomes once committed.
   */
  async #run(batch: Array<Job<unknown>>, isolate: boolean): Promise<Outcome[]> {
    const outcomes: Outcome[] = [];
    await this.#store.transaction(async (tx) => {
      for (const job of batch) {
        try {
          const value = isolate ? await tx.savepoint(() => job.run(tx)) : await job.run(tx);
          outcomes.push({ ok: true, value });
        } catch (err) {
          // A lost race undoes the whole transaction, whatever savepoints it has.
          if (err instanceof TransactionConflictError) throw err;
          // Without a savepoint only a domain refusal (thrown before the job writes) can stay
          // with its job; anything else may have left partial writes, such as a taken seq.
          if (!isolate && !(err instanceof AppError)) throw err;
          outcomes.push({ ok: false, err });
        }
      }
    });
    return outcomes;
  }
}

type Outcome = { ok: true; value: unknown } | { ok: false; err: unknown };
