import { AppError } from '../domain/errors.js';
import type { User } from '../domain/model.js';
import { readable } from '../domain/history.js';
import { MAX_SEQ } from '../domain/replies.js';
import { canManage, canRemove } from '../domain/roles.js';
import type { StoreOps } from '../ports/store.js';
import type { AuditLog } from './audit.js';
import type { ServiceDeps } from './deps.js';
import type { Publications } from './publications.js';
import { appendTimelineEvent } from './timeline-events.js';

/**
 * Deletes a message inside an open transaction (rules M4, PG8): its text is erased, its seq
 * stays; idempotent. Its sender deletes it; so do the group's owner and admins by the removal
 * ranks of C7 (an owner any other's, an admin a plain member's: an admin cannot remove the
 * owner's or another admin's message), and a server admin in any conversation, member or not.
 * A removal by someone else sets `deletedBy` and the event's `by`; a server admin's removal
 * that their group role would not allow is audited (`message.removed`).
 */
export async function deleteInTx(
  deps: Pick<ServiceDeps, 'now'>,
  audit: AuditLog | undefined,
  tx: StoreOps,
  pubs: Publications,
  me: User,
  conversationId: string,
  seq: number,
): Promise<void> {
  // Lock first, as a send and a reaction do: a reaction committing between this read and the
  // delete would otherwise survive on the deleted message (R4).
  await tx.lockConversation(conversationId);
  const member = await tx.getMember(conversationId, me.id);
  const admin = member?.role === 'owner' ? false : await serverAdmin(tx, me.id);
  if (!member && !admin) throw new AppError('not_found', 'conversation not found');
  // A member reads nothing before their history bound (PG5), so cannot delete it either.
  const visible = !member || admin || readable(seq, member.historyFrom);
  const message = seq > MAX_SEQ || !visible ? null : await tx.getMessageRecord(conversationId, seq);
  if (!message) throw new AppError('not_found', 'message not found');
  if (message.deletedAt !== null) return;
  const own = message.sender === me.id;
  let moderator = false;
  if (!own && member && canManage(member.role)) {
    const sender = await tx.getMember(conversationId, message.sender);
    // A sender who left ranks as a plain member.
    moderator = canRemove(member, { userId: message.sender, role: sender?.role ?? 'member' });
  }
  if (!own && !moderator && !admin)
    throw new AppError('forbidden', 'you can only change your own messages');
  const at = deps.now();
  await tx.deleteMessage(conversationId, seq, at, own ? null : me.id);
  // Its files go with it, in the same transaction (rule F6).
  await tx.deleteMessageAttachments({ conversationId, seq });
  await tx.redactEdits(conversationId, seq);
  if (!own && !moderator && audit) {
    await audit.record(tx, {
      actorId: me.id,
      action: 'message.removed',
      targetUserId: message.sender,
      targetConversationId: conversationId,
      data: { seq },
    });
  }
  const event = await appendTimelineEvent(
    deps,
    tx,
    conversationId,
    'message.deleted',
    me.id,
    own
      ? { seq, deletedAt: at }
      : { seq, deletedAt: at, by: { userId: me.id, username: me.username } },
  );
  pubs.timeline({ kind: 'event', event });
}

/** True if the user is a server admin (rule PG8) and not suspended. */
async function serverAdmin(tx: StoreOps, userId: string): Promise<boolean> {
  const status = await tx.getAccountStatus(userId);
  return status !== null && status.admin && status.suspendedAt === null;
}
