import { AppError } from '../domain/errors.js';
import type { StoreOps, Store } from '../ports/store.js';

/** One unit of work in a group commit; its result is settled after the batch commits. */
interface Job<T> {
  run: (tx: StoreOps) => Promise<T>;
  resolve: (value: T) => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit: jobs submitted while a commit is in flight are run together in the next
 * transaction, so one durable fsync covers many sends. A job's promise resolves only after
 * its transaction committed (guarantee 1). A job that throws an AppError is rejected alone:
 * jobs must throw those only before they write. Any other error, or a failed commit, rejects
 * the whole batch and writes nothing.
 */
export class CommitBatcher {
  readonly #store: Store;
  readonly #maxBatch: number;
  #queue: Array<Job<unknown>> = [];
  #running: Promise<void> | null = null;
  #idle: Array<() => void> = [];

  constructor(store: Store, options: { maxBatch?: number } = {}) {
    this.#store = store;
    this.#maxBatch = options.maxBatch ?? 256;
  }

  /** Queues `run` for the next batch and resolves with its result once committed. */
  submit<T>(run: (tx: StoreOps) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ run, resolve, reject } as Job<unknown>);
      this.#running ??= this.#drain();
    });
  }

  /** Resolves when every submitted job has settled. */
  async drained(): Promise<void> {
    if (!this.#running) return;
    await new Promise<void>((resolve) => this.#idle.push(resolve));
  }

  async #drain(): Promise<void> {
    // Yield once so sends arriving in the same tick of I/O join the first batch.
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0, this.#maxBatch);
      await this.#commit(batch);
    }
    this.#running = null;
    for (const resolve of this.#idle.splice(0)) resolve();
  }

  async #commit(batch: Array<Job<unknown>>): Promise<void> {
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; err: unknown }> = [];
    try {
      await this.#store.transaction(async (tx) => {
        for (const job of batch) {
          try {
            outcomes.push({ ok: true, value: await job.run(tx) });
          } catch (err) {
            // Only domain refusals (thrown before a job writes) stay with their job; anything
            // else may have left partial writes, such as a taken seq, so the batch aborts.
            if (!(err instanceof AppError)) throw err;
            outcomes.push({ ok: false, err });
          }
        }
      });
    } catch (err) {
      for (const job of batch) job.reject(err);
      return;
    }
    batch.forEach((job, i) => {
      const outcome = outcomes[i];
      if (outcome?.ok) job.resolve(outcome.value);
      else job.reject(outcome?.err);
    });
  }
}
