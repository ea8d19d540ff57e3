import { applyReaction, isReactionEvent, type ParleyClient } from '../../client/index.js';
import type {
  ConversationDto,
  MemberDto,
  MessageDto,
  ReactionGroupDto,
  TimelineEventDto,
} from '../../protocol/schemas.js';
import { formatEvent, formatReactions, type RenderOptions } from './format.js';

/**
 * The open conversation as the terminal follows it: its members (for Tab and for naming who
 * did what), the reactions of the messages shown (so a reaction prints the message's new
 * summary), who has read the user's latest message, and how far back /more has gone.
 */
export class Pane {
  readonly conversation: ConversationDto;
  /** Lowest seq shown, for /more. */
  oldestShown: number | null = null;
  #members: MemberDto[] = [];
  readonly #reactions = new Map<number, ReactionGroupDto[]>();
  /** The user's latest message shown, and how far each member was seen to read it. */
  #lastOwnSeq = 0;
  readonly #seenUpTo = new Map<string, number>();
  readonly #client: ParleyClient;

  constructor(conversation: ConversationDto, client: ParleyClient) {
    this.conversation = conversation;
    this.#client = client;
  }

  /** Reads the member list (Tab completes from it); a failure leaves it empty. */
  async loadMembers(): Promise<void> {
    try {
      this.#members = (await this.#client.api.members(this.conversation.id)).members;
    } catch {
      this.#members = [];
    }
  }

  /** Members other than the user, for @-completion. */
  others(): MemberDto[] {
    return this.#members.filter((m) => m.userId !== this.#client.user?.id);
  }

  /** Whether the user may mention @all here (rule R7). */
  allowAll(): boolean {
    const c = this.conversation;
    return c.kind === 'group' && (c.allMentions === 'members' || c.role !== 'member');
  }

  /** A member's name by id, if known. */
  nameOf(userId: string): string | undefined {
    if (userId === this.#client.user?.id) return this.#client.user.username;
    return this.#members.find((m) => m.userId === userId)?.username;
  }

  /** Remembers a message shown (its reactions, to update them live). */
  saw(message: MessageDto): void {
    if (message.conversationId !== this.conversation.id) return; // /mentions shows others'
    this.#reactions.set(message.seq, message.deletedAt === null ? message.reactions : []);
    if (message.sender === this.#client.user?.id && message.deletedAt === null)
      this.#lastOwnSeq = Math.max(this.#lastOwnSeq, message.seq);
  }

  /** The reactions of a message shown, as they are now. */
  reactionsOf(seq: number): readonly ReactionGroupDto[] | undefined {
    return this.#reactions.get(seq);
  }

  /**
   * A member's read marker moved (a receipt, rule R9): the line to print when it reaches the
   * user's latest message shown for the first time (`✓ seen by bob`), else null.
   */
  receipt(userId: string, seq: number): string | null {
    const own = this.#lastOwnSeq;
    if (own === 0 || seq < own || (this.#seenUpTo.get(userId) ?? 0) >= own) return null;
    this.#seenUpTo.set(userId, own);
    const name = this.nameOf(userId);
    if (this.conversation.kind === 'dm') return `  ✓ #${own} seen`;
    return name ? `  ✓ #${own} seen by ${name}` : null;
  }

  /**
   * An event of this conversation: keeps members and reactions in step, and answers the line
   * to print. A reaction prints the message's new summary; for a message not shown here, the
   * summary is read from the server (it already holds this change).
   */
  lineFor(event: TimelineEventDto, options: RenderOptions): string | Promise<string> {
    this.#follow(event);
    if (!isReactionEvent(event)) return formatEvent(event, (id) => this.nameOf(id), options);
    const seq = event.data.seq;
    const known = this.#reactions.get(seq);
    if (known) {
      const next = applyReaction(known, event);
      this.#reactions.set(seq, next);
      return formatReactions(seq, next);
    }
    return this.#client.api.message(this.conversation.id, seq).then(
      ({ message }) => {
        this.saw(message);
        return formatReactions(seq, message.reactions);
      },
      () => formatEvent(event, (id) => this.nameOf(id), options),
    );
  }

  #follow(event: TimelineEventDto): void {
    switch (event.type) {
      case 'member.added':
      case 'member.joined':
        this.#members.push({
          conversationId: event.conversationId,
          userId: event.data.userId,
          username: event.data.username,
          role: event.type === 'member.added' ? event.data.role : 'member',
          joinedAt: event.createdAt,
          lastReadSeq: 0,
          historyFrom: 0,
          mutedUntil: null,
        });
        return;
      case 'member.muted': {
        const member = this.#members.find((m) => m.userId === event.data.userId);
        if (member) member.mutedUntil = event.data.until;
        return;
      }
      case 'conversation.access_changed':
        this.conversation.visibility = event.data.visibility;
        this.conversation.history = event.data.history;
        return;
      case 'member.removed':
      case 'member.left':
        this.#members = this.#members.filter((m) => m.userId !== event.data.userId);
        return;
      case 'member.role_changed': {
        const member = this.#members.find((m) => m.userId === event.data.userId);
        if (member) member.role = event.data.role;
        if (event.data.userId === this.#client.user?.id) this.conversation.role = event.data.role;
        return;
      }
      case 'conversation.settings_changed':
        this.conversation.allMentions = event.data.allMentions;
        return;
      case 'message.deleted':
        this.#reactions.set(event.data.seq, []);
        return;
      case 'conversation.created':
      case 'conversation.renamed':
      case 'message.edited':
      case 'reaction.added':
      case 'reaction.removed':
        return;
    }
  }
}
