import { AppError } from '../domain/errors.js';
import { MAX_MENTIONS_PER_MESSAGE, USERNAME_PATTERN } from '../domain/limits.js';
import type {
  AllMentionsPolicy,
  ConversationSummary,
  Message,
  Role,
  User,
} from '../domain/model.js';
import { canManage } from '../domain/roles.js';
import type {
  ConversationsStore,
  MembersStore,
  MessageMentions,
  StoreOps,
  TimelineStore,
  TransactionsStore,
} from '../ports/store.js';
import type { ServiceDeps } from './deps.js';
import { requireGroup, requireManager, requireSummary } from './membership.js';
import { commitAndPublish } from './publications.js';
import { appendTimelineEvent } from './timeline-events.js';

/**
 * A mention candidate, as the front ends' Markdown reader (src/format/markdown.ts) finds it:
 * `@` at the start or after a character that cannot be in an address or a name (so
 * `bob@example.com` is none), then name characters; less the full stops that end a sentence
 * (`thanks @bob.`), it is a mention when it is a username.
 */
const MENTION = /(?<![\p{L}\p{N}_.@-])@([\p{L}\p{N}_.-]+)/gu;

/** The distinct lowercased names the body's `@` tokens could mention (rule R6). */
export function mentionCandidates(body: string): Set<string> {
  const names = new Set<string>();
  if (!body.includes('@')) return names;
  for (const match of body.matchAll(MENTION)) {
    const name = match[1]!.replace(/\.+$/, '').toLowerCase();
    if (USERNAME_PATTERN.test(name)) names.add(name);
  }
  return names;
}

/** Who writes the body, where: what resolving its mentions needs to know. */
export interface MentionAuthor {
  conversationId: string;
  userId: string;
  role: Role;
}

/**
 * Resolves the body's mentions inside a transaction (rules R6, R7): `@username` of a current
 * member (not the author) by id, `@all` in a group when its policy lets the author. Reads
 * nothing for a body without `@`; the conversation only when it says `@all`.
 */
export async function resolveMentions(
  tx: Pick<MembersStore, 'listMembers'> & Pick<ConversationsStore, 'getConversation'>,
  author: MentionAuthor,
  body: string,
): Promise<MessageMentions> {
  const names = mentionCandidates(body);
  if (names.size === 0) return { mentions: [], mentionsAll: false };
  let mentionsAll = false;
  if (names.has('all')) {
    const conversation = await tx.getConversation(author.conversationId);
    if (conversation?.kind === 'group') {
      if (!mayMentionAll(conversation.allMentions, author.role)) {
        throw new AppError('forbidden', 'only owners and admins may mention @all in this group');
      }
      mentionsAll = true;
      names.delete('all');
    }
  }
  const ids: string[] = [];
  if (names.size > 0) {
    for (const member of await tx.listMembers(author.conversationId)) {
      if (member.userId !== author.userId && names.has(member.username)) ids.push(member.userId);
    }
  }
  if (ids.length > MAX_MENTIONS_PER_MESSAGE) {
    throw new AppError(
      'invalid_request',
      `a message mentions at most ${MAX_MENTIONS_PER_MESSAGE} members`,
      { details: { max: MAX_MENTIONS_PER_MESSAGE } },
    );
  }
  ids.sort();
  return { mentions: ids, mentionsAll };
}

/** True if a member with `role` may mention `@all` under the group's policy (rule R7). */
export function mayMentionAll(policy: AllMentionsPolicy, role: Role): boolean {
  return policy === 'members' || canManage(role);
}

/** A page of the messages that mention the user (rule R8). */
export interface MentionsPage {
  messages: Message[];
  nextBefore: string | null;
}

/** What MentionService uses of the store. */
export type MentionDeps = Pick<ServiceDeps, 'bus' | 'now'> & {
  store: Pick<TimelineStore, 'listMentions'> & TransactionsStore;
};

/** The mention list (rule R8) and a group's @all policy (rule R7). */
export class MentionService {
  readonly #deps: MentionDeps;

  constructor(deps: MentionDeps) {
    this.#deps = deps;
  }

  /** Messages mentioning `me`, newest first, before the message id `before` (exclusive). */
  async list(me: User, query: { before: string | null; limit: number }): Promise<MentionsPage> {
    const messages = await this.#deps.store.listMentions(me.id, query);
    const last = messages.at(-1);
    return {
      messages,
      nextBefore: messages.length === query.limit && last ? last.id : null,
    };
  }

  /**
   * Sets who may mention `@all` in a group (owners and admins; a DM is `invalid_request`). A
   * change appends `conversation.settings_changed`; the same policy again changes nothing.
   */
  async setAllMentions(
    me: User,
    conversationId: string,
    policy: AllMentionsPolicy,
  ): Promise<ConversationSummary> {
    return commitAndPublish(this.#deps.store, this.#deps.bus, async (tx: StoreOps, pubs) => {
      await tx.lockConversation(conversationId);
      const group = await requireGroup(tx, conversationId, me.id);
      await requireManager(tx, conversationId, me.id);
      if (group.allMentions !== policy) {
        await tx.setAllMentions(conversationId, policy);
        const event = await appendTimelineEvent(
          this.#deps,
          tx,
          conversationId,
          'conversation.settings_changed',
          me.id,
          { allMentions: policy, previous: group.allMentions },
        );
        pubs.timeline({ kind: 'event', event });
      }
      return requireSummary(tx, conversationId, me.id);
    });
  }
}
