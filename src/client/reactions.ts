import type { ReactionGroupDto, TimelineEventDto } from '../protocol/schemas.js';

/** A `reaction.added` or `reaction.removed` timeline event. */
export type ReactionEvent = Extract<
  TimelineEventDto,
  { type: 'reaction.added' | 'reaction.removed' }
>;

/** True for the two reaction events. */
export function isReactionEvent(event: TimelineEventDto): event is ReactionEvent {
  return event.type === 'reaction.added' || event.type === 'reaction.removed';
}

/**
 * A message's reactions after a reaction event, kept in the server's order (rule R4): groups
 * by their first reaction, users by when they reacted. Returns a new array; a repeat of what is
 * already there (an added reaction present, a removed one absent) changes nothing.
 */
export function applyReaction(
  groups: readonly ReactionGroupDto[],
  event: ReactionEvent,
): ReactionGroupDto[] {
  const { emoji, userId, username } = event.data;
  const index = groups.findIndex((g) => g.emoji === emoji);
  const group = groups[index];
  if (event.type === 'reaction.added') {
    if (!group) return [...groups, { emoji, users: [{ userId, username }] }];
    if (group.users.some((u) => u.userId === userId)) return [...groups];
    const next = [...groups];
    next[index] = { emoji, users: [...group.users, { userId, username }] };
    return next;
  }
  if (!group) return [...groups];
  const users = group.users.filter((u) => u.userId !== userId);
  const next = [...groups];
  if (users.length === 0) next.splice(index, 1);
  else next[index] = { emoji, users };
  return next;
}
