import { AppError } from '../domain/errors.js';
import type { Conversation, Message, User } from '../domain/model.js';
import type { ConversationsStore, MembersStore, UsersStore } from '../ports/store.js';
import type { ServiceDeps } from './deps.js';
import { requireMember } from './membership.js';
import { Publications } from './publications.js';
import type { PushService } from './push.js';

/** The longest preview a push carries, in code points (rule N5). */
export const PUSH_PREVIEW_MAX = 140;

/** What NotificationService uses: conversations, members (mute), users (do-not-disturb). */
export type NotificationDeps = Pick<ServiceDeps, 'bus' | 'log' | 'now'> & {
  store: Pick<ConversationsStore, 'getConversation'> &
    Pick<MembersStore, 'getMember' | 'listMemberIds' | 'setMuted' | 'mutedAmong'> &
    Pick<UsersStore, 'usersInDoNotDisturb'>;
};

/** What the notifier needs besides the store. */
export interface NotifierOptions {
  push: PushService;
  /** Of `userIds`, those with an open socket on any node (presence, rule G7). */
  onlineAmong(userIds: string[]): Promise<Set<string>>;
  /** A message body as plain text (no markup), for the preview. */
  plainText(body: string): string;
}

/** The JSON a push carries (rule N5); the service worker shows it. */
export interface PushPayload {
  v: 1;
  kind: 'dm' | 'mention';
  conversationId: string;
  seq: number;
  title: string;
  body: string;
  tag: string;
  url: string;
}

/**
 * Notifications (rules N1-N5): per-conversation mute, and the notifier that tells recipients
 * of a new message who have no open socket anywhere by Web Push. `messageSent` only queues
 * work: whatever happens to a notification, the send it follows has already succeeded.
 */
export class NotificationService {
  readonly #deps: NotificationDeps;
  readonly #options: NotifierOptions;

  constructor(deps: NotificationDeps, options: NotifierOptions) {
    this.#deps = deps;
    this.#options = options;
  }

  /** Mutes or unmutes the conversation for `me` (rule N3); every socket of theirs hears of it. */
  async setMuted(me: User, conversationId: string, muted: boolean): Promise<boolean> {
    const { store } = this.#deps;
    await requireMember(store, conversationId, me.id);
    // A member removed since the check: no row to update, answered like a non-member.
    if (!(await store.setMuted(conversationId, me.id, muted)))
      throw new AppError('not_found', 'conversation not found');
    const pubs = new Publications();
    pubs.muted(me.id, conversationId, muted);
    pubs.publish(this.#deps.bus);
    return muted;
  }

  /** A new message committed on this node (MessageServiceOptions.onSent): queues its pushes. */
  messageSent(message: Message): void {
    this.#options.push.enqueue(() => this.#notify(message));
  }

  /**
   * Who a message notifies (rules N1-N4): the DM peer, or the members a group message
   * mentions (all of them for @all); never the sender, nobody who muted the conversation or
   * is in do-not-disturb. `kind` says which case it is.
   */
  async recipientsOf(
    message: Message,
    conversation: Conversation,
  ): Promise<{ kind: 'dm' | 'mention'; userIds: string[] }> {
    const { kind, userIds } = await this.#candidates(message, conversation);
    return { kind, userIds: await this.#reachable(message.conversationId, userIds) };
  }

  /** Who the message is for (rules N1, N2), before mutes and do-not-disturb. */
  async #candidates(
    message: Message,
    conversation: Conversation,
  ): Promise<{ kind: 'dm' | 'mention'; userIds: string[] }> {
    const kind = conversation.kind === 'dm' ? 'dm' : 'mention';
    const candidates =
      kind === 'dm' || message.mentionsAll
        ? await this.#deps.store.listMemberIds(message.conversationId)
        : message.mentions;
    return { kind, userIds: [...new Set(candidates)].filter((id) => id !== message.sender) };
  }

  /** Of `userIds`, those who did not mute the conversation and are not in do-not-disturb. */
  async #reachable(conversationId: string, userIds: string[]): Promise<string[]> {
    if (userIds.length === 0) return [];
    const { store } = this.#deps;
    const [muted, busy] = await Promise.all([
      store.mutedAmong(conversationId, userIds),
      store.usersInDoNotDisturb(userIds, this.#deps.now()),
    ]);
    return userIds.filter((id) => !muted.has(id) && !busy.has(id));
  }

  /** The push of a message (rule N5): title, plain-text preview, where a click leads. */
  payloadOf(message: Message, conversation: Conversation, kind: 'dm' | 'mention'): PushPayload {
    const title =
      kind === 'dm' ? message.senderName : `${message.senderName} in ${conversation.name ?? ''}`;
    return {
      v: 1,
      kind,
      conversationId: message.conversationId,
      seq: message.seq,
      title,
      body: this.#preview(message),
      tag: `${message.conversationId}:${message.seq}`,
      url: `/c/${message.conversationId}`,
    };
  }

  /**
   * Cheapest question first: most recipients of a message are online (an open tab notifies by
   * itself, N5), and presence answers from memory for sockets on this node, so the mute and
   * do-not-disturb reads run only for those offline. Same recipients as recipientsOf.
   */
  async #notify(message: Message): Promise<void> {
    const conversation = await this.#deps.store.getConversation(message.conversationId);
    if (!conversation) return; // deleted meanwhile
    const { kind, userIds } = await this.#candidates(message, conversation);
    if (userIds.length === 0) return;
    const online = await this.#options.onlineAmong(userIds);
    const offline = userIds.filter((id) => !online.has(id));
    const recipients = await this.#reachable(message.conversationId, offline);
    if (recipients.length === 0) return;
    await this.#options.push.notify(recipients, this.payloadOf(message, conversation, kind));
  }

  #preview(message: Message): string {
    const text = this.#options.plainText(message.body).replace(/\s+/g, ' ').trim();
    if (text === '') {
      const file = message.attachments[0];
      return file ? truncate(`📎 ${file.name}`) : '';
    }
    return truncate(text);
  }
}

/** At most PUSH_PREVIEW_MAX code points, an ellipsis marking a cut. */
function truncate(text: string): string {
  const points = [...text];
  if (points.length <= PUSH_PREVIEW_MAX) return text;
  return points.slice(0, PUSH_PREVIEW_MAX - 1).join('') + '…';
}
