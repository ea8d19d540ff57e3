import { AppError } from '../domain/errors.js';
import { readable } from '../domain/history.js';
import { ulid } from '../domain/ids.js';
import type { Attachment, Message, ReplyPreview, User } from '../domain/model.js';
import { MAX_SEQ, replyPreviewOf, threadRootOf } from '../domain/replies.js';
import type { StoreOps } from '../ports/store.js';
import { mentionCandidates } from './mentions.js';

/* What a send refers to besides its body: the uploads it attaches and the message it replies to. */

/**
 * The uploads a send attaches (rule F3), in the order given: each must be the sender's own
 * and not attached yet. Anything else is `invalid_request`, not `not_found`: the ids are the
 * sender's own, so nothing is disclosed by saying which.
 */
export async function attachable(
  tx: StoreOps,
  me: User,
  ids: readonly string[],
): Promise<Attachment[]> {
  if (ids.length === 0) return [];
  const found = new Map((await tx.getAttachments(ids)).map((r) => [r.id, r]));
  return ids.map((id) => {
    const r = found.get(id);
    if (!r || r.uploaderId !== me.id || r.conversationId !== null) {
      throw new AppError(
        'invalid_request',
        `attachment ${id} is not an unattached upload of yours`,
      );
    }
    return {
      id: r.id,
      name: r.name,
      contentType: r.contentType,
      size: r.size,
      width: r.width,
      height: r.height,
      thumbnail: r.thumbnail,
    };
  });
}

/** The message a reply quotes (rule R1): a live message of the same conversation. */
export async function replyTarget(
  tx: StoreOps,
  conversationId: string,
  seq: number,
  userId: string,
): Promise<{ seq: number; threadRoot: number; preview: ReplyPreview }> {
  const parent = seq > MAX_SEQ ? null : await tx.getMessageRecord(conversationId, seq);
  if (!parent) throw new AppError('not_found', 'the message replied to was not found');
  // A message from before the sender's history bound cannot be quoted (rule PG6).
  const member = await tx.getMember(conversationId, userId);
  if (member && !readable(seq, member.historyFrom))
    throw new AppError('not_found', 'the message replied to was not found');
  if (parent.deletedAt !== null)
    throw new AppError('conflict', 'the message replied to was deleted');
  return { seq, threadRoot: threadRootOf(parent), preview: replyPreviewOf(parent) };
}

/**
 * A send with nothing but a body (no reply, no attachments, no `@` candidates) through the
 * store's plain path (issue 18): the conversation locked, the retry lookup, the membership
 * view, the seq and the insert in one call, two statements on SQLite, one round trip on
 * PostgreSQL. Null when the send is not plain, or the store found it a retry or a refusal,
 * having written nothing: the general path then answers it exactly as before.
 */
export async function sendPlain(
  tx: StoreOps,
  me: User,
  conversationId: string,
  clientMsgId: string,
  body: string,
  now: number,
): Promise<Message | null> {
  if (mentionCandidates(body).size > 0) return null;
  const id = ulid();
  const seq = await tx.appendPlainMessage({
    id,
    conversationId,
    sender: me.id,
    clientMsgId,
    body,
    createdAt: now,
  });
  if (seq === null) return null;
  return {
    id,
    conversationId,
    seq,
    sender: me.id,
    clientMsgId,
    body,
    createdAt: now,
    editedAt: null,
    deletedAt: null,
    replyTo: null,
    threadRoot: null,
    mentions: [],
    mentionsAll: false,
    senderName: me.username,
    reply: null,
    replyCount: 0,
    reactions: [],
    attachments: [],
    deletedBy: null,
  };
}
