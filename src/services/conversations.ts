import { AppError } from '../domain/errors.js';
import { ulid } from '../domain/ids.js';
import type {
  Conversation,
  ConversationSummary,
  Member,
  Role,
  TimelineEvent,
  TimelineEventType,
  User,
} from '../domain/model.js';
import type { StoreOps } from '../ports/store.js';
import type { ServiceDeps } from './deps.js';
import { commitAndPublish, Publications } from './publications.js';
import { normalizeUsername } from './accounts.js';
import { readInChunks } from './chunks.js';

const MANAGERS: ReadonlySet<Role> = new Set(['owner', 'admin']);

/** Direct messages, groups and membership (rules C1-C10). */
export class ConversationService {
  readonly #deps: ServiceDeps;

  constructor(deps: ServiceDeps) {
    this.#deps = deps;
  }

  /** Lists the user's conversations, most recent activity first. */
  list(me: User): Promise<ConversationSummary[]> {
    return this.#deps.store.listSummariesForUser(me.id);
  }

  /** The conversation as `me` sees it; `not_found` for non-members (rule G6). */
  async get(me: User, conversationId: string): Promise<ConversationSummary> {
    const summary = await this.#deps.store.getSummaryForUser(conversationId, me.id);
    if (!summary) throw new AppError('not_found', 'conversation not found');
    return summary;
  }

  /** Ids of the user's conversations. */
  idsOf(userId: string): Promise<string[]> {
    return this.#deps.store.listConversationIdsForUser(userId);
  }

  /** The latest seq of each of the user's conversations. */
  positionsOf(userId: string): Promise<Array<{ conversationId: string; lastSeq: number }>> {
    return this.#deps.store.listCursorsForUser(userId);
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
  async requireMember(
    conversationId: string,
    userId: string,
    ops: StoreOps = this.#deps.store,
  ): Promise<Member> {
    const member = await ops.getMember(conversationId, userId);
    if (!member) throw new AppError('not_found', 'conversation not found');
    return member;
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
      if (err instanceof AppError && err.code === 'conflict') {
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

  /** Creates a group owned by `me` with the named initial members (rule C2). */
  async createGroup(me: User, rawName: string, usernames: string[]): Promise<ConversationSummary> {
    const name = this.#checkName(rawName);
    const others = await this.#resolveUsers(
      usernames.filter((u) => normalizeUsername(u) !== me.username),
    );
    if (others.length + 1 > this.#deps.limits.maxGroupMembers) {
      throw new AppError(
        'group_full',
        `a group has at most ${this.#deps.limits.maxGroupMembers} members`,
      );
    }
    const now = this.#deps.now();
    const conversation: Conversation = {
      id: ulid(),
      kind: 'group',
      name,
      createdBy: me.id,
      createdAt: now,
      lastSeq: 0,
      lastMessageAt: now,
    };
    await commitAndPublish(this.#deps.store, this.#deps.bus, async (tx, pubs) => {
      await tx.createConversation(conversation, null);
      await tx.addMember({
        conversationId: conversation.id,
        userId: me.id,
        role: 'owner',
        joinedAt: now,
        lastReadSeq: 0,
      });
      for (const user of others) {
        await tx.addMember({
          conversationId: conversation.id,
          userId: user.id,
          role: 'member',
          joinedAt: now,
          lastReadSeq: 0,
        });
      }
      const event = await this.#appendEvent(tx, conversation.id, 'conversation.created', me.id, {
        name,
        members: [me, ...others].map((u) => ({ userId: u.id, username: u.username })),
      });
      pubs.timeline({ kind: 'event', event });
      for (const user of [me, ...others]) pubs.joined(user.id, conversation.id, event.seq);
    });
    this.#deps.log.info(
      {
        event: 'group.created',
        userId: me.id,
        conversationId: conversation.id,
        members: others.length + 1,
      },
      'group created',
    );
    return this.get(me, conversation.id);
  }

  /** Renames a group; owner or admin (rule C4). */
  async rename(me: User, conversationId: string, rawName: string): Promise<ConversationSummary> {
    const name = this.#checkName(rawName);
    await this.#mutate(async (tx, pubs) => {
      const conversation = await this.#requireGroup(tx, conversationId, me.id);
      await this.#requireManager(tx, conversationId, me.id);
      if (conversation.name === name) return;
      await tx.renameConversation(conversationId, name);
      const event = await this.#appendEvent(tx, conversationId, 'conversation.renamed', me.id, {
        name,
        previous: conversation.name,
      });
      pubs.timeline({ kind: 'event', event });
    });
    return this.get(me, conversationId);
  }

  /** Deletes a group with its history; owner only (rule C5). */
  async deleteGroup(me: User, conversationId: string): Promise<void> {
    await this.#mutate(async (tx, pubs) => {
      await this.#requireGroup(tx, conversationId, me.id);
      const member = await this.requireMember(conversationId, me.id, tx);
      if (member.role !== 'owner')
        throw new AppError('forbidden', 'only the owner can delete the group');
      await tx.deleteConversation(conversationId);
      pubs.conversationDeleted(conversationId, me.id);
    });
    this.#deps.log.info({ event: 'group.deleted', userId: me.id, conversationId }, 'group deleted');
  }

  /** Lists members; members only. */
  async listMembers(me: User, conversationId: string): Promise<Member[]> {
    await this.requireMember(conversationId, me.id);
    return this.#deps.store.listMembers(conversationId);
  }

  /** Adds a user to a group; owner or admin, within the member limit (rule C6). */
  async addMember(me: User, conversationId: string, username: string): Promise<Member> {
    const [user] = await this.#resolveUsers([username]);
    if (!user) throw new AppError('not_found', `user "${username}" not found`);
    await this.#mutate(async (tx, pubs) => {
      await this.#requireGroup(tx, conversationId, me.id);
      await this.#requireManager(tx, conversationId, me.id);
      if (await tx.getMember(conversationId, user.id)) {
        throw new AppError('conflict', `${user.username} is already a member`);
      }
      if ((await tx.countMembers(conversationId)) >= this.#deps.limits.maxGroupMembers) {
        throw new AppError(
          'group_full',
          `a group has at most ${this.#deps.limits.maxGroupMembers} members`,
        );
      }
      const now = this.#deps.now();
      await tx.addMember({
        conversationId,
        userId: user.id,
        role: 'member',
        joinedAt: now,
        lastReadSeq: 0,
      });
      const event = await this.#appendEvent(tx, conversationId, 'member.added', me.id, {
        userId: user.id,
        username: user.username,
        role: 'member',
      });
      pubs.timeline({ kind: 'event', event });
      pubs.joined(user.id, conversationId, event.seq);
    });
    return this.requireMember(conversationId, user.id);
  }

  /**
   * Removes a member (rule C7): the owner removes anyone, an admin removes plain members.
   * Removing yourself is leaving.
   */
  async removeMember(me: User, conversationId: string, username: string): Promise<void> {
    const target = normalizeUsername(username);
    if (target === me.username) return this.leave(me, conversationId);
    await this.#mutate(async (tx, pubs) => {
      await this.#requireGroup(tx, conversationId, me.id);
      const manager = await this.#requireManager(tx, conversationId, me.id);
      const user = await tx.getUserByUsername(target);
      const member = user ? await tx.getMember(conversationId, user.id) : null;
      if (!user || !member) throw new AppError('not_found', `${username} is not a member`);
      if (member.role === 'owner' || (member.role === 'admin' && manager.role !== 'owner')) {
        throw new AppError(
          'forbidden',
          `you cannot remove ${member.role === 'owner' ? 'the owner' : 'an admin'}`,
        );
      }
      await tx.removeMember(conversationId, user.id);
      const event = await this.#appendEvent(tx, conversationId, 'member.removed', me.id, {
        userId: user.id,
        username: user.username,
      });
      pubs.timeline({ kind: 'event', event });
    });
  }

  /**
   * Changes a member's role; owner only (rule C8). Making someone `owner` transfers ownership:
   * the previous owner becomes an admin.
   */
  async changeRole(
    me: User,
    conversationId: string,
    username: string,
    role: Role,
  ): Promise<Member> {
    const target = normalizeUsername(username);
    let userId = '';
    await this.#mutate(async (tx, pubs) => {
      await this.#requireGroup(tx, conversationId, me.id);
      const mine = await this.requireMember(conversationId, me.id, tx);
      if (mine.role !== 'owner') throw new AppError('forbidden', 'only the owner can change roles');
      const user = await tx.getUserByUsername(target);
      const member = user ? await tx.getMember(conversationId, user.id) : null;
      if (!user || !member) throw new AppError('not_found', `${username} is not a member`);
      userId = user.id;
      if (user.id === me.id)
        throw new AppError('invalid_request', 'transfer ownership to change your own role');
      if (member.role === role) return;
      await tx.setMemberRole(conversationId, user.id, role);
      pubs.timeline({
        kind: 'event',
        event: await this.#roleEvent(tx, conversationId, me.id, member, role),
      });
      if (role === 'owner') {
        await tx.setMemberRole(conversationId, me.id, 'admin');
        pubs.timeline({
          kind: 'event',
          event: await this.#roleEvent(tx, conversationId, me.id, mine, 'admin'),
        });
      }
    });
    return this.requireMember(conversationId, userId);
  }

  /** Leaves a group (rule C9); an owner's ownership passes on, an emptied group is deleted. */
  async leave(me: User, conversationId: string): Promise<void> {
    await this.#mutate(async (tx, pubs) => {
      await this.#requireGroup(tx, conversationId, me.id);
      await this.leaveInTx(tx, pubs, conversationId, me.id, 'left');
    });
    this.#deps.log.info(
      { event: 'member.left', userId: me.id, conversationId },
      'left conversation',
    );
  }

  /**
   * Removes `userId` from a conversation inside an open transaction: hands ownership to the
   * longest-standing admin (else member), and deletes a conversation left with no members.
   */
  async leaveInTx(
    tx: StoreOps,
    pubs: Publications,
    conversationId: string,
    userId: string,
    reason: 'left' | 'account_deleted',
  ): Promise<void> {
    const members = await tx.listMembers(conversationId);
    const me = members.find((m) => m.userId === userId);
    if (!me) throw new AppError('not_found', 'conversation not found');
    const rest = members.filter((m) => m.userId !== userId);
    if (rest.length === 0) {
      await tx.deleteConversation(conversationId);
      pubs.conversationDeleted(conversationId, userId);
      return;
    }
    const conversation = await tx.getConversation(conversationId);
    if (me.role === 'owner' && conversation?.kind === 'group') {
      const heir = rest.find((m) => m.role === 'admin') ?? rest[0];
      if (heir) {
        await tx.setMemberRole(conversationId, heir.userId, 'owner');
        pubs.timeline({
          kind: 'event',
          event: await this.#roleEvent(tx, conversationId, userId, heir, 'owner'),
        });
      }
    }
    await tx.removeMember(conversationId, userId);
    const event = await this.#appendEvent(tx, conversationId, 'member.left', userId, {
      userId,
      username: me.username,
      reason,
    });
    pubs.timeline({ kind: 'event', event });
  }

  /** Runs a membership change in one transaction and publishes its events after commit. */
  #mutate(fn: (tx: StoreOps, pubs: Publications) => Promise<void>): Promise<void> {
    return commitAndPublish(this.#deps.store, this.#deps.bus, fn);
  }

  async #requireGroup(tx: StoreOps, conversationId: string, userId: string): Promise<Conversation> {
    await this.requireMember(conversationId, userId, tx);
    const conversation = await tx.getConversation(conversationId);
    if (!conversation) throw new AppError('not_found', 'conversation not found');
    if (conversation.kind !== 'group')
      throw new AppError('invalid_request', 'this is a direct message, not a group');
    return conversation;
  }

  async #requireManager(tx: StoreOps, conversationId: string, userId: string): Promise<Member> {
    const member = await this.requireMember(conversationId, userId, tx);
    if (!MANAGERS.has(member.role))
      throw new AppError('forbidden', 'only the owner or an admin can do that');
    return member;
  }

  #roleEvent(
    tx: StoreOps,
    conversationId: string,
    actor: string,
    member: Member,
    role: Role,
  ): Promise<TimelineEvent> {
    return this.#appendEvent(tx, conversationId, 'member.role_changed', actor, {
      userId: member.userId,
      username: member.username,
      role,
      previous: member.role,
    });
  }

  #appendEvent(
    tx: StoreOps,
    conversationId: string,
    type: TimelineEventType,
    actor: string,
    data: Record<string, unknown>,
  ): Promise<TimelineEvent> {
    return appendTimelineEvent(this.#deps, tx, conversationId, type, actor, data);
  }

  #checkName(raw: string): string {
    const name = raw.trim();
    const length = [...name].length;
    if (length < 1 || length > this.#deps.limits.maxGroupNameChars) {
      throw new AppError(
        'invalid_request',
        `group name must be 1-${this.#deps.limits.maxGroupNameChars} characters`,
      );
    }
    return name;
  }

  async #resolveUsers(usernames: string[]): Promise<User[]> {
    const unique = [...new Set(usernames.map(normalizeUsername))];
    if (unique.length > this.#deps.limits.maxGroupMembers) {
      throw new AppError(
        'group_full',
        `a group has at most ${this.#deps.limits.maxGroupMembers} members`,
      );
    }
    const users: User[] = [];
    for (const username of unique) {
      const user = await this.#deps.store.getUserByUsername(username);
      if (!user) throw new AppError('not_found', `user "${username}" not found`);
      users.push(user);
    }
    return users;
  }
}

/** Appends a non-message event at the conversation's next seq, inside an open transaction. */
export async function appendTimelineEvent(
  deps: Pick<ServiceDeps, 'now'>,
  tx: StoreOps,
  conversationId: string,
  type: TimelineEventType,
  actor: string,
  data: Record<string, unknown>,
): Promise<TimelineEvent> {
  const createdAt = deps.now();
  const seq = await tx.nextSeq(conversationId, createdAt, false);
  const event: TimelineEvent = { conversationId, seq, type, actor, data, createdAt };
  await tx.insertEvent(event);
  return event;
}
