import type { Message } from '../domain/model.js';
import { PROTOCOL_ACK_DELIVERS } from '../protocol/version.js';
import { deliveredAck, plainAck } from './frames.js';
import type { PendingAck, Session } from './session.js';

/** Where a stored message stands in a socket's order (LiveDelivery.place). */
export type Place = 'next' | 'later' | 'past';

/**
 * Notes a send before it is submitted, so the delivery of its message can carry the ack. False
 * (nothing noted) on a protocol-1 socket, which gets a plain ack and its `message` frame.
 */
export function expectAck(session: Session, conversationId: string, clientMsgId: string): boolean {
  if (session.protocol < PROTOCOL_ACK_DELIVERS) return false;
  const acks = (session.acks ??= new Map<string, PendingAck>());
  const pending = acks.get(clientMsgId);
  if (pending) pending.sends += 1;
  else acks.set(clientMsgId, { conversationId, sends: 1, delivered: false, waiting: null });
  return true;
}

/**
 * A delivery of `message` to the session: the ack to write instead of its `message` frame
 * (whose text, when given, supplies the message's JSON), or null if no send of it is pending.
 * Only messages published as created reach here live, so the ack says `created: true`.
 */
export function takeAck(session: Session, message: Message, messageFrame?: string): string | null {
  const pending = session.acks?.get(message.clientMsgId);
  if (!pending || pending.delivered) return null;
  if (message.sender !== session.user.id || message.conversationId !== pending.conversationId)
    return null;
  pending.delivered = true;
  pending.waiting = null;
  forget(session, message.clientMsgId, pending);
  return deliveredAck(message, messageFrame);
}

/**
 * A noted send was answered: the frame to write now, or null when the delivery wrote (or will
 * write) its ack. `place` says where the message stands and, for `next`, advances the cursor.
 */
export function answerAck(
  session: Session,
  clientMsgId: string,
  result: { message: Message; created: boolean },
  place: (session: Session, message: Message) => Place,
): string | null {
  const { message, created } = result;
  const pending = session.acks?.get(clientMsgId);
  if (!pending) return plainAck(clientMsgId, message, created);
  pending.sends -= 1;
  let frame: string | null = null;
  if (!created) frame = plainAck(clientMsgId, message, false);
  else if (!pending.delivered) {
    const where = place(session, message);
    if (where === 'next') {
      pending.delivered = true;
      frame = deliveredAck(message);
    } else if (where === 'later') pending.waiting = message;
    else frame = plainAck(clientMsgId, message, true);
  }
  forget(session, clientMsgId, pending);
  return frame;
}

/** A noted send failed: it is no longer in flight. */
export function cancelAck(session: Session, clientMsgId: string): void {
  const pending = session.acks?.get(clientMsgId);
  if (!pending) return;
  pending.sends -= 1;
  forget(session, clientMsgId, pending);
}

/**
 * The session stopped following a conversation (deleted, removed): acks still waiting for
 * their message's place there will not get one, so they are written plain now.
 */
export function flushAcks(session: Session, conversationId: string): string[] {
  const frames: string[] = [];
  for (const [clientMsgId, pending] of session.acks ?? []) {
    if (pending.conversationId !== conversationId || !pending.waiting) continue;
    frames.push(plainAck(clientMsgId, pending.waiting, true));
    pending.waiting = null;
    forget(session, clientMsgId, pending);
  }
  return frames;
}

function forget(session: Session, clientMsgId: string, pending: PendingAck): void {
  if (pending.sends > 0 || pending.waiting) return;
  session.acks?.delete(clientMsgId);
  if (session.acks?.size === 0) session.acks = null;
}
