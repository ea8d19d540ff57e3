import {
  CloseCode,
  type OutboxEntry,
  type ParleyClient,
  type TimelineItem,
} from '../../../src/client/index.js';
import type {
  AttachmentDto,
  ConversationDto,
  MemberDto,
  UserDto,
} from '../../../src/protocol/schemas.js';
import { describeError } from '../lib/errors.js';
import { Alerts } from './alerts.js';
import { Presence } from './presence.js';
import { Search } from './search.js';
import { conversationInLocation, conversationPath, watchBrowser } from './browser.js';
import { Connectivity } from './connectivity.js';
import { ConversationList } from './conversation-list.js';
import { Histories } from './histories.js';
import { Mentions } from './mentions.js';
import { Groups } from './groups.js';
import { Sends } from './sends.js';
import { Threads } from './threads.js';
import { applyTimeline } from './timeline-effects.js';
import type { HistoryView } from './history.js';
import type { Announcement, Limits } from './store-types.js';
import { Typing } from './typing.js';

export type { Announcement, Limits } from './store-types.js';

/**
 * The page's state around one {@link ParleyClient}: conversations, loaded history, the
 * outbox, typing, presence and the connection. Everything live comes from the client library
 * (connect, reconnect, resync, retries, de-duplication happen there); this class only turns
 * its events into what the screens show (with ConversationList, Histories, Sends, Connectivity,
 * Typing, Presence and applyTimeline), and notifies subscribers once per burst of changes.
 */
export class ChatStore {
  readonly client: ParleyClient;
  readonly me: UserDto;
  readonly limits: Limits;
  selectedId: string | null = null;
  announcement: Announcement | null = null;
  /** A short message about something that happened (a failed action, a removal). */
  notice: { id: number; text: string; tone: 'info' | 'error' } | null = null;
  /** The message a jump asked to show (scrolled to and highlighted); `id` is per jump. */
  focus: { id: number; conversationId: string; seq: number } | null = null;
  /** The thread open in the thread panel. */
  readonly threads: Threads;
  /** Unread mention counts and the mention list. */
  readonly mentions: Mentions;
  /** Each opened conversation's loaded history (open, older pages, reload). */
  readonly histories: Histories;
  /** The outbox as shown (retry, discard), and the message each composer replies to. */
  readonly sends: Sends;
  /** Message search (UI6); desktop notifications, Web Push, mute, do-not-disturb (UI7, UI8). */
  readonly search = new Search(this, () => this.#changed());
  readonly alerts = new Alerts(this, () => this.#changed());
  /** The connection as the screens show it (state, first connection, the browser's network). */
  readonly connectivity: Connectivity;
  /** Create, join, leave, delete groups; server admin or not, the user's mutes (PG1-PG10). */
  readonly groups: Groups;

  readonly #conversations: ConversationList;
  readonly #presence: Presence;
  readonly #typing = new Typing(() => this.#changed());
  readonly #listeners = new Set<() => void>();
  readonly #offs: Array<() => void> = [];
  readonly #onEnd: (reason: string | null) => void;
  /** Why the session is ending, when this page asked for it (its socket closes first). */
  #endReason: string | null = null;
  #scheduled = false;
  #counter = 0;
  #ended = false;

  constructor(options: {
    client: ParleyClient;
    me: UserDto;
    limits: Limits;
    onEnd: (reason: string | null) => void;
  }) {
    this.client = options.client;
    this.me = options.me;
    this.limits = options.limits;
    this.#onEnd = options.onEnd;
    const { client } = this;
    const changed = () => this.#changed();
    this.#presence = new Presence(client.api, changed);
    this.histories = new Histories({
      api: client.api,
      changed,
      gone: (id) => this.#forget(id, null),
    });
    this.threads = new Threads({ api: client.api, changed });
    this.mentions = new Mentions({ api: client.api, me: this.me.id, changed });
    this.groups = new Groups({
      api: client.api,
      me: this.me.id,
      changed,
      open: (c) => this.#open(c),
      forget: (id) => this.#forget(id, null),
    });
    this.sends = new Sends({
      client,
      histories: this.histories,
      threads: this.threads,
      typing: this.#typing,
      changed,
    });
    this.connectivity = new Connectivity({
      client,
      changed,
      online: () => this.#conversations.online(),
      sessionGone: () => this.end('Your session has ended.'),
    });
    const { mentions } = this;
    this.#conversations = new ConversationList({
      client,
      presence: this.#presence,
      mentions,
      changed,
    });
  }

  /** Subscribes to the client and the browser, and connects. */
  start(): void {
    const { client } = this;
    this.#offs.push(
      client.on('state', (state) => this.connectivity.onState(state)),
      client.on('conversation', (c) => {
        this.#conversations.saw(c);
        this.#changed();
      }),
      client.on('conversation.removed', (e) => this.#forget(e.conversationId, e.reason)),
      client.on('timeline', (item) => this.#onTimeline(item)),
      client.on('typing', (e) => this.#typing.saw(e.conversationId, e.username)),
      client.on('presence', (e) => this.#presence.set(e.username, e.online)),
      client.on('read', (e) => {
        this.mentions.read(e.conversationId, e.seq);
        this.#changed();
      }),
      client.on('receipt', (e) => this.#conversations.receipt(e)),
      client.on('outbox', (entry) => this.sends.changed(entry)),
      client.on('session.ended', (e) =>
        this.end(
          this.#endReason ??
            (e.code === CloseCode.SessionRevoked
              ? 'You were logged out.'
              : 'Your session has ended.'),
        ),
      ),
    );
    this.#offs.push(
      watchBrowser({
        network: (online) => this.connectivity.setBrowserOffline(!online),
        navigated: () => this.#fromLocation(),
        // The outbox lives in this page: closing it with sends not yet stored would lose them.
        hasUnsent: () => this.client.outbox.pending().length > 0,
      }),
    );
    this.#fromLocation();
    this.connectivity.start();
    void this.#loadConversations();
    void this.groups.start();
    this.#offs.push(this.alerts.start());
  }

  /** Ends the session on this page: disconnects and tells the app (`reason` shown on login). */
  end(reason: string | null): void {
    if (this.#ended) return;
    this.#ended = true;
    this.connectivity.stop();
    for (const off of this.#offs.splice(0)) off();
    this.#typing.dispose();
    this.alerts.stop();
    this.client.close();
    if (location.pathname !== '/') history.replaceState(null, '', '/');
    this.#onEnd(reason);
  }

  /** Logs out: this session ends everywhere it is open (rule A5). */
  logout(): Promise<void> {
    return this.#endWith('You have logged out.', () => this.alerts.loggingOut(this.client.api));
  }

  /** Deletes the account (rule A6); the password confirms it. */
  deleteAccount(password: string): Promise<void> {
    return this.#endWith('Your account was deleted.', () =>
      this.client.api.deleteAccount(password),
    );
  }

  async #endWith(reason: string, call: () => Promise<void>): Promise<void> {
    this.#endReason = reason;
    try {
      await call();
    } catch (err) {
      this.#endReason = null;
      throw err;
    }
    this.end(reason);
  }

  /** Calls `listener` after changes (batched per microtask); returns the unsubscribe. */
  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  // --- reading -------------------------------------------------------------------------------

  /** Conversations, most recent activity first. */
  conversations(): ConversationDto[] {
    return this.#conversations.sorted();
  }

  conversation(id: string | null): ConversationDto | undefined {
    return this.#conversations.get(id);
  }

  history(id: string): HistoryView {
    return this.histories.view(id);
  }

  /** The user's sends in a conversation that are not (yet) stored: pending or failed. */
  outbox(id: string): OutboxEntry[] {
    return this.sends.unsent(id);
  }

  /** Who is typing in a conversation right now. */
  typingIn(id: string): string[] {
    return this.#typing.who(id);
  }

  /** Whether a user is online, if known (best effort, rule G7; unknown while we are not). */
  online(username: string | null): boolean | undefined {
    if (!username || this.connectivity.state !== 'online') return undefined;
    return this.#presence.get(username);
  }

  members(id: string): MemberDto[] | undefined {
    return this.#conversations.members(id);
  }

  // --- navigation ----------------------------------------------------------------------------

  /** Opens a conversation (or the list, with null) and records it in the address bar. */
  select(id: string | null, options: { replace?: boolean } = {}): void {
    if (this.selectedId === id) return;
    this.selectedId = id;
    this.focus = null;
    this.threads.close();
    const path = conversationPath(id);
    if (location.pathname !== path) {
      if (options.replace) history.replaceState(null, '', path);
      else history.pushState(null, '', path);
    }
    if (id) void this.histories.open(id);
    this.#changed();
  }

  #fromLocation(): void {
    const id = conversationInLocation();
    this.selectedId = id;
    if (id) void this.histories.open(id);
    this.#changed();
  }

  // --- actions -------------------------------------------------------------------------------

  /**
   * Sends through the outbox (pending, sent on ack); a reply to `replyTo` or the composer's,
   * with the given uploaded files.
   */
  send(id: string, body: string, replyTo?: number, attachments: AttachmentDto[] = []): void {
    if (this.histories.view(id).hasNewer) void this.histories.reload(id); // back to the latest
    this.sends.send(id, body, replyTo, attachments);
  }

  /** Opens a conversation at one of its messages (history read around it), highlighted. */
  async jumpTo(id: string, seq: number): Promise<void> {
    this.select(id);
    const found = await this.histories.around(id, seq);
    if (found) this.focus = { id: ++this.#counter, conversationId: id, seq };
    else if (this.selectedId === id) this.notify('That message is not in the conversation.');
    this.#changed();
  }

  async edit(id: string, seq: number, body: string): Promise<void> {
    const { message } = await this.client.api.editMessage(id, seq, body);
    this.histories.merge(id, [message]);
    this.#changed();
  }

  async deleteMessage(id: string, seq: number): Promise<void> {
    const sender = this.histories.message(id, seq)?.sender ?? this.me.id;
    await this.client.api.deleteMessage(id, seq);
    // Applied as its event will be (quotes, thread count, a moderator's `by`): it changes nothing.
    const [at, actor] = [Date.now(), this.me.id];
    const by = { userId: actor, username: this.me.username };
    const data = { seq, deletedAt: at, ...(sender === actor ? {} : { by }) };
    const event = { conversationId: id, seq, actor, data, createdAt: at };
    this.#onTimeline({ kind: 'event', event: { ...event, type: 'message.deleted' } });
  }

  /** Tells the others we are typing, at most every 1.5 s. */
  typing(id: string): void {
    if (this.#typing.due(id)) this.client.typing(id);
  }

  /** Marks a conversation read up to `seq` (what is on screen, scrolled to the end). */
  markRead(id: string, seq: number): void {
    const c = this.client.conversations.get(id);
    if (c && this.mentions.read(id, seq)) this.#changed();
    if (!c || (c.lastReadSeq >= seq && c.unreadCount === 0)) return;
    this.client.markRead(id, seq);
  }

  /** Opens (creating on first use) the DM with a user. */
  async startDm(username: string): Promise<void> {
    const { conversation } = await this.client.api.dm(username);
    this.#open(conversation);
  }

  loadMembers(id: string): Promise<void> {
    return this.#conversations.loadMembers(id);
  }

  /** Shows a short notice (the toast at the bottom of the screen). */
  notify(text: string, tone: 'info' | 'error' = 'info'): void {
    this.notice = { id: ++this.#counter, text, tone };
    this.#changed();
  }

  dismissNotice(): void {
    this.notice = null;
    this.#changed();
  }

  // --- client events -------------------------------------------------------------------------

  #onTimeline(item: TimelineItem): void {
    if (item.kind === 'message') this.alerts.message(item.message); // before it is merged
    applyTimeline(item, {
      me: this.me.id,
      histories: this.histories,
      conversations: this.#conversations,
      threads: this.threads,
      mentions: this.mentions,
      typing: this.#typing,
      groups: this.groups,
      forget: (id, why) => this.#forget(id, why),
      selectedId: this.selectedId,
      announce: (text) => (this.announcement = { id: ++this.#counter, text }),
    });
    this.#changed();
  }

  // --- helpers -------------------------------------------------------------------------------

  async #loadConversations(): Promise<void> {
    try {
      await this.#conversations.load();
      void this.#conversations.refreshPresence();
    } catch (err) {
      this.notify(describeError(err), 'error');
    }
    this.#changed();
  }

  /** Adds a conversation this page created, joined or opened over REST, and opens it. */
  #open(conversation: ConversationDto): void {
    this.#conversations.adopt(conversation);
    this.select(conversation.id);
  }

  /** Drops a conversation the user no longer belongs to, saying why when someone else did it. */
  #forget(id: string, why: 'deleted' | 'removed' | null): void {
    const c = this.#conversations.forget(id);
    this.histories.forget(id);
    this.threads.forget(id);
    this.mentions.forget(id);
    this.groups.forgot(id);
    const name = c?.kind === 'group' ? `“${c.name}”` : 'this conversation';
    if (why === 'deleted' && c) this.notify(`${name} was deleted.`);
    if (why === 'removed' && c) this.notify(`You were removed from ${name}.`);
    if (this.selectedId === id) this.select(null, { replace: true });
    this.#changed();
  }

  #changed(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    queueMicrotask(() => {
      this.#scheduled = false;
      for (const listener of [...this.#listeners]) listener();
    });
  }
}
