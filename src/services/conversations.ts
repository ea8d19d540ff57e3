import { AppError } from '../domain/errors.js';
import { ulid } from '../domain/ids.js';
import type { Conversation, ConversationSummary, Member, User } from '../domain/model.js';
import { normalizeUsername } from '../domain/usernames.js';
import { DuplicateKeyError, type ConversationsStore, type MembersStore } from '../ports/store.js';
import { readInChunks } from './chunks.js';
import { GroupMemberService, type GroupMemberDeps } from './group-members.js';
import { GroupService, type GroupDeps } from './groups.js';
import { requireMember, requireSummary } from './membership.js';
import { Publications } from './publications.js';

/** What the conversation reads and DMs need, and the group services they hold. */
export type ConversationDeps = GroupDeps &
  GroupMemberDeps & {
    store: Pick<
      ConversationsStore,
      'listSummariesForUser' | 'getSummaryForUser' | 'latestSeqs' | 'getDmByKey'
    > &
      Pick<
        MembersStore,
        | 'getMember'
        | 'listMembers'
        | 'listConversationIdsForUser'
        | 'listCursorsForUser'
        | 'countConversationsOfUsers'
      >;
  };

/**
 * Conversations as their members read them (rules C1, C3, C10, G6) and direct messages. Group
 * changes are `groups` (services/groups.ts) and `groupMembers` (services/group-members.ts).
 */
export class ConversationService {
  readonly #deps: ConversationDeps;
  /** Groups themselves: create, rename, delete. */
  readonly groups: GroupService;
  /** Who is in a group, with which role: add, remove, role changes, leaving. */
  readonly groupMembers: GroupMemberService;

  constructor(deps: ConversationDeps) {
    this.#deps = deps;
    this.groupMembers = new GroupMemberService(deps);
    this.groups = new GroupService(deps);
  }

  /** Lists the user's conversations, most recent activity first. */
  list(me: User): Promise<ConversationSummary[]> {
    return this.#deps.store.listSummariesForUser(me.id);
  }

  /** The conversation as `me` sees it; `not_found` for non-members (rule G6). */
  get(me: User, conversationId: string): Promise<ConversationSummary> {
    return requireSummary(this.#deps.store, conversationId, me.id);
  }

  /** Ids of the user's conversations. */
  idsOf(userId: string): Promise<string[]> {
    return this.#deps.store.listConversationIdsForUser(userId);
  }

  /** The latest seq of each of the user's conversations. */
  positionsOf(userId: string): Promise<Array<{ conversationId: string; lastSeq: number }>> {
    return this.#deps.store.listCursorsForUser(userId);
  }

  /** How many conversations each user is in (absent: none), read 500 users at a time. */
  async membershipCounts(userIds: string[]): Promise<Map<string, number>> {
    const entries = await readInChunks(userIds, async (slice) => [
      ...(await this.#deps.store.countConversationsOfUsers(slice)),
    ]);
    return new Map(entries);
  }

  /** The latest seq of each existing conversation of `ids`, read 500 at a time. */
  async latestSeqs(ids: string[]): Promise<Map<string, number>> {
    const rows = await readInChunks(ids, (slice) => this.#deps.store.latestSeqs(slice));
    return new Map(rows.map((r) => [r.conversationId, r.lastSeq]));
  }

  async isMember(conversationId: string, userId: string): Promise<boolean> {
    return (await this.#deps.store.getMember(conversationId, userId)) !== null;
  }

  /** Membership check used by every conversation operation: non-members see `not_found`. */
  requireMember(
    conversationId: string,
    userId: string,
    ops: Pick<MembersStore, 'getMember'> = this.#deps.store,
  ): Promise<Member> {
    return requireMember(ops, conversationId, userId);
  }

  /** Lists members; members only (rule C3). */
  async listMembers(me: User, conversationId: string): Promise<Member[]> {
    await this.requireMember(conversationId, me.id);
    return this.#deps.store.listMembers(conversationId);
  }

  /** Returns the DM between `me` and `username`, creating it on first use (rule C1). */
  async getOrCreateDm(
    me: User,
    username: string,
  ): Promise<{ conversation: ConversationSummary; created: boolean }> {
    const peer = await this.#deps.store.getUserByUsername(normalizeUsername(username));
    if (!peer) throw new AppError('not_found', `user "${username}" not found`);
    if (peer.id === me.id)
      throw new AppError('invalid_request', 'you cannot start a direct message with yourself');
    const dmKey = [me.id, peer.id].sort().join(':');
    const existing = await this.#deps.store.getDmByKey(dmKey);
    if (existing) return { conversation: await this.get(me, existing.id), created: false };

    const now = this.#deps.now();
    const conversation: Conversation = {
      id: ulid(),
      kind: 'dm',
      name: null,
      createdBy: me.id,
      createdAt: now,
      lastSeq: 0,
      lastMessageAt: now,
      allMentions: 'members',
      visibility: 'private',
      history: 'all',
    };
    try {
      await this.#deps.store.transaction(async (tx) => {
        await tx.createConversation(conversation, dmKey);
        for (const userId of [me.id, peer.id]) {
          await tx.addMember({
            conversationId: conversation.id,
            userId,
            role: 'member',
            joinedAt: now,
            lastReadSeq: 0,
          });
        }
      });
    } catch (err) {
      // A concurrent request created the same DM first: return that one.
      if (err instanceof DuplicateKeyError && err.key === 'dm_key') {
        const winner = await this.#deps.store.getDmByKey(dmKey);
        if (winner) return { conversation: await this.get(me, winner.id), created: false };
      }
      throw err;
    }
    const pubs = new Publications();
    pubs.joined(me.id, conversation.id, 1);
    pubs.joined(peer.id, conversation.id, 1);
    pubs.publish(this.#deps.bus);
    this.#deps.log.info(
      { event: 'dm.created', userId: me.id, conversationId: conversation.id },
      'direct message created',
    );
    return { conversation: await this.get(me, conversation.id), created: true };
  }
}
