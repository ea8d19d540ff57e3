import {
  ApiError,
  CloseCode,
  type ConnectionState,
  type OutboxEntry,
  type ParleyClient,
  type TimelineItem,
} from '../../../src/client/index.js';
import type {
  ConversationDto,
  MemberDto,
  MessageDto,
  TimelineEventDto,
  UserDto,
} from '../../../src/protocol/schemas.js';
import { describeError } from '../lib/errors.js';
import { Presence } from './presence.js';
import { conversationInLocation, conversationPath, watchBrowser } from './browser.js';
import { Histories } from './histories.js';
import type { TimelineView } from './timeline.js';
import { Typing } from './typing.js';

/** Limits of the node that served the page (read from its `<meta>` tags). */
export interface Limits {
  maxMessageChars: number;
  maxGroupNameChars: number;
}

/** A polite screen-reader announcement; `id` changes so repeated texts are read again. */
export interface Announcement {
  id: number;
  text: string;
}

/**
 * The page's state around one {@link ParleyClient}: conversations, loaded history, the
 * outbox, typing, presence and the connection. Everything live comes from the client library
 * (connect, reconnect, resync, retries, de-duplication happen there); this class only turns
 * its events into what the screens show, and notifies subscribers once per burst of changes.
 */
export class ChatStore {
  readonly client: ParleyClient;
  readonly me: UserDto;
  readonly limits: Limits;
  connection: ConnectionState = 'connecting';
  /** True once the first connection came up: later drops show "reconnecting". */
  everOnline = false;
  /** The browser says there is no network: the connection is paused until it is back. */
  browserOffline = false;
  selectedId: string | null = null;
  announcement: Announcement | null = null;
  /** A short message about something that happened (a failed action, a removal). */
  notice: { id: number; text: string; tone: 'info' | 'error' } | null = null;

  readonly #histories: Histories;
  readonly #members = new Map<string, MemberDto[]>();
  /** Every conversation seen, so a removal can still name it after the client dropped it. */
  readonly #known = new Map<string, ConversationDto>();
  readonly #presence: Presence;
  readonly #typing = new Typing(() => this.#changed());
  readonly #discarded = new Set<string>();
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
    this.#presence = new Presence(this.client.api, () => this.#changed());
    this.#histories = new Histories({
      api: this.client.api,
      changed: () => this.#changed(),
      gone: (id) => this.#forget(id, null),
    });
  }

  /** Subscribes to the client and the browser, and connects. */
  start(): void {
    const { client } = this;
    this.#offs.push(
      client.on('state', (state) => this.#onState(state)),
      client.on('conversation', (c) => {
        this.#known.set(c.id, c);
        if (c.peer) this.#presence.ensure(c.peer);
        this.#changed();
      }),
      client.on('conversation.removed', (e) => this.#forget(e.conversationId, e.reason)),
      client.on('timeline', (item) => this.#onTimeline(item)),
      client.on('typing', (e) => this.#typing.saw(e.conversationId, e.username)),
      client.on('presence', (e) => this.#presence.set(e.username, e.online)),
      client.on('read', () => this.#changed()),
      client.on('outbox', (entry) => this.#onOutbox(entry)),
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
        network: (online) => this.#setBrowserOffline(!online),
        navigated: () => this.#fromLocation(),
        // The outbox lives in this page: closing it with sends not yet stored would lose them.
        hasUnsent: () => this.client.outbox.pending().length > 0,
      }),
    );
    this.#fromLocation();
    this.browserOffline = !navigator.onLine;
    if (!this.browserOffline) client.connect();
    void this.#loadConversations();
  }

  /** Ends the session on this page: disconnects and tells the app (`reason` shown on login). */
  end(reason: string | null): void {
    if (this.#ended) return;
    this.#ended = true;
    for (const off of this.#offs.splice(0)) off();
    this.#typing.dispose();
    this.client.close();
    if (location.pathname !== '/') history.replaceState(null, '', '/');
    this.#onEnd(reason);
  }

  /** Logs out: this session ends everywhere it is open (rule A5). */
  logout(): Promise<void> {
    return this.#endWith('You have logged out.', () => this.client.api.logout());
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
    return [...this.client.conversations.values()].sort(
      (a, b) => b.lastMessageAt - a.lastMessageAt || b.createdAt - a.createdAt,
    );
  }

  conversation(id: string | null): ConversationDto | undefined {
    return id ? this.client.conversations.get(id) : undefined;
  }

  timeline(id: string): TimelineView {
    return this.#histories.view(id);
  }

  /** The user's sends in a conversation that are not (yet) stored: pending or failed. */
  outbox(id: string): OutboxEntry[] {
    return this.client.outbox
      .list()
      .filter(
        (e) => e.conversationId === id && e.state !== 'sent' && !this.#discarded.has(e.clientMsgId),
      );
  }

  /** Who is typing in a conversation right now. */
  typingIn(id: string): string[] {
    return this.#typing.who(id);
  }

  /** Whether a user is online, if known (best effort, rule G7; unknown while we are not). */
  online(username: string | null): boolean | undefined {
    if (!username || this.connection !== 'online') return undefined;
    return this.#presence.get(username);
  }

  members(id: string): MemberDto[] | undefined {
    return this.#members.get(id);
  }

  // --- navigation ----------------------------------------------------------------------------

  /** Opens a conversation (or the list, with null) and records it in the address bar. */
  select(id: string | null, options: { replace?: boolean } = {}): void {
    if (this.selectedId === id) return;
    this.selectedId = id;
    const path = conversationPath(id);
    if (location.pathname !== path) {
      if (options.replace) history.replaceState(null, '', path);
      else history.pushState(null, '', path);
    }
    if (id) void this.open(id);
    this.#changed();
  }

  #fromLocation(): void {
    const id = conversationInLocation();
    this.selectedId = id;
    if (id) void this.open(id);
    this.#changed();
  }

  // --- history -------------------------------------------------------------------------------

  /** Loads a conversation's latest messages, once. */
  open(id: string): Promise<void> {
    return this.#histories.open(id);
  }

  /** Loads the page before the oldest loaded message (infinite scroll). */
  loadOlder(id: string): Promise<void> {
    return this.#histories.loadOlder(id);
  }

  /** Tries a failed first load again. */
  reload(id: string): Promise<void> {
    return this.#histories.reload(id);
  }

  // --- actions -------------------------------------------------------------------------------

  /** Sends through the client's outbox: pending now, sent on ack, retried until then. */
  send(id: string, body: string): void {
    const { done } = this.client.send(id, body);
    this.#typing.sent(id);
    // A final refusal is shown on the message itself (state `failed`, with Retry).
    done.catch(() => undefined);
  }

  retry(clientMsgId: string): void {
    this.client.retry(clientMsgId)?.catch(() => undefined);
  }

  /** Hides a failed send for good. */
  discard(clientMsgId: string): void {
    this.#discarded.add(clientMsgId);
    this.#changed();
  }

  async edit(id: string, seq: number, body: string): Promise<void> {
    const { message } = await this.client.api.editMessage(id, seq, body);
    this.#histories.merge(id, [message]);
    this.#changed();
  }

  async deleteMessage(id: string, seq: number): Promise<void> {
    await this.client.api.deleteMessage(id, seq);
    this.#histories.patch(id, seq, { body: '', deletedAt: Date.now() });
    this.#changed();
  }

  /** Tells the others we are typing, at most every 1.5 s. */
  typing(id: string): void {
    if (this.#typing.due(id)) this.client.typing(id);
  }

  /** Marks everything in a conversation read (when it is on screen, scrolled to the end). */
  markRead(id: string): void {
    const c = this.client.conversations.get(id);
    if (!c || (c.lastReadSeq >= c.lastSeq && c.unreadCount === 0)) return;
    this.client.markRead(id, c.lastSeq);
  }

  /** Opens (creating on first use) the DM with a user. */
  async startDm(username: string): Promise<void> {
    const { conversation } = await this.client.api.dm(username);
    this.#adopt(conversation);
    this.select(conversation.id);
  }

  async createGroup(name: string, members: string[]): Promise<void> {
    const { conversation } = await this.client.api.createGroup(name, members);
    this.#adopt(conversation);
    this.select(conversation.id);
  }

  async loadMembers(id: string): Promise<void> {
    const { members } = await this.client.api.members(id);
    this.#members.set(id, members);
    for (const m of members) if (m.online !== undefined) this.#presence.set(m.username, m.online);
    this.#changed();
  }

  async leave(id: string): Promise<void> {
    await this.client.api.leave(id);
    this.#forget(id, null);
  }

  async deleteGroup(id: string): Promise<void> {
    await this.client.api.deleteGroup(id);
    this.#forget(id, null);
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

  #onState(state: ConnectionState): void {
    this.connection = state;
    if (state === 'online') {
      this.everOnline = true;
      void this.#refreshPresence();
    }
    // A refused upgrade (expired session) looks like a network error to a browser: ask.
    if (state === 'offline' && !this.browserOffline && !this.#ended) void this.#checkSession();
    this.#changed();
  }

  #onTimeline(item: TimelineItem): void {
    if (item.kind === 'message') {
      const m = item.message;
      this.#histories.merge(m.conversationId, [m]);
      this.#typing.stopped(m.conversationId, m.senderName);
      if (m.sender !== this.me.id && !m.deletedAt) this.#announce(m);
    } else {
      this.#onEvent(item.event);
    }
    this.#changed();
  }

  #onEvent(event: TimelineEventDto): void {
    const id = event.conversationId;
    switch (event.type) {
      case 'message.edited':
      case 'message.deleted': {
        const { seq } = event.data;
        const patch: Partial<MessageDto> =
          event.type === 'message.edited'
            ? { body: event.data.body, editedAt: event.data.editedAt ?? event.createdAt }
            : { body: '', deletedAt: event.createdAt };
        this.#histories.patch(id, seq, patch);
        const c = this.client.conversations.get(id);
        if (c?.lastMessage?.seq === seq) c.lastMessage = { ...c.lastMessage, ...patch };
        return;
      }
      case 'member.added':
      case 'member.removed':
      case 'member.left':
      case 'member.role_changed': {
        const aboutMe = event.data.userId === this.me.id;
        if (aboutMe && event.type === 'member.removed') return this.#forget(id, 'removed');
        if (aboutMe && event.type === 'member.left') return this.#forget(id, null);
        // Our role, or a DM peer who deleted their account ("[deleted]"): the summary changed.
        const peerDeleted = event.type === 'member.left' && event.data.reason === 'account_deleted';
        if ((aboutMe && event.type === 'member.role_changed') || peerDeleted)
          this.#refreshConversations();
        if (this.#members.has(id)) void this.loadMembers(id).catch(() => undefined);
        return;
      }
      case 'conversation.created':
      case 'conversation.renamed':
        return;
    }
  }

  #onOutbox(entry: OutboxEntry): void {
    if (entry.state === 'sent' && entry.message) {
      // The acked message joins the history; the client keeps only unacknowledged sends.
      this.#histories.merge(entry.conversationId, [entry.message]);
      this.client.outbox.prune();
    }
    this.#changed();
  }

  #announce(m: MessageDto): void {
    const c = this.client.conversations.get(m.conversationId);
    const where =
      c && m.conversationId !== this.selectedId && c.kind === 'group' ? ` in ${c.name}` : '';
    this.announcement = { id: ++this.#counter, text: `${m.senderName}${where}: ${m.body}` };
  }

  // --- helpers -------------------------------------------------------------------------------

  async #loadConversations(): Promise<void> {
    try {
      for (const c of await this.client.refreshConversations()) this.#known.set(c.id, c);
      void this.#refreshPresence();
    } catch (err) {
      this.notify(describeError(err), 'error');
    }
    this.#changed();
  }

  /** Presence of DM peers (group members' comes with the member list). */
  async #refreshPresence(): Promise<void> {
    const peers = [...this.client.conversations.values()].flatMap((c) => (c.peer ? [c.peer] : []));
    await this.#presence.refresh(peers);
  }

  /** Reloads the conversation summaries (roles, peers) after a change the timeline implies. */
  #refreshConversations(): void {
    this.client.refreshConversations().then(
      (list) => {
        for (const c of list) this.#known.set(c.id, c);
        this.#changed();
      },
      () => undefined,
    );
  }

  async #checkSession(): Promise<void> {
    try {
      await this.client.api.me();
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) this.end('Your session has ended.');
    }
  }

  #setBrowserOffline(offline: boolean): void {
    if (this.browserOffline === offline || this.#ended) return;
    this.browserOffline = offline;
    // Without a network the socket is dead even if the browser has not noticed yet: pause the
    // client, and resume at once when the network is back (it resyncs from its cursors).
    if (offline) this.client.close();
    else this.client.connect();
    this.#changed();
  }

  #adopt(conversation: ConversationDto): void {
    this.#known.set(conversation.id, conversation);
    if (!this.client.conversations.has(conversation.id))
      this.client.conversations.set(conversation.id, conversation);
    if (conversation.peer) this.#presence.ensure(conversation.peer);
    this.#changed();
  }

  /** Drops a conversation the user no longer belongs to, saying why when someone else did it. */
  #forget(id: string, why: 'deleted' | 'removed' | null): void {
    const c = this.client.conversations.get(id) ?? this.#known.get(id);
    this.client.conversations.delete(id);
    this.#known.delete(id);
    this.#histories.forget(id);
    this.#members.delete(id);
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
