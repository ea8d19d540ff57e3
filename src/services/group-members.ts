import { AppError } from '../domain/errors.js';
import type {
  Conversation,
  Member,
  Role,
  TimelineEvent,
  TimelineEventData,
  TimelineEventType,
  User,
} from '../domain/model.js';
import { can, canChangeRole, canRemove, heirOf, ROLE_AFTER_TRANSFER } from '../domain/roles.js';
import { normalizeUsername } from '../domain/usernames.js';
import type { MembersStore, StoreOps, TransactionsStore, UsersStore } from '../ports/store.js';
import type { ServiceDeps } from './deps.js';
import { groupFull, requireGroup, requireManager, requireMember } from './membership.js';
import { commitAndPublish, type Publications } from './publications.js';
import { appendTimelineEvent } from './timeline-events.js';

/** What membership changes need besides the transaction's own reads and writes. */
export type GroupMemberDeps = Pick<ServiceDeps, 'bus' | 'limits' | 'log' | 'now'> & {
  store: Pick<TransactionsStore, 'transaction'> &
    Pick<UsersStore, 'getUserByUsername'> &
    Pick<MembersStore, 'getMember'>;
};

/**
 * Who is in a group and with which role (rules C6-C9): adding and removing members, role
 * changes and ownership transfer, leaving with the owner's heir. Each change is one transaction
 * that records its timeline events; the bus hears them after the commit. Who may do what is
 * `domain/roles.ts`.
 */
export class GroupMemberService {
  readonly #deps: GroupMemberDeps;

  constructor(deps: GroupMemberDeps) {
    this.#deps = deps;
  }

  /** Adds a user to a group; owner or admin, within the member limit (rule C6). */
  async addMember(me: User, conversationId: string, username: string): Promise<Member> {
    const name = normalizeUsername(username);
    const user = await this.#deps.store.getUserByUsername(name);
    if (!user) throw new AppError('not_found', `user "${name}" not found`);
    await this.#mutate(async (tx, pubs) => {
      const conversation = await requireGroup(tx, conversationId, me.id);
      await requireManager(tx, conversationId, me.id);
      if (await tx.getMember(conversationId, user.id)) {
        throw new AppError('conflict', `${user.username} is already a member`);
      }
      await this.#enter(tx, pubs, conversation, user, me.id);
    });
    return requireMember(this.#deps.store, conversationId, user.id);
  }

  /**
   * Joins a public group (rule PG4): a `member.joined` event, and the joiner's sockets get the
   * conversation. A private or unknown group is `not_found`; a member joining again gets
   * `created: false` and nothing changes. The member limit applies (C6).
   */
  async join(me: User, conversationId: string): Promise<{ created: boolean }> {
    let created = false;
    await this.#mutate(async (tx, pubs) => {
      await tx.lockConversation(conversationId);
      const conversation = await tx.getConversation(conversationId);
      if (!conversation || conversation.kind !== 'group' || conversation.visibility !== 'public')
        throw new AppError('not_found', 'conversation not found');
      if (await tx.getMember(conversationId, me.id)) return;
      await this.#enter(tx, pubs, conversation, me, me.id);
      created = true;
    });
    return { created };
  }

  /**
   * Mutes a member for `minutes` (rule PG10), or unmutes them (`minutes` null): an owner
   * mutes anyone else, an admin plain members (as C7's removal). A `member.muted` event each
   * time; an unmute of a member not muted changes nothing.
   */
  async mute(
    me: User,
    conversationId: string,
    username: string,
    minutes: number | null,
  ): Promise<Member> {
    const target = normalizeUsername(username);
    let userId = '';
    await this.#mutate(async (tx, pubs) => {
      await requireGroup(tx, conversationId, me.id);
      const manager = await requireManager(tx, conversationId, me.id);
      const user = await tx.getUserByUsername(target);
      const member = user ? await tx.getMember(conversationId, user.id) : null;
      if (!user || !member) throw new AppError('not_found', `${username} is not a member`);
      userId = user.id;
      if (!canRemove(manager, member)) {
        throw new AppError(
          'forbidden',
          user.id === me.id
            ? 'you cannot mute yourself'
            : `you cannot mute ${member.role === 'owner' ? 'the owner' : 'an admin'}`,
        );
      }
      const now = this.#deps.now();
      const until = minutes === null ? null : now + minutes * 60_000;
      const active = member.mutedUntil !== null && member.mutedUntil > now;
      if (until === null && !active) return;
      await tx.setMutedUntil(conversationId, user.id, until);
      const event = await this.#appendEvent(tx, conversationId, 'member.muted', me.id, {
        userId: user.id,
        username: user.username,
        until,
      });
      pubs.timeline({ kind: 'event', event });
    });
    return requireMember(this.#deps.store, conversationId, userId);
  }

  /**
   * In a group whose history is 'joined', a member added or joining reads from their own
   * event on (rule PG5): the bound, and the read marker just before it (nothing earlier is unread).
   */
  /**
   * `user` becomes a plain member (C6, PG4), within the member limit: `member.added` when
   * `actorId` added them, `member.joined` when they joined by themselves; their history bound
   * (PG5); their sockets get the conversation.
   */
  async #enter(
    tx: StoreOps,
    pubs: Publications,
    conversation: Conversation,
    user: { id: string; username: string },
    actorId: string,
  ): Promise<void> {
    const conversationId = conversation.id;
    if ((await tx.countMembers(conversationId)) >= this.#deps.limits.maxGroupMembers) {
      throw groupFull(this.#deps.limits.maxGroupMembers);
    }
    await tx.addMember({
      conversationId,
      userId: user.id,
      role: 'member',
      joinedAt: this.#deps.now(),
      lastReadSeq: 0,
    });
    const member = { userId: user.id, username: user.username };
    const event =
      actorId === user.id
        ? await this.#appendEvent(tx, conversationId, 'member.joined', actorId, member)
        : await this.#appendEvent(tx, conversationId, 'member.added', actorId, {
            ...member,
            role: 'member',
          });
    await this.#boundHistory(tx, conversation, user.id, event.seq);
    pubs.timeline({ kind: 'event', event });
    pubs.joined(user.id, conversationId, event.seq);
  }

  async #boundHistory(
    tx: StoreOps,
    conversation: Conversation,
    userId: string,
    seq: number,
  ): Promise<void> {
    if (conversation.history !== 'joined') return;
    await tx.setHistoryFrom(conversation.id, userId, seq);
    await tx.raiseReadMarker(conversation.id, userId, seq - 1);
  }

  /**
   * Removes a member (rule C7): the owner removes anyone, an admin removes plain members.
   * Removing yourself is leaving.
   */
  async removeMember(me: User, conversationId: string, username: string): Promise<void> {
    const target = normalizeUsername(username);
    if (target === me.username) return this.leave(me, conversationId);
    await this.#mutate(async (tx, pubs) => {
      await requireGroup(tx, conversationId, me.id);
      const manager = await requireManager(tx, conversationId, me.id);
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
      await requireGroup(tx, conversationId, me.id);
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
      await requireGroup(tx, conversationId, me.id);
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

  /** Runs a membership change in one transaction and publishes its events after commit. */
  #mutate(fn: (tx: StoreOps, pubs: Publications) => Promise<void>): Promise<void> {
    return commitAndPublish(this.#deps.store, this.#deps.bus, fn);
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
}
