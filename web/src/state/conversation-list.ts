import type { ParleyClient } from '../../../src/client/index.js';
import type { ConversationDto, MemberDto } from '../../../src/protocol/schemas.js';
import type { Mentions } from './mentions.js';
import type { Presence } from './presence.js';

/**
 * The page's conversations around the client's cache: the list in display order, every
 * conversation seen (so a removal can still name one the client already dropped), and the
 * member lists loaded (groups on screen, read receipts), kept current by membership events and
 * receipts. Each summary read from the node also reseeds its mention count.
 */
export class ConversationList {
  readonly #client: ParleyClient;
  readonly #presence: Presence;
  readonly #mentions: Mentions;
  readonly #changed: () => void;
  readonly #members = new Map<string, MemberDto[]>();
  readonly #known = new Map<string, ConversationDto>();

  constructor(options: {
    client: ParleyClient;
    presence: Presence;
    mentions: Mentions;
    changed: () => void;
  }) {
    this.#client = options.client;
    this.#presence = options.presence;
    this.#mentions = options.mentions;
    this.#changed = options.changed;
  }

  /** Conversations, most recent activity first. */
  sorted(): ConversationDto[] {
    return [...this.#client.conversations.values()].sort(
      (a, b) => b.lastMessageAt - a.lastMessageAt || b.createdAt - a.createdAt,
    );
  }

  get(id: string | null): ConversationDto | undefined {
    return id ? this.#client.conversations.get(id) : undefined;
  }

  /** A summary the client reported (new, or changed). */
  saw(conversation: ConversationDto): void {
    this.#known.set(conversation.id, conversation);
    this.#mentions.saw(conversation);
    if (conversation.peer) this.#presence.ensure(conversation.peer);
  }

  /** A conversation this page created or opened over REST joins the client's cache. */
  adopt(conversation: ConversationDto): void {
    this.saw(conversation);
    if (!this.#client.conversations.has(conversation.id))
      this.#client.conversations.set(conversation.id, conversation);
  }

  /** Loads the summaries over REST (throws what the call threw). */
  async load(): Promise<void> {
    for (const c of await this.#client.refreshConversations()) this.saw(c);
  }

  /** Presence of DM peers (group members' comes with the member list). */
  refreshPresence(): Promise<void> {
    const peers = [...this.#client.conversations.values()].flatMap((c) => (c.peer ? [c.peer] : []));
    return this.#presence.refresh(peers);
  }

  /** Reloads the summaries (roles, peers) after a change the timeline implies. */
  refresh(): void {
    this.load().then(this.#changed, () => undefined);
  }

  /** Drops a conversation the user no longer belongs to; returns what it was, if known. */
  forget(id: string): ConversationDto | undefined {
    const c = this.#client.conversations.get(id) ?? this.#known.get(id);
    this.#client.conversations.delete(id);
    this.#known.delete(id);
    this.#members.delete(id);
    return c;
  }

  members(id: string): MemberDto[] | undefined {
    return this.#members.get(id);
  }

  async loadMembers(id: string): Promise<void> {
    const { members } = await this.#client.api.members(id);
    this.#members.set(id, members);
    for (const m of members) if (m.online !== undefined) this.#presence.set(m.username, m.online);
    this.#changed();
  }

  /** Back online: presence again, and the loaded member lists (receipts are not replayed). */
  online(): void {
    void this.refreshPresence();
    for (const id of this.#members.keys()) this.membersChanged(id);
  }

  /** Another member's read marker moved (a `receipt`, rule R9): only ever forward. */
  receipt(e: { conversationId: string; userId: string; seq: number }): void {
    const members = this.#members.get(e.conversationId);
    const i = members?.findIndex((m) => m.userId === e.userId) ?? -1;
    if (!members || i < 0 || members[i]!.lastReadSeq >= e.seq) return;
    const next = [...members];
    next[i] = { ...members[i]!, lastReadSeq: e.seq };
    this.#members.set(e.conversationId, next);
    this.#changed();
  }

  /** Reloads a member list that is on screen (after a membership event). */
  membersChanged(id: string): void {
    if (this.#members.has(id)) void this.loadMembers(id).catch(() => undefined);
  }
}
