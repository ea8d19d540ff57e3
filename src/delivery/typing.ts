import { AppError } from '../domain/errors.js';
import { subjects } from '../ports/bus.js';
import type { DeliveryDeps } from './ports.js';
import type { Session } from './session.js';

/** Minimum interval between relayed typing signals per socket and conversation. */
const TYPING_INTERVAL_MS = 2_000;

/**
 * Publishes a typing signal for the conversation's other members (best effort, G7), at most
 * one per socket and conversation every two seconds; `not_found` if the socket does not
 * follow the conversation. Every node's sockets of the conversation get it from relays.ts.
 */
export function publishTyping(
  deps: Pick<DeliveryDeps, 'bus'>,
  session: Session,
  conversationId: string,
): void {
  if (!session.cursors.follows(conversationId))
    throw new AppError('not_found', 'conversation not found');
  const now = Date.now();
  session.typingAt ??= new Map();
  if (now - (session.typingAt.get(conversationId) ?? 0) < TYPING_INTERVAL_MS) return;
  session.typingAt.set(conversationId, now);
  const user = session.user;
  deps.bus.publish(subjects.conversation(conversationId), {
    type: 'typing',
    conversationId,
    userId: user.id,
    username: user.username,
  });
}
