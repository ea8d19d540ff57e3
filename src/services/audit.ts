import { ulid } from '../domain/ids.js';
import type { AdminStore } from '../ports/store.js';

/** The actions the audit log records (rule AD8); dotted names, stable once shipped. */
export type AuditAction =
  | 'user.suspended'
  | 'user.unsuspended'
  | 'user.deleted'
  | 'admin.granted'
  | 'admin.revoked'
  | 'message.removed'
  | 'registration.changed'
  | 'invite.created'
  | 'invite.revoked'
  | 'password.reset_issued';

/** One admin action, as a service records it. */
export interface AuditInput {
  /** The admin who acted; null: the operator, through `parley admin` on the server host. */
  actorId: string | null;
  action: AuditAction;
  targetUserId?: string | null;
  targetConversationId?: string | null;
  /** Details (a small JSON object: no secrets, no message text). */
  data?: Record<string, unknown>;
}

/** The most a record's details may take as JSON (a guard against logging a payload). */
const DATA_MAX_CHARS = 4_096;

/**
 * The audit log of admin actions (rule AD8). Services call {@link AuditLog.record} inside the
 * transaction that makes the change, so an action and its entry commit together or not at all.
 */
export class AuditLog {
  readonly #now: () => number;

  constructor(deps: { now: () => number }) {
    this.#now = deps.now;
  }

  /** Appends an entry in `tx` (an open transaction, or the store for a single write). */
  async record(tx: Pick<AdminStore, 'insertAuditEntry'>, input: AuditInput): Promise<void> {
    const data = JSON.stringify(input.data ?? {});
    if (data.length > DATA_MAX_CHARS)
      throw new Error(`audit data of ${input.action} is too large (${data.length} characters)`);
    await tx.insertAuditEntry({
      id: ulid(),
      at: this.#now(),
      actorId: input.actorId,
      action: input.action,
      targetUserId: input.targetUserId ?? null,
      targetConversationId: input.targetConversationId ?? null,
      data,
    });
  }
}
