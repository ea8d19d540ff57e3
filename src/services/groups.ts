import { AppError } from '../domain/errors.js';
import { ulid } from '../domain/ids.js';
import type {
  Conversation,
  ConversationSummary,
  GroupVisibility,
  HistoryVisibility,
  TimelineEvent,
  TimelineEventData,
  TimelineEventType,
  User,
} from '../domain/model.js';
import { can } from '../domain/roles.js';
import { normalizeUsername } from '../domain/usernames.js';
import type {
  ConversationsStore,
  StoreOps,
  TransactionsStore,
  UsersStore,
} from '../ports/store.js';
import type { PublicGroupRecord } from '../ports/store/conversations.js';
import type { ServiceDeps } from './deps.js';
import {
  groupFull,
  requireGroup,
  requireManager,
  requireMember,
  requireSummary,
} from './membership.js';
import { commitAndPublish, type Publications } from './publications.js';
import { appendTimelineEvent } from './timeline-events.js';

/** What group changes need besides the transaction's own reads and writes. */
export type GroupDeps = Pick<ServiceDeps, 'bus' | 'limits' | 'log' | 'now'> & {
  store: Pick<TransactionsStore, 'transaction'> &
    Pick<UsersStore, 'getUserByUsername'> &
    Pick<ConversationsStore, 'getSummaryForUser' | 'listPublicGroups'>;
};

/** How a group may be created or changed besides its name (rules PG1, PG3). */
export interface GroupAccess {
  visibility?: GroupVisibility | undefined;
  history?: HistoryVisibility | undefined;
}

/** A page of public groups (rule PG2); `next` resumes after the last one. */
export interface PublicGroupPage {
  groups: PublicGroupRecord[];
  next: string | null;
}

/** Longest search text of the public group list (a group name is at most this long too). */
export const PUBLIC_GROUP_QUERY_MAX = 200;

/**
 * Groups themselves (rules C2, C4, C5): creating one with its first members, renaming,
 * deleting. Each change is one transaction that records its timeline events; the bus hears them
 * after the commit. Members and roles are services/group-members.ts.
 */
export class GroupService {
  readonly #deps: GroupDeps;

  constructor(deps: GroupDeps) {
    this.#deps = deps;
  }

  /** Creates a group owned by `me` with the named initial members (rule C2). */
  async createGroup(
    me: User,
    rawName: string,
    usernames: string[],
    access: GroupAccess = {},
  ): Promise<ConversationSummary> {
    const name = this.#checkName(rawName);
    const others = await this.#resolveUsers(
      usernames.filter((u) => normalizeUsername(u) !== me.username),
    );
    const max = this.#deps.limits.maxGroupMembers;
    if (others.length + 1 > max) throw groupFull(max);
    const now = this.#deps.now();
    const conversation: Conversation = {
      id: ulid(),
      kind: 'group',
      name,
      createdBy: me.id,
      createdAt: now,
      lastSeq: 0,
      lastMessageAt: now,
      allMentions: 'members',
      visibility: access.visibility ?? 'private',
      history: access.history ?? 'all',
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
      const conversation = await requireGroup(tx, conversationId, me.id);
      await requireManager(tx, conversationId, me.id);
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

  /**
   * Changes a group's visibility and history setting; owner or admin (rule PG3). One
   * `conversation.access_changed` event, none when nothing changes. A new history setting
   * applies to members who join afterwards.
   */
  async setAccess(
    me: User,
    conversationId: string,
    access: GroupAccess,
  ): Promise<ConversationSummary> {
    await this.#mutate(async (tx, pubs) => {
      await tx.lockConversation(conversationId);
      const conversation = await requireGroup(tx, conversationId, me.id);
      await requireManager(tx, conversationId, me.id);
      const visibility = access.visibility ?? conversation.visibility;
      const history = access.history ?? conversation.history;
      if (visibility === conversation.visibility && history === conversation.history) return;
      await tx.setAccess(conversationId, visibility, history);
      const event = await this.#appendEvent(
        tx,
        conversationId,
        'conversation.access_changed',
        me.id,
        {
          visibility,
          history,
          previousVisibility: conversation.visibility,
          previousHistory: conversation.history,
        },
      );
      pubs.timeline({ kind: 'event', event });
    });
    return requireSummary(this.#deps.store, conversationId, me.id);
  }

  /**
   * Public groups whose name contains `q` (case-insensitive), by name then id (rule PG2); any
   * logged-in user. `after` is a `next` of an earlier page.
   */
  async listPublic(
    me: User,
    { q, after, limit }: { q: string; after: string | null; limit: number },
  ): Promise<PublicGroupPage> {
    const query = q.trim();
    if ([...query].length > PUBLIC_GROUP_QUERY_MAX)
      throw new AppError('invalid_request', `q is at most ${PUBLIC_GROUP_QUERY_MAX} characters`);
    const groups = await this.#deps.store.listPublicGroups(me.id, {
      q: query,
      after: after === null ? null : decodeCursor(after),
      limit,
    });
    const last = groups.at(-1);
    return {
      groups,
      next: groups.length === limit && last ? encodeCursor(last.name, last.id) : null,
    };
  }

  /** Deletes a group with its history; owner only (rule C5). */
  async deleteGroup(me: User, conversationId: string): Promise<void> {
    await this.#mutate(async (tx, pubs) => {
      await requireGroup(tx, conversationId, me.id);
      const member = await requireMember(tx, conversationId, me.id);
      if (!can(member.role, 'delete'))
        throw new AppError('forbidden', 'only the owner can delete the group');
      await tx.deleteConversation(conversationId);
      pubs.conversationDeleted(conversationId, me.id);
    });
    this.#deps.log.info({ event: 'group.deleted', userId: me.id, conversationId }, 'group deleted');
  }

  /** Runs a group change in one transaction and publishes its events after commit. */
  #mutate(fn: (tx: StoreOps, pubs: Publications) => Promise<void>): Promise<void> {
    return commitAndPublish(this.#deps.store, this.#deps.bus, fn);
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

  async #resolveUsers(usernames: string[]): Promise<User[]> {
    const unique = [...new Set(usernames.map(normalizeUsername))];
    if (unique.length > this.#deps.limits.maxGroupMembers) {
      throw groupFull(this.#deps.limits.maxGroupMembers);
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

/** The `next` of a public group page: the last group's name and id, base64url JSON. */
function encodeCursor(name: string, id: string): string {
  return Buffer.from(JSON.stringify([name, id]), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): { name: string; id: string } {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      typeof value[0] === 'string' &&
      typeof value[1] === 'string'
    )
      return { name: value[0], id: value[1] };
  } catch {
    // Answered below.
  }
  throw new AppError('invalid_request', 'after is not a cursor of this list');
}
