import type { MessageDto, ReactionGroupDto } from '../../../src/protocol/schemas.js';

/** Names a reaction's tooltip shows before "and N others". */
const NAMED = 2;

/**
 * Who reacted, for a tooltip: "You, alice and 1 other" (the signed-in user first, as "You";
 * the others in the order they reacted).
 */
export function whoReacted(users: ReactionGroupDto['users'], me: string): string {
  const mine = users.some((u) => u.userId === me);
  const names = [
    ...(mine ? ['You'] : []),
    ...users.filter((u) => u.userId !== me).map((u) => u.username),
  ];
  if (names.length <= 1) return names[0] ?? '';
  if (names.length === 2) return `${names[0]} and ${names[1]}`;
  const others = names.length - NAMED;
  return `${names.slice(0, NAMED).join(', ')} and ${others} ${others === 1 ? 'other' : 'others'}`;
}

/** The emoji the user has reacted with on a message. */
export function myEmoji(message: MessageDto, me: string): Set<string> {
  return new Set(
    message.reactions.filter((g) => g.users.some((u) => u.userId === me)).map((g) => g.emoji),
  );
}
