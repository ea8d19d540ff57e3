import { AppError } from '../domain/errors.js';
import type { Conversation, ConversationSummary, Member } from '../domain/model.js';
import { canManage } from '../domain/roles.js';
import { RecordNotFoundError, type ConversationsStore, type MembersStore } from '../ports/store.js';

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

/** A group `userId` is a member of; a DM is `invalid_request` (rule C1), others `not_found`. */
export async function requireGroup(
  ops: Pick<MembersStore, 'getMember'> & Pick<ConversationsStore, 'getConversation'>,
  conversationId: string,
  userId: string,
): Promise<Conversation> {
  await requireMember(ops, conversationId, userId);
  const conversation = await ops.getConversation(conversationId);
  if (!conversation) throw new AppError('not_found', 'conversation not found');
  if (conversation.kind !== 'group')
    throw new AppError('invalid_request', 'this is a direct message, not a group');
  return conversation;
}

/** `userId`'s membership if their role manages the group (rules C4, C6, C7), else `forbidden`. */
export async function requireManager(
  ops: Pick<MembersStore, 'getMember'>,
  conversationId: string,
  userId: string,
): Promise<Member> {
  const member = await requireMember(ops, conversationId, userId);
  if (!canManage(member.role))
    throw new AppError('forbidden', 'only the owner or an admin can do that');
  return member;
}

/** The answer past the member limit (rules C2, C6). */
export function groupFull(maxGroupMembers: number): AppError {
  return new AppError('group_full', `a group has at most ${maxGroupMembers} members`);
}

/** A record the store no longer finds (deleted or removed meanwhile) answers `not_found`. */
export function notFoundFrom(err: unknown): never {
  if (err instanceof RecordNotFoundError)
    throw new AppError('not_found', undefined, { cause: err });
  throw err;
}
