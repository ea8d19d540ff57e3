import { AppError } from '../domain/errors.js';
import { newToken } from '../domain/ids.js';
import { PASSWORD_MAX, PASSWORD_MIN, USERNAME_PATTERN } from '../domain/limits.js';
import type { Principal } from '../domain/model.js';
import { normalizeUsername } from '../domain/usernames.js';
import type { Store } from '../ports/store.js';
import { hashToken } from './accounts.js';
import { AuditLog } from './audit.js';
import type { ServiceDeps } from './deps.js';
import type { MailService } from './mail.js';
import type { PasswordChecks } from './password-checks.js';
import { commitAndPublish } from './publications.js';
import { RateLimiter } from './rate-limiter.js';

/** A reset link works for an hour, once (rule RG8). */
export const RESET_TTL_MS = 3_600_000;
/** Forgot-password requests one address may make per hour (rule RG9). */
export const FORGOT_PER_IP_PER_HOUR = 10;
/** Reset links mailed to one account per hour, whoever asks (rule RG9). */
export const FORGOT_MAILS_PER_ACCOUNT_PER_HOUR = 3;

/** What PasswordService uses. */
export type PasswordDeps = Pick<ServiceDeps, 'bus' | 'hasher' | 'log' | 'now'> & {
  store: Store;
  mail: MailService;
  /** The one failed-attempt gate shared with login and account deletion (rule S7). */
  checks: PasswordChecks;
  /** --public-url: the base of mailed links (required with --smtp-url), and of shown ones. */
  publicUrl: string | null;
};

/** Password changes, admin-issued reset links and mailed "forgot password" links (RG6-RG9). */
export class PasswordService {
  readonly #deps: PasswordDeps;
  readonly #audit: AuditLog;
  readonly #forgotByIp: RateLimiter;

  constructor(deps: PasswordDeps) {
    this.#deps = deps;
    this.#audit = new AuditLog({ now: deps.now });
    this.#forgotByIp = new RateLimiter({
      count: FORGOT_PER_IP_PER_HOUR,
      perMs: 3_600_000,
      now: deps.now,
    });
  }

  /**
   * Changes the caller's password (rule RG6): the current one is checked through the
   * failed-attempt gate; every other session of the user ends (its sockets close on every
   * node, its push subscriptions go), this one stays.
   */
  async change(
    principal: Principal,
    current: string,
    next: string,
    from: { ip: string },
  ): Promise<void> {
    const user = await this.#deps.store.getUserSecretById(principal.user.id);
    if (!user || user.deletedAt !== null) throw new AppError('unauthorized');
    const key = { account: user.username, ip: from.ip };
    if (!(await this.#deps.checks.verify(key, user.passwordHash, current))) {
      this.#deps.log.info(
        { event: 'password.failed', userId: user.id, ip: from.ip },
        'password change: wrong current password',
      );
      throw new AppError('forbidden', 'the current password is wrong');
    }
    checkPassword(next);
    const hash = await this.#deps.hasher.hash(next);
    const ended = await commitAndPublish(this.#deps.store, this.#deps.bus, async (tx, pubs) => {
      await tx.setPasswordHash(user.id, hash, this.#deps.now());
      const ids = await tx.deleteSessionsExcept(user.id, principal.session.id);
      for (const id of ids) pubs.revoked(user.id, id);
      return ids.length;
    });
    this.#deps.log.info(
      { event: 'password.changed', userId: user.id, sessionsEnded: ended },
      'password changed',
    );
  }

  /**
   * An admin issues a one-time reset link for a user (rule RG8), shown to the admin and, with
   * `send`, mailed to the user's address when SMTP is configured and they have one. Audited.
   */
  async issueReset(
    admin: Principal['user'],
    userId: string,
    options: { send: boolean; origin: string },
  ): Promise<{ url: string; expiresAt: number; sent: boolean }> {
    if ((await this.#deps.store.getAccountStatus(admin.id))?.admin !== true)
      throw new AppError('forbidden', 'server admins only');
    const user = await this.#deps.store.getUserById(userId);
    if (!user || user.deletedAt !== null) throw new AppError('not_found', 'user not found');
    const token = newToken();
    const now = this.#deps.now();
    const expiresAt = now + RESET_TTL_MS;
    const email = options.send
      ? ((await this.#deps.store.getUserSettings(userId))?.email ?? null)
      : null;
    const willSend = email !== null && this.#deps.mail.enabled;
    await this.#deps.store.transaction(async (tx) => {
      // Expired links are dropped as new ones are made: the table stays small.
      await tx.deleteExpiredPasswordResets(now);
      await tx.createPasswordReset({
        tokenHash: hashToken(token),
        userId,
        createdBy: admin.id,
        createdAt: now,
        expiresAt,
      });
      await this.#audit.record(tx, {
        actorId: admin.id,
        action: 'password.reset_issued',
        targetUserId: userId,
        data: { mailed: willSend },
      });
    });
    const url = `${this.#deps.publicUrl ?? options.origin}/reset/${token}`;
    const sent =
      willSend && email !== null
        ? await this.#deps.mail.sendPasswordReset({ username: user.username, email, url })
        : false;
    return { url, expiresAt, sent };
  }

  /**
   * Sets a new password with a reset token (rule RG8): the token is taken in one conditional
   * update (it works once), every session of the user ends. Unknown, used, expired →
   * reset_invalid. The new password is checked first, so a too-short one does not burn it.
   */
  async reset(token: string, password: string): Promise<void> {
    checkPassword(password);
    const hash = await this.#deps.hasher.hash(password);
    const userId = await commitAndPublish(this.#deps.store, this.#deps.bus, async (tx, pubs) => {
      const id = await tx.takePasswordReset(hashToken(token), this.#deps.now());
      if (id === null) throw new AppError('reset_invalid');
      const user = await tx.getUserById(id);
      if (!user || user.deletedAt !== null) throw new AppError('reset_invalid');
      await tx.setPasswordHash(id, hash, this.#deps.now());
      await tx.deleteSessionsExcept(id, null);
      pubs.revoked(id, null);
      return id;
    });
    this.#deps.log.info({ event: 'password.reset', userId }, 'password reset with a link');
  }

  /**
   * "Forgot password" (rule RG9): answers at once, the same for every name, and mails a link
   * in the background only when SMTP is configured, the account exists, is not suspended,
   * has an email, and got fewer than FORGOT_MAILS_PER_ACCOUNT_PER_HOUR links this hour.
   * `rate_limited` past FORGOT_PER_IP_PER_HOUR requests of one address.
   */
  forgot(rawUsername: string, from: { ip: string }): void {
    if (!this.#forgotByIp.take(from.ip))
      throw new AppError('rate_limited', 'too many password reset requests; try later');
    if (!this.#deps.mail.enabled || this.#deps.publicUrl === null) return;
    const username = normalizeUsername(rawUsername);
    if (!USERNAME_PATTERN.test(username)) return;
    void this.#mailLink(username, this.#deps.publicUrl).catch((err: unknown) => {
      this.#deps.log.warn({ event: 'password.forgot_failed', err }, 'forgot password failed');
    });
  }

  async #mailLink(username: string, base: string): Promise<void> {
    const { store } = this.#deps;
    const user = await store.getUserByUsername(username);
    if (!user) return;
    const [status, settings] = await Promise.all([
      store.getAccountStatus(user.id),
      store.getUserSettings(user.id),
    ]);
    const email = settings?.email ?? null;
    if (!status || status.suspendedAt !== null || email === null) return;
    const now = this.#deps.now();
    if (
      (await store.countPasswordResets(user.id, now - 3_600_000)) >=
      FORGOT_MAILS_PER_ACCOUNT_PER_HOUR
    )
      return;
    const token = newToken();
    await store.deleteExpiredPasswordResets(now);
    await store.createPasswordReset({
      tokenHash: hashToken(token),
      userId: user.id,
      createdBy: null,
      createdAt: now,
      expiresAt: now + RESET_TTL_MS,
    });
    await this.#deps.mail.sendPasswordReset({
      username: user.username,
      email,
      url: `${base}/reset/${token}`,
    });
  }
}

function checkPassword(password: string): void {
  const length = [...password].length;
  if (length < PASSWORD_MIN || length > PASSWORD_MAX) {
    throw new AppError(
      'invalid_request',
      `password must be ${PASSWORD_MIN}-${PASSWORD_MAX} characters`,
    );
  }
}
