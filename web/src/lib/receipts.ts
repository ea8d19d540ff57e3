import type { MessageDto } from '../../../src/protocol/schemas.js';

/** Another member's read marker (rule R9: 0 for a member who does not share theirs). */
export interface Reader {
  userId: string;
  username: string;
  lastReadSeq: number;
}

/**
 * Where "Seen" goes (rule R9): the user's newest message that another member has read, and who
 * has read up to it, in the members' order; null when no one has read any of the user's
 * loaded messages (or no one shares their read marker). Deleted and unsent messages get none.
 */
export function seenTarget(
  messages: readonly MessageDto[],
  me: string,
  readers: readonly Reader[] | undefined,
): { seq: number; names: string[] } | null {
  const others = readers?.filter((r) => r.userId !== me) ?? [];
  if (others.length === 0) return null;
  const furthest = Math.max(...others.map((r) => r.lastReadSeq));
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i]!;
    if (m.sender !== me || m.deletedAt !== null || m.seq === 0 || m.seq > furthest) continue;
    const names = others.filter((r) => r.lastReadSeq >= m.seq).map((r) => r.username);
    return { seq: m.seq, names };
  }
  return null;
}
