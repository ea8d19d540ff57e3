import { AppError } from '../domain/errors.js';
import type { Limits } from '../domain/limits.js';
import type { PasswordHasher } from '../ports/password-hasher.js';
import { RateLimiter } from './rate-limiter.js';

const HOUR_MS = 3_600_000;

/** Who is checking a password: the account it belongs to and the client address asking. */
export interface PasswordCheckKey {
  /** The normalized username, known or not, so unknown users are limited exactly like real ones. */
  account: string;
  ip: string;
}

/**
 * The one gate every password check goes through (login, account deletion, any later
 * password change): a failed-attempt limiter per account and per client address (rule S7).
 * Each check takes a token from both buckets before the hash runs, so concurrent guesses
 * cannot all slip past an empty bucket; a correct password gives both tokens back, so only
 * failures count. Once either bucket is empty the answer is `rate_limited` without hashing,
 * even for the right password: that is what stops a guesser.
 */
export class PasswordChecks {
  readonly #hasher: PasswordHasher;
  readonly #accounts: RateLimiter;
  readonly #ips: RateLimiter;

  constructor(options: { hasher: PasswordHasher; limits: Limits; now?: () => number }) {
    this.#hasher = options.hasher;
    const now = options.now ?? Date.now;
    this.#accounts = new RateLimiter({
      count: options.limits.passwordFailuresPerAccount,
      perMs: HOUR_MS,
      now,
    });
    this.#ips = new RateLimiter({
      count: options.limits.passwordFailuresPerIp,
      perMs: HOUR_MS,
      now,
    });
  }

  /** Verifies `password` against `hash`; `rate_limited` once the account or address failed too often. */
  async verify(key: PasswordCheckKey, hash: string, password: string): Promise<boolean> {
    if (!this.#accounts.take(key.account)) throw limited();
    if (!this.#ips.take(key.ip)) {
      this.#accounts.refund(key.account);
      throw limited();
    }
    let ok: boolean;
    try {
      ok = await this.#hasher.verify(hash, password);
    } catch (err) {
      this.#refund(key); // the check never ran (the hasher was busy): not a failure
      throw err;
    }
    if (ok) this.#refund(key);
    return ok;
  }

  #refund(key: PasswordCheckKey): void {
    this.#accounts.refund(key.account);
    this.#ips.refund(key.ip);
  }
}

function limited(): AppError {
  return new AppError('rate_limited', 'too many failed password attempts; try again later');
}
