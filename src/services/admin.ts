import { AppError } from '../domain/errors.js';
import { USER_PAGE_MAX } from '../domain/limits.js';
import type { User } from '../domain/model.js';
import type {
  AdminUserRecord,
  AdminUserStatus,
  AuditRecord,
  Store,
  StoreOps,
} from '../ports/store.js';
import type { AccountService } from './accounts.js';
import { AdminRoles, liveTarget } from './admin-roles.js';
import type { AuditLog } from './audit.js';
import type { ServiceDeps } from './deps.js';
import { commitAndPublish, Publications } from './publications.js';
import { appendTimelineEvent } from './timeline-events.js';
import { patternToLike } from './users.js';

/** What AdminService is built from. */
export type AdminDeps = Pick<ServiceDeps, 'bus' | 'log' | 'now'> & { store: Store };

/** How a deleted user's messages are treated (rule AD6). */
export type DeletedMessages = 'keep' | 'erase';

/** A page of the audit log, newest first. */
export interface AuditPage {
  entries: AuditRecord[];
  nextBefore: string | null;
}

/** The longest suspension reason, in code points. */
export const SUSPEND_REASON_MAX = 500;
/** The most audit entries one page holds. */
export const AUDIT_PAGE_MAX = 100;
/** How many of a deleted user's messages one transaction erases. */
const ERASE_BATCH = 200;
/** The close reason of a suspended user's sockets (code 4004). */
export const SUSPENDED_CLOSE_REASON = 'account suspended';

/**
 * Server admins (rules AD1-AD9): the user list, suspension, deletion, the admin role and the
 * audit log. Every method taking `me` refuses non-admins with `forbidden`.
 */
export class AdminService {
  readonly #deps: AdminDeps;
  readonly #accounts: AccountService;
  readonly audit: AuditLog;
  readonly roles: AdminRoles;

  constructor(deps: AdminDeps, accounts: AccountService, audit: AuditLog) {
    this.#deps = deps;
    this.#accounts = accounts;
    this.audit = audit;
    this.roles = new AdminRoles(deps, audit);
  }

  /** True if the user is a live server admin. */
  async isAdmin(userId: string): Promise<boolean> {
    const status = await this.#deps.store.getAccountStatus(userId);
    return status?.admin === true;
  }

  /** `forbidden` unless `me` is a server admin. */
  async requireAdmin(me: User): Promise<void> {
    if (!(await this.isAdmin(me.id)))
      throw new AppError('forbidden', 'only a server admin may do this');
  }

  /** A page of accounts by username, with a status filter (rule AD3). */
  async listUsers(
    me: User,
    query: { q: string; after: string | null; limit: number; status: AdminUserStatus | null },
  ): Promise<{ users: AdminUserRecord[]; next: string | null }> {
    await this.requireAdmin(me);
    const limit = Math.min(Math.max(query.limit, 1), USER_PAGE_MAX);
    const users = await this.#deps.store.listAdminUsers({
      like: patternToLike(query.q),
      after: parseCursor(query.after),
      status: query.status,
      limit: limit + 1,
    });
    const page = users.slice(0, limit);
    const last = page.at(-1);
    return {
      users: page,
      next: users.length > limit && last ? `${last.username}:${last.id}` : null,
    };
  }

  /** One account by id, deleted ones too (rule AD3). */
  async getUser(me: User, userId: string): Promise<AdminUserRecord> {
    await this.requireAdmin(me);
    return this.#record(userId);
  }

  /**
   * Suspends the account (rule AD4): its sessions and push subscriptions are deleted and its
   * sockets on every node closed (4004, "account suspended"); it cannot log in until
   * unsuspended. Suspending a suspended account changes nothing.
   */
  async suspend(me: User, userId: string, reason: string | null): Promise<AdminUserRecord> {
    await this.requireAdmin(me);
    if (reason !== null && [...reason].length > SUSPEND_REASON_MAX)
      throw new AppError(
        'invalid_request',
        `reason must be at most ${SUSPEND_REASON_MAX} characters`,
      );
    if (userId === me.id) throw new AppError('conflict', 'you cannot suspend yourself');
    await commitAndPublish(this.#deps.store, this.#deps.bus, async (tx, pubs) => {
      const target = await liveTarget(tx, userId);
      if (target.suspendedAt !== null) return;
      if (target.admin)
        throw new AppError('conflict', 'revoke the admin role before suspending this account');
      await tx.setUserSuspended(userId, this.#deps.now(), reason);
      await tx.deleteUserSessions(userId);
      await tx.deleteUserPushSubscriptions(userId);
      await this.audit.record(tx, {
        actorId: me.id,
        action: 'user.suspended',
        targetUserId: userId,
        data: reason === null ? {} : { reason },
      });
      pubs.revoked(userId, null, SUSPENDED_CLOSE_REASON);
    });
    // A login racing the transaction may have created a session it did not see; that login
    // re-checks the suspension after creating its session, and this second sweep takes the
    // rest, so no session outlives the suspension (AD4).
    await this.#deps.store.deleteUserSessions(userId);
    const again = new Publications();
    again.revoked(userId, null, SUSPENDED_CLOSE_REASON);
    again.publish(this.#deps.bus);
    this.#deps.log.info(
      { event: 'user.suspended', userId, by: me.id },
      'account suspended by an admin',
    );
    return this.#record(userId);
  }

  /** Lifts a suspension (rule AD4); unsuspending an active account changes nothing. */
  async unsuspend(me: User, userId: string): Promise<AdminUserRecord> {
    await this.requireAdmin(me);
    await this.#deps.store.transaction(async (tx) => {
      const target = await liveTarget(tx, userId);
      if (target.suspendedAt === null) return;
      await tx.setUserSuspended(userId, null, null);
      await this.audit.record(tx, {
        actorId: me.id,
        action: 'user.unsuspended',
        targetUserId: userId,
      });
    });
    return this.#record(userId);
  }

  /**
   * Deletes the account as rule A6 does (rule AD6). `erase` then erases each of its messages
   * as a deletion by the admin (M4, with `by`), a batch per transaction; asking again for an
   * account already deleted finishes an erasure that was cut short.
   */
  async deleteUser(me: User, userId: string, messages: DeletedMessages): Promise<void> {
    await this.requireAdmin(me);
    if (userId === me.id)
      throw new AppError('conflict', 'delete your own account from your account settings');
    const target = await this.#deps.store.getAdminUser(userId);
    if (!target) throw new AppError('not_found', 'user not found');
    if (target.deletedAt === null) {
      if (target.admin)
        throw new AppError('conflict', 'revoke the admin role before deleting this account');
      await commitAndPublish(this.#deps.store, this.#deps.bus, async (tx, pubs) => {
        const fresh = await tx.getAdminUser(userId);
        if (!fresh || fresh.deletedAt !== null) return;
        if (fresh.admin)
          throw new AppError('conflict', 'revoke the admin role before deleting this account');
        await this.#accounts.deleteAccountInTx(tx, pubs, userId);
        await this.audit.record(tx, {
          actorId: me.id,
          action: 'user.deleted',
          targetUserId: userId,
          data: { messages },
        });
      });
      this.#deps.log.info(
        { event: 'user.deleted', userId, by: me.id, messages },
        'account deleted by an admin',
      );
    }
    if (messages === 'erase') await this.#eraseMessagesOf(me, userId);
  }

  /** Grants or revokes the server admin role by an admin of the server (rule AD7). */
  async setAdminBy(me: User, userId: string, admin: boolean): Promise<AdminUserRecord> {
    await this.requireAdmin(me);
    return this.roles.setAdmin(me.id, userId, admin);
  }

  /** A page of the audit log, newest first, before the entry id `before` (rule AD8). */
  async auditPage(me: User, before: string | null, limit: number): Promise<AuditPage> {
    await this.requireAdmin(me);
    const size = Math.min(Math.max(limit, 1), AUDIT_PAGE_MAX);
    const entries = await this.#deps.store.listAuditEntries(before, size + 1);
    const page = entries.slice(0, size);
    return {
      entries: page,
      nextBefore: entries.length > size ? (page.at(-1)?.id ?? null) : null,
    };
  }

  async #record(userId: string): Promise<AdminUserRecord> {
    const user = await this.#deps.store.getAdminUser(userId);
    if (!user) throw new AppError('not_found', 'user not found');
    return user;
  }

  /** Erases the deleted user's remaining messages, one conversation's batch per transaction. */
  async #eraseMessagesOf(me: User, userId: string): Promise<void> {
    let erased = 0;
    for (;;) {
      const batch = await this.#deps.store.listUndeletedMessagesOf(userId, ERASE_BATCH);
      if (batch.length === 0) break;
      const byConversation = new Map<string, number[]>();
      for (const { conversationId, seq } of batch) {
        const seqs = byConversation.get(conversationId) ?? [];
        seqs.push(seq);
        byConversation.set(conversationId, seqs);
      }
      let progress = 0;
      for (const [conversationId, seqs] of byConversation) {
        progress += await commitAndPublish(this.#deps.store, this.#deps.bus, async (tx, pubs) => {
          await tx.lockConversation(conversationId);
          let done = 0;
          for (const seq of seqs) {
            if (!(await this.#eraseOne(tx, me, conversationId, seq, pubs))) continue;
            done += 1;
          }
          return done;
        });
      }
      erased += progress;
      // Nothing could be erased (a conversation deleted meanwhile): stop rather than spin.
      if (progress === 0) break;
    }
    this.#deps.log.info({ event: 'user.erased', userId, by: me.id, erased }, 'messages erased');
  }

  async #eraseOne(
    tx: StoreOps,
    me: User,
    conversationId: string,
    seq: number,
    pubs: Publications,
  ): Promise<boolean> {
    const message = await tx.getMessageRecord(conversationId, seq);
    if (!message || message.deletedAt !== null) return false;
    const at = this.#deps.now();
    await tx.deleteMessage(conversationId, seq, at);
    await tx.setMessageDeletedBy(conversationId, seq, me.id);
    // Its files go with it, in the same transaction (rule F6).
    await tx.deleteMessageAttachments({ conversationId, seq });
    await tx.redactEdits(conversationId, seq);
    const event = await appendTimelineEvent(
      this.#deps,
      tx,
      conversationId,
      'message.deleted',
      me.id,
      {
        seq,
        deletedAt: at,
        by: { userId: me.id, username: me.username },
      },
    );
    pubs.timeline({ kind: 'event', event });
    return true;
  }
}

/** `username:id` of the admin user list's `next`, or null; `invalid_request` if malformed. */
function parseCursor(after: string | null): { username: string; id: string } | null {
  if (after === null || after === '') return null;
  const at = after.lastIndexOf(':');
  if (at <= 0 || at === after.length - 1)
    throw new AppError('invalid_request', 'after must be the `next` of a previous page');
  return { username: after.slice(0, at), id: after.slice(at + 1) };
}
