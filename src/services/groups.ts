import { AppError } from '../domain/errors.js';
import { ulid } from '../domain/ids.js';
import type {
  Conversation,
  ConversationSummary,
  Member,
  Role,
  TimelineEvent,
  TimelineEventData,
  TimelineEventType,
  User,
} from '../domain/model.js';
import {
  can,
  canChangeRole,
  canManage,
  canRemove,
  heirOf,
  ROLE_AFTER_TRANSFER,
} from '../domain/roles.js';
import { normalizeUsername } from '../domain/usernames.js';
import type { StoreOps } from '../ports/store.js';
import type { ServiceDeps } from './deps.js';
import { requireMember, requireSummary } from './membership.js';
import { commitAndPublish, type Publications } from './publications.js';
import { appendTimelineEvent } from './timeline-events.js';

/**
 * Group changes (rules C2, C4-C9): create, rename, delete, add and remove members, role
 * changes, leaving (with the owner's heir). Each runs in one transaction that records its
 * timeline events; the bus hears them after the commit. Who may do what is `domain/roles.ts`.
 */
export class GroupService {
  readonly #deps: ServiceDeps;

  constructor(deps: ServiceDeps) {
    this.#deps = deps;
  }

  /** Creates a group owned by `me` with the named initial members (rule C2). */
  async createGroup(me: User, rawName: string, usernames: string[]): Promise<ConversationSummary> {
    const name = this.#checkName(rawName);
    const others = await this.#resolveUsers(
      usernames.filter((u) => normalizeUsername(u) !== me.username),
    );
    if (others.length + 1 > this.#deps.limits.maxGroupMembers) throw this.#full();
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
    await this.#mutate(async (tx, pubs) => {
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
    return requireSummary(this.#deps.store, conversation.id, me.id);
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
    return requireSummary(this.#deps.store, conversationId, me.id);
  }

  /** Deletes a group with its history; owner only (rule C5). */
  async deleteGroup(me: User, conversationId: string): Promise<void> {
    await this.#mutate(async (tx, pubs) => {
      await this.#requireGroup(tx, conversationId, me.id);
      const member = await requireMember(tx, conversationId, me.id);
      if (!can(member.role, 'delete'))
        throw new AppError('forbidden', 'only the owner can delete the group');
      await tx.deleteConversation(conversationId);
      pubs.conversationDeleted(conversationId, me.id);
    });
    this.#deps.log.info({ event: 'group.deleted', userId: me.id, conversationId }, 'group deleted');
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
        throw this.#full();
      }
      await tx.addMember({
        conversationId,
        userId: user.id,
        role: 'member',
        joinedAt: this.#deps.now(),
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
    return requireMember(this.#deps.store, conversationId, user.id);
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
      if (!canRemove(manager, member)) {
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
      const mine = await requireMember(tx, conversationId, me.id);
      if (!can(mine.role, 'changeRoles'))
        throw new AppError('forbidden', 'only the owner can change roles');
      const user = await tx.getUserByUsername(target);
      const member = user ? await tx.getMember(conversationId, user.id) : null;
      if (!user || !member) throw new AppError('not_found', `${username} is not a member`);
      userId = user.id;
      // The owner may change any role but their own.
      if (!canChangeRole(mine, member))
        throw new AppError('invalid_request', 'transfer ownership to change your own role');
      if (member.role === role) return;
      await tx.setMemberRole(conversationId, user.id, role);
      pubs.timeline({
        kind: 'event',
        event: await this.#roleEvent(tx, conversationId, me.id, member, role),
      });
      if (role === 'owner') {
        await tx.setMemberRole(conversationId, me.id, ROLE_AFTER_TRANSFER);
        pubs.timeline({
          kind: 'event',
          event: await this.#roleEvent(tx, conversationId, me.id, mine, ROLE_AFTER_TRANSFER),
        });
      }
    });
    return requireMember(this.#deps.store, conversationId, userId);
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
   * Removes `userId` from a conversation (a group, or a DM when the account is deleted) inside
   * an open transaction: hands a group's ownership to its heir, and deletes a conversation left
   * with no members.
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
      // listMembers is ordered longest-standing first, as heirOf expects.
      const heir = heirOf(rest);
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

  /** Runs a group change in one transaction and publishes its events after commit. */
  #mutate(fn: (tx: StoreOps, pubs: Publications) => Promise<void>): Promise<void> {
    return commitAndPublish(this.#deps.store, this.#deps.bus, fn);
  }

  async #requireGroup(tx: StoreOps, conversationId: string, userId: string): Promise<Conversation> {
    await requireMember(tx, conversationId, userId);
    const conversation = await tx.getConversation(conversationId);
    if (!conversation) throw new AppError('not_found', 'conversation not found');
    if (conversation.kind !== 'group')
      throw new AppError('invalid_request', 'this is a direct message, not a group');
    return conversation;
  }

  async #requireManager(tx: StoreOps, conversationId: string, userId: string): Promise<Member> {
    const member = await requireMember(tx, conversationId, userId);
    if (!canManage(member.role))
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

  /** The one place this service appends timeline events. */
  #appendEvent<T extends TimelineEventType>(
    tx: StoreOps,
    conversationId: string,
    type: T,
    actor: string,
    data: TimelineEventData<T>,
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

  #full(): AppError {
    return new AppError(
      'group_full',
      `a group has at most ${this.#deps.limits.maxGroupMembers} members`,
    );
  }

  async #resolveUsers(usernames: string[]): Promise<User[]> {
    const unique = [...new Set(usernames.map(normalizeUsername))];
    if (unique.length > this.#deps.limits.maxGroupMembers) throw this.#full();
    const users: User[] = [];
    for (const username of unique) {
      const user = await this.#deps.store.getUserByUsername(username);
      if (!user) throw new AppError('not_found', `user "${username}" not found`);
      users.push(user);
    }
    return users;
  }
}
