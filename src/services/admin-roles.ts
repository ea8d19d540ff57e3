import { AppError } from '../domain/errors.js';
import { normalizeUsername } from '../domain/usernames.js';
import type { AdminUserRecord, Store, StoreOps } from '../ports/store.js';
import type { AuditLog } from './audit.js';
import type { ServiceDeps } from './deps.js';

/**
 * The server admin role (rule AD7), for admins over HTTP and for the operator's
 * `parley admin grant|revoke|list` on the server host (rule AD1), which need no node running.
 */
export class AdminRoles {
  readonly #deps: Pick<ServiceDeps, 'log'> & { store: Store };
  readonly #audit: AuditLog;

  constructor(deps: Pick<ServiceDeps, 'log'> & { store: Store }, audit: AuditLog) {
    this.#deps = deps;
    this.#audit = audit;
  }

  /**
   * Grants or revokes the role. `actorId` null is the operator on the server host; an admin's
   * revocation may not leave the server without a live admin (`conflict`). Idempotent.
   */
  async setAdmin(actorId: string | null, userId: string, admin: boolean): Promise<AdminUserRecord> {
    await this.#deps.store.transaction(async (tx) => {
      const admins = await tx.lockAdminIds();
      const target = await liveTarget(tx, userId);
      if (target.admin === admin) return;
      if (admin && target.suspendedAt !== null)
        throw new AppError('conflict', 'unsuspend the account before making it an admin');
      if (!admin && actorId !== null && admins.filter((id) => id !== userId).length === 0)
        throw new AppError('conflict', 'the server must keep at least one admin');
      await tx.setUserAdmin(userId, admin);
      await this.#audit.record(tx, {
        actorId,
        action: admin ? 'admin.granted' : 'admin.revoked',
        targetUserId: userId,
      });
    });
    this.#deps.log.info(
      { event: admin ? 'admin.granted' : 'admin.revoked', userId, by: actorId },
      admin ? 'admin role granted' : 'admin role revoked',
    );
    return this.#record(userId);
  }

  /**
   * `--admin NAMES` at start (rule AD1): each registered, live account named is made an admin
   * (audited with no actor; already an admin: nothing). A name not registered yet is skipped
   * with a warning and never granted later, so nobody wins the role by registering first.
   */
  async grantAtStart(usernames: string[]): Promise<void> {
    for (const username of usernames) {
      const user = await this.#deps.store.getUserByUsername(normalizeUsername(username));
      if (!user) {
        this.#deps.log.warn(
          { event: 'admin.flag_unknown', username },
          `--admin ${username}: no such account; register it, then restart or run parley admin grant`,
        );
        continue;
      }
      try {
        await this.setAdmin(null, user.id, true);
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        this.#deps.log.warn(
          { event: 'admin.flag_refused', username, code: err.code },
          `--admin ${username}: ${err.message}`,
        );
      }
    }
  }

  /** The live account named `username`; `not_found` otherwise. */
  async userByName(username: string): Promise<AdminUserRecord> {
    const user = await this.#deps.store.getUserByUsername(normalizeUsername(username));
    if (!user) throw new AppError('not_found', `user "${username}" not found`);
    return this.#record(user.id);
  }

  /** The live admins, by username. */
  async listAdmins(): Promise<AdminUserRecord[]> {
    const ids = await this.#deps.store.lockAdminIds();
    const users = await Promise.all(ids.map((id) => this.#record(id)));
    return users.sort((a, b) => (a.username < b.username ? -1 : a.username > b.username ? 1 : 0));
  }

  async #record(userId: string): Promise<AdminUserRecord> {
    const user = await this.#deps.store.getAdminUser(userId);
    if (!user) throw new AppError('not_found', 'user not found');
    return user;
  }
}

/** The account `userId`, live; `not_found` if unknown, `conflict` if deleted. */
export async function liveTarget(tx: StoreOps, userId: string): Promise<AdminUserRecord> {
  const target = await tx.getAdminUser(userId);
  if (!target) throw new AppError('not_found', 'user not found');
  if (target.deletedAt !== null) throw new AppError('conflict', 'the account is deleted');
  return target;
}
