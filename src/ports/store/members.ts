import type { ConversationKind, Member, Role } from '../../domain/model.js';
import type { ConversationCursor } from './conversations.js';

/** A member's role with the conversation's kind and member count, read at once. */
export interface MemberView {
  role: Role;
  kind: ConversationKind;
  memberCount: number;
  /** A moderator's mute of the member (rule PG10); null: not muted. */
  mutedUntil: number | null;
}

/** Memberships: who is in which conversation, with what role and read marker (C3-C8, M5, G6). */
export interface MembersStore {
  /** `historyFrom` defaults to 0 (the whole history), `mutedUntil` to null. */
  addMember(
    member: Omit<Member, 'username' | 'historyFrom' | 'mutedUntil'> &
      Partial<Pick<Member, 'historyFrom' | 'mutedUntil'>>,
  ): Promise<void>;
  /** Sets the first seq the member may read (rule PG5). */
  setHistoryFrom(conversationId: string, userId: string, seq: number): Promise<void>;
  /** Sets or clears (null) a moderator's mute of the member (rule PG10). */
  setMutedUntil(conversationId: string, userId: string, until: number | null): Promise<void>;
  getMember(conversationId: string, userId: string): Promise<Member | null>;
  /** The members, ordered by join time, then username. */
  listMembers(conversationId: string): Promise<Member[]>;
  /** The members' user ids, in no particular order (a notification's recipients, rule N1). */
  listMemberIds(conversationId: string): Promise<string[]>;
  /** In one read: the user's role, the conversation's kind and member count; null for non-members. */
  getMemberView(conversationId: string, userId: string): Promise<MemberView | null>;
  countMembers(conversationId: string): Promise<number>;
  removeMember(conversationId: string, userId: string): Promise<void>;
  setMemberRole(conversationId: string, userId: string, role: Role): Promise<void>;
  /**
   * Raises the member's read marker to `seq` (never lowers it); returns the marker. Rejects
   * with `RecordNotFoundError` for a non-member.
   */
  raiseReadMarker(conversationId: string, userId: string, seq: number): Promise<number>;
  /** Sets whether the member muted the conversation (rule N3); false for a non-member. */
  setMuted(conversationId: string, userId: string, muted: boolean): Promise<boolean>;
  /** Of these users, the members who muted the conversation (rule N3). */
  mutedAmong(conversationId: string, userIds: string[]): Promise<Set<string>>;
  listConversationIdsForUser(userId: string): Promise<string[]>;
  /** How many conversations each of these users is in; a user in none is absent. */
  countConversationsOfUsers(userIds: string[]): Promise<Map<string, number>>;
  /** Each of the user's conversations with its latest seq. */
  listCursorsForUser(userId: string): Promise<ConversationCursor[]>;
}
