import { AppError } from '../domain/errors.js';
import type { ConversationSummary, Member } from '../domain/model.js';
import type { ConversationsStore, MembersStore } from '../ports/store.js';

/**
 * The membership check every conversation operation starts with: non-members get `not_found`,
 * never `forbidden`, so a conversation id reveals nothing (rule G6).
 */
export async function requireMember(
  ops: Pick<MembersStore, 'getMember'>,
  conversationId: string,
  userId: string,
): Promise<Member> {
  const member = await ops.getMember(conversationId, userId);
  if (!member) throw new AppError('not_found', 'conversation not found');
  return member;
}

/** The conversation as the user sees it; `not_found` for non-members. */
export async function requireSummary(
  ops: Pick<ConversationsStore, 'getSummaryForUser'>,
  conversationId: string,
  userId: string,
): Promise<ConversationSummary> {
  const summary = await ops.getSummaryForUser(conversationId, userId);
  if (!summary) throw new AppError('not_found', 'conversation not found');
  return summary;
}
