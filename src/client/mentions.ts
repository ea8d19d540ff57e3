import type { MessageDto } from '../protocol/schemas.js';

/**
 * Whether a message mentions the user (rules R6, R7): by name or through `@all`, and not the
 * user's own (the server never lists the sender, but `@all` would include them).
 */
export function mentionsUser(
  message: Pick<MessageDto, 'sender' | 'mentions' | 'mentionsAll' | 'deletedAt'>,
  userId: string | undefined,
): boolean {
  if (userId === undefined || message.sender === userId || message.deletedAt !== null) return false;
  // Nodes before 0.5 send neither field (the load generator still drives them, issue 18).
  return message.mentionsAll === true || (message.mentions ?? []).includes(userId);
}
