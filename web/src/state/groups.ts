import type { RestApi } from '../../../src/client/index.js';
import type { ConversationDto, TimelineEventDto } from '../../../src/protocol/schemas.js';
import {
  createGroup,
  joinGroup,
  mutedUntilOf,
  type GroupAccess,
  type ModeratedMember,
} from '../lib/groups.js';

/**
 * The user's groups beyond the list: creating one (private or public, rule PG1), joining a
 * public one (PG4), leaving and deleting (C9, C5); and moderation as this page sees it:
 * whether the user is a server admin (who removes anyone's message, PG8) and until when a
 * moderator muted them in each group (PG10), from the member list read over REST and, newer,
 * the `member.muted` events about them.
 */
export class Groups {
  /** The signed-in user is a server admin (GET /api/v1/me), once known. */
  serverAdmin = false;
  readonly #api: RestApi;
  readonly #me: string;
  readonly #changed: () => void;
  readonly #open: (conversation: ConversationDto) => void;
  readonly #forget: (id: string) => void;
  /** Conversation → the user's mute as the latest `member.muted` about them set it. */
  readonly #mutes = new Map<string, number | null>();

  constructor(options: {
    api: RestApi;
    me: string;
    changed: () => void;
    /** Adds a conversation to the list and opens it. */
    open: (conversation: ConversationDto) => void;
    /** Drops a conversation the user left or deleted. */
    forget: (id: string) => void;
  }) {
    this.#api = options.api;
    this.#me = options.me;
    this.#changed = options.changed;
    this.#open = options.open;
    this.#forget = options.forget;
  }

  /** Reads whether the user is a server admin (a failure leaves them a plain user). */
  async start(): Promise<void> {
    try {
      const me = await this.#api.request<{ admin?: boolean }>('GET', '/api/v1/me');
      if (me.admin !== true) return;
      this.serverAdmin = true;
      this.#changed();
    } catch {
      // Offline at start: no moderation controls beyond the group's own.
    }
  }

  /** Creates a group with its first members and opens it. */
  async create(name: string, members: string[], access: GroupAccess): Promise<void> {
    const { conversation } = await createGroup(this.#api, { name, members, ...access });
    this.#open(conversation);
  }

  /** Joins a public group (a member already just opens it). */
  async join(id: string): Promise<void> {
    const { conversation } = await joinGroup(this.#api, id);
    this.#open(conversation);
  }

  async leave(id: string): Promise<void> {
    await this.#api.leave(id);
    this.#forget(id);
  }

  async delete(id: string): Promise<void> {
    await this.#api.deleteGroup(id);
    this.#forget(id);
  }

  /** A live event: a `member.muted` about the user sets their mute in that group. */
  apply(event: TimelineEventDto): void {
    if (event.type !== 'member.muted' || event.data.userId !== this.#me) return;
    this.#mutes.set(event.conversationId, event.data.until);
  }

  /** When the user's mute in a group ends, if they are muted now; null otherwise. */
  mutedUntil(
    conversationId: string,
    members: readonly ModeratedMember[] | undefined,
  ): number | null {
    const now = Date.now();
    const live = this.#mutes.get(conversationId);
    if (live !== undefined) return live !== null && live > now ? live : null;
    return mutedUntilOf(
      members?.find((m) => m.userId === this.#me),
      now,
    );
  }

  /** The conversation is gone from the list: its mute with it. */
  forgot(id: string): void {
    this.#mutes.delete(id);
  }
}
