import argon2 from 'argon2';
import { AppError } from '../../domain/errors.js';
import type { PasswordHasher } from '../../ports/password-hasher.js';

/** OWASP's argon2id recommendation: 19 MiB memory, 2 iterations, 1 lane. */
const PARAMS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/**
 * argon2id hashing with bounded concurrency and a bounded queue (rule A2): at most
 * `maxConcurrent` hashes run at once, so a burst of logins cannot exhaust memory and the libuv
 * thread pool, and at most `maxQueued` wait; further ones are refused at once with
 * `unavailable`, so a flood of password checks cannot delay an innocent login without end.
 */
export class Argon2Hasher implements PasswordHasher {
  readonly #max: number;
  readonly #maxQueued: number;
  #running = 0;
  readonly #waiting: Array<() => void> = [];

  constructor(options: { maxConcurrent?: number; maxQueued?: number } = {}) {
    this.#max = options.maxConcurrent ?? 2;
    this.#maxQueued = options.maxQueued ?? 16;
  }

  hash(password: string): Promise<string> {
    return this.#limit(() => argon2.hash(password, PARAMS));
  }

  verify(hash: string, password: string): Promise<boolean> {
    return this.#limit(async () => {
      try {
        return await argon2.verify(hash, password);
      } catch {
        return false;
      }
    });
  }

  async #limit<T>(task: () => Promise<T>): Promise<T> {
    // A finishing task hands its slot straight to the next waiter, so a newcomer arriving in
    // between cannot take it and exceed the limit.
    if (this.#running >= this.#max) {
      if (this.#waiting.length >= this.#maxQueued) {
        throw new AppError(
          'unavailable',
          'too many password checks in progress; try again shortly',
        );
      }
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    } else this.#running++;
    try {
      return await task();
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#running--;
    }
  }
}
