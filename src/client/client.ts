import type { ServerFrame, SideEvent } from '../protocol/frames.js';
import type {
  ConversationDto,
  MessageDto,
  TimelineEventDto,
  UserDto,
} from '../protocol/schemas.js';
import { CloseCode, ErrorCode, FINAL_CLOSE_CODES } from '../protocol/codes.js';
import { MAX_CURSORS_PER_FRAME } from '../protocol/limits.js';
import { PROTOCOL_VERSION } from '../protocol/version.js';
import { Backoff } from './backoff.js';
import { Emitter } from './emitter.js';
import { ClientErrorCode } from './error-codes.js';
import { NodeList } from './node-list.js';
import { Outbox, type OutboxEntry } from './outbox.js';
import { RestApi } from './rest.js';
import { Cursors } from './cursors.js';
import { globalWebSocketFactory, type WebSocketFactory, type WebSocketLike } from './transport.js';

/** Connection state, reported as `state` events. */
export type ConnectionState = 'connecting' | 'syncing' | 'online' | 'offline';

/** One entry of a conversation's timeline as the application receives it. */
export type TimelineItem =
  { kind: 'message'; message: MessageDto } | { kind: 'event'; event: TimelineEventDto };

/** Everything the client reports; also the items of {@link ParleyClient.events}. */
export interface ClientEvents {
  state: ConnectionState;
  /** Every timeline entry, exactly once per conversation and in seq order. */
  timeline: TimelineItem;
  message: MessageDto;
  conversation: ConversationDto;
  'conversation.removed': { conversationId: string; reason: 'deleted' | 'removed' };
  typing: { conversationId: string; userId: string; username: string };
  presence: { userId: string; username: string; online: boolean };
  read: { conversationId: string; seq: number };
  outbox: OutboxEntry;
  /** The session ended (logout elsewhere, account deleted, token invalid): no more reconnects. */
  'session.ended': { code: number; reason: string };
  /** A non-fatal problem worth showing (e.g. a protocol error frame). */
  warning: { code: string; message: string };
}

/** A tagged client event, as produced by async iteration. */
export type ClientEvent = {
  [K in keyof ClientEvents]: { type: K; data: ClientEvents[K] };
}[keyof ClientEvents];

/** Options of {@link ParleyClient}. */
export interface ClientOptions {
  /** One or more node base URLs (http://host:port); the client fails over between them. */
  urls: string[];
  token?: string | null;
  /** WebSocket constructor; defaults to the global one (browsers, Node 22+). */
  webSocket?: WebSocketFactory;
  fetch?: typeof fetch;
  /** Reconnect delays; `random` also picks the node to move to and spreads the refresh after. */
  backoff?: { baseMs?: number; maxMs?: number; random?: () => number };
  /** Positions the application already holds (e.g. restored from disk). */
  cursors?: Record<string, number>;
  /** How long to wait for `ready` before giving up on a node. */
  connectTimeoutMs?: number;
  /**
   * Liveness of a ready socket: after this long without a frame the client sends `ping`, and
   * gives the socket up (and connects again) when the ping stays unanswered as long (a node
   * that vanished without closing its connections, a partition). Default 10 s.
   */
  heartbeatMs?: number;
  /** Delay before re-sending a send refused with a retryable code. */
  retryDelayMs?: number;
  /** Browser pages: the HttpOnly session cookie authenticates REST and the WebSocket upgrade. */
  cookieSession?: boolean;
  /**
   * Learn the cluster's other nodes after connecting, for failover (default true). Cookie
   * sessions default to false: the cookie and the Origin check bind a page to its own origin.
   */
  discover?: boolean;
}

const SIDE_EVENT_TYPES: ReadonlySet<string> = new Set<SideEvent['type']>([
  'conversation.added',
  'conversation.deleted',
  'conversation.removed',
  'read',
]);

/** Timeline events carry a seq in the conversation's order; side events do not take part. */
function isTimelineEvent(event: TimelineEventDto | SideEvent): event is TimelineEventDto {
  return !SIDE_EVENT_TYPES.has(event.type);
}

/**
 * After a reconnect, the conversation list and the node list are read over REST once the client
 * is caught up, within this long (uniformly spread): a node whose clients all arrive at once
 * serves their handshakes and replays first, not hundreds of list requests in the same instant.
 */
const REFRESH_SPREAD_MS = 2_000;

/**
 * The Parley client library: the one implementation of connect, failover, reconnect with
 * jittered backoff, resync from cursors, retried sends and de-duplication. Browser-safe.
 */
export class ParleyClient extends Emitter<ClientEvents> {
  readonly api: RestApi;
  readonly outbox = new Outbox();
  readonly cursors = new Cursors();
  readonly conversations = new Map<string, ConversationDto>();
  user: UserDto | null = null;
  nodeId: string | null = null;
  #state: ConnectionState = 'offline';
  readonly #nodes: NodeList;
  readonly #webSocket: WebSocketFactory;
  readonly #backoff: Backoff;
  readonly #random: () => number;
  readonly #connectTimeoutMs: number;
  readonly #heartbeatMs: number;
  /** When the current socket last received a frame. */
  #heardAt = 0;
  readonly #retryDelayMs: number;
  readonly #discover: boolean;
  #ws: WebSocketLike | null = null;
  #running = false;
  #everReady: boolean;
  /** A `ready` arrived on an earlier socket of this client. */
  #readyBefore = false;
  /** The REST refresh waits for `online` (after a reconnect). */
  #refreshDue = false;
  #pendingSynced = 0;
  /** Conversations being refilled after a gap: entries are dropped until their `synced`. */
  readonly #filling = new Set<string>();
  /** `sync` frames sent on this socket and not yet answered, by ref (sent again if refused). */
  readonly #syncs = new Map<string, { cursors: Record<string, number>; counted: boolean }>();
  #syncRef = 0;
  /** Cursors beyond what `hello` may carry (rule W9), synced right after `ready`. */
  #overflow: Record<string, number> | null = null;
  #timers = new Set<ReturnType<typeof setTimeout>>();

  constructor(options: ClientOptions) {
    super();
    this.#random = options.backoff?.random ?? Math.random;
    this.#nodes = new NodeList(options.urls, { random: this.#random });
    const webSocket = options.webSocket ?? globalWebSocketFactory();
    if (!webSocket) throw new Error('no WebSocket implementation: pass options.webSocket');
    this.#webSocket = webSocket;
    this.#backoff = new Backoff(options.backoff);
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
    this.#heartbeatMs = options.heartbeatMs ?? 10_000;
    this.#retryDelayMs = options.retryDelayMs ?? 1_000;
    this.#discover = options.discover ?? !options.cookieSession;
    this.api = new RestApi({
      baseUrl: this.#nodes.current,
      token: options.token ?? null,
      fetch: options.fetch,
      cookieSession: options.cookieSession,
    });
    for (const [id, seq] of Object.entries(options.cursors ?? {})) this.cursors.set(id, seq);
    this.#everReady = Object.keys(options.cursors ?? {}).length > 0;
  }

  get state(): ConnectionState {
    return this.#state;
  }

  get token(): string | null {
    return this.api.token;
  }

  /** The node URL currently in use. */
  get url(): string {
    return this.#nodes.current;
  }

  async register(username: string, password: string): Promise<UserDto> {
    return (await this.#anyNode(() => this.api.register(username, password))).user;
  }

  async login(username: string, password: string): Promise<UserDto> {
    const { user } = await this.#anyNode(() => this.api.login(username, password));
    this.user = user;
    return user;
  }

  /** Every node URL the client knows, in the order it learnt them (it fails over among them). */
  get urls(): readonly string[] {
    return this.#nodes.all;
  }

  /**
   * Learns the cluster's live nodes from the current node (rule K3) and adds them to the
   * failover list; nodes already known keep their place.
   */
  async discover(): Promise<readonly string[]> {
    const { nodes } = await this.api.request<{ nodes: Array<{ url: string }> }>(
      'GET',
      '/api/v1/cluster',
    );
    for (const { url } of nodes) this.#nodes.add(url.replace(/\/+$/, ''));
    return this.#nodes.all;
  }

  /** Loads the conversation list (unread counts, last messages) over REST. */
  async refreshConversations(): Promise<ConversationDto[]> {
    const { conversations } = await this.api.conversations();
    for (const c of conversations) this.conversations.set(c.id, c);
    return conversations;
  }

  /** Starts connecting and keeps the connection up until {@link close}. */
  connect(): void {
    if (this.#running) return;
    this.#running = true;
    this.#open();
  }

  /** Resolves when the client is online (connected and caught up). */
  online(): Promise<void> {
    if (this.#state === 'online') return Promise.resolve();
    return new Promise((resolve, reject) => {
      const offState = this.on('state', (s) => {
        if (s !== 'online') return;
        offState();
        offEnded();
        resolve();
      });
      const offEnded = this.on('session.ended', (e) => {
        offState();
        offEnded();
        reject(new Error(`session ended: ${e.reason || e.code}`));
      });
    });
  }

  /**
   * Sends a message: it enters the outbox as `pending`, is written now if online (or on the
   * next connection), retried with the same clientMsgId until acked, and resolves with the
   * stored message. Refusals such as `forbidden` reject with a SendError and mark it `failed`.
   */
  send(
    conversationId: string,
    body: string,
    options: { clientMsgId?: string } = {},
  ): { entry: OutboxEntry; done: Promise<MessageDto> } {
    const result = this.outbox.add(conversationId, body, options.clientMsgId);
    this.emit('outbox', result.entry);
    if (this.#state !== 'connecting' && this.#ws && this.user) this.#write(result.entry);
    return result;
  }

  /** Re-queues a failed send with its original clientMsgId. */
  retry(clientMsgId: string): Promise<MessageDto> | undefined {
    const entry = this.outbox.retry(clientMsgId);
    if (!entry) return undefined;
    this.emit('outbox', entry);
    const done = this.outbox.wait(clientMsgId);
    if (this.#ws && this.user && this.#state !== 'connecting') this.#write(entry);
    return done;
  }

  typing(conversationId: string): void {
    if (this.#state === 'online') this.#frame({ type: 'typing', conversationId });
  }

  markRead(conversationId: string, seq: number): void {
    const conversation = this.conversations.get(conversationId);
    if (conversation) {
      conversation.lastReadSeq = Math.max(conversation.lastReadSeq, seq);
      conversation.unreadCount = 0;
      this.emit('conversation', conversation);
    }
    if (this.#state === 'online' || this.#state === 'syncing')
      this.#frame({ type: 'read', conversationId, seq });
    else void this.api.markRead(conversationId, seq).catch(() => undefined);
  }

  /** Stops reconnecting and closes the socket. */
  close(): void {
    this.#running = false;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    const ws = this.#ws;
    this.#ws = null;
    ws?.close(CloseCode.Normal, 'client closed');
    this.#setState('offline');
  }

  /** Every event as an async iterable (ends when `signal` aborts). */
  async *events(signal?: AbortSignal): AsyncGenerator<ClientEvent> {
    const queue: ClientEvent[] = [];
    let wake: (() => void) | null = null;
    const offs = (
      [
        'state',
        'timeline',
        'message',
        'conversation',
        'conversation.removed',
        'typing',
        'presence',
        'read',
        'outbox',
        'session.ended',
        'warning',
      ] as const
    ).map((type) =>
      this.on(type, (data) => {
        queue.push({ type, data } as ClientEvent);
        wake?.();
      }),
    );
    const aborted = () => wake?.();
    signal?.addEventListener('abort', aborted);
    try {
      while (!signal?.aborted) {
        const next = queue.shift();
        if (next) {
          yield next;
          continue;
        }
        await new Promise<void>((resolve) => (wake = resolve));
        wake = null;
      }
    } finally {
      signal?.removeEventListener('abort', aborted);
      for (const off of offs) off();
    }
  }

  #open(): void {
    if (!this.#running) return;
    this.#setState('connecting');
    const base = this.url;
    const ws = this.#webSocket(base.replace(/^http/, 'ws').replace(/\/+$/, '') + '/api/v1/ws');
    this.#ws = ws;
    const timeout = this.#timer(
      () => this.#lost(ws, base, 'connect timeout'),
      this.#connectTimeoutMs,
    );
    ws.onopen = () => {
      const [cursors, ...rest] = this.#everReady ? chunkCursors(this.cursors.snapshot()) : [];
      this.#syncs.clear();
      this.#overflow = rest.length > 0 ? Object.fromEntries(rest.flatMap(Object.entries)) : null;
      this.#pendingSynced = cursors ? 1 : 0;
      ws.send(
        JSON.stringify({
          type: 'hello',
          protocol: PROTOCOL_VERSION,
          ...(this.api.token ? { token: this.api.token } : {}),
          ...(this.#pendingSynced ? { cursors } : {}),
        }),
      );
    };
    ws.onmessage = (event) => {
      if (this.#ws !== ws) return;
      this.#heardAt = Date.now();
      let frame: ServerFrame;
      try {
        frame = JSON.parse(String(event.data)) as ServerFrame;
      } catch {
        return this.emit('warning', {
          code: ClientErrorCode.InvalidFrame,
          message: 'the server sent a frame that is not JSON',
        });
      }
      if (frame.type === 'ready') {
        clearTimeout(timeout);
        this.#timers.delete(timeout);
        this.#watch(ws, base);
      }
      this.#onFrame(frame);
    };
    ws.onerror = () => undefined;
    ws.onclose = (event) => {
      clearTimeout(timeout);
      this.#timers.delete(timeout);
      if (this.#ws !== ws) return;
      if (FINAL_CLOSE_CODES.has(event.code)) {
        this.#ws = null;
        this.#filling.clear();
        this.#setState('offline');
        this.#running = false;
        this.emit('session.ended', { code: event.code, reason: event.reason });
        return;
      }
      this.#lost(ws, base);
    };
  }

  /**
   * The current socket is gone (closed, or given up): offline, then connect again. A socket
   * given up is closed without waiting for its close handshake, which a vanished peer never
   * answers.
   */
  #lost(ws: WebSocketLike, base: string, giveUp?: string): void {
    if (this.#ws !== ws) return;
    this.#ws = null;
    if (giveUp) ws.close(CloseCode.ClientGaveUp, giveUp);
    this.#filling.clear();
    this.#setState('offline');
    if (!this.#running) return;
    // A node that has not failed lately is tried soon; once every node has, backoff grows.
    const { suspect } = this.#nodes.failed(base);
    this.#timer(() => this.#open(), suspect ? this.#backoff.next() : this.#backoff.soon());
  }

  /**
   * Pings a ready socket that has been quiet, and gives it up when a ping stays unanswered for
   * `heartbeatMs` (measured from the ping, so a throttled background tab is not taken for a
   * dead node).
   */
  #watch(ws: WebSocketLike, base: string): void {
    let pingedAt: number | null = null;
    const check = () => {
      if (this.#ws !== ws) return;
      const now = Date.now();
      if (pingedAt !== null && this.#heardAt >= pingedAt) pingedAt = null;
      if (pingedAt !== null && now - pingedAt >= this.#heartbeatMs)
        return this.#lost(ws, base, 'no answer from the node');
      if (pingedAt === null && now - this.#heardAt >= this.#heartbeatMs) {
        pingedAt = now;
        this.#frame({ type: 'ping', ref: 'heartbeat' });
      }
      this.#timer(check, this.#heartbeatMs / 2);
    };
    this.#timer(check, this.#heartbeatMs / 2);
  }

  #onFrame(frame: ServerFrame): void {
    switch (frame.type) {
      case 'ready':
        return this.#onReady(frame);
      case 'ack': {
        const entry = this.outbox.acked(frame.clientMsgId, frame.message);
        if (entry) this.emit('outbox', entry);
        return;
      }
      case 'message':
        return this.#onTimeline({ kind: 'message', message: frame.message });
      case 'event':
        return isTimelineEvent(frame.event)
          ? this.#onTimeline({ kind: 'event', event: frame.event })
          : this.#onSideEvent(frame.event);
      case 'synced':
        return this.#onSynced(frame.cursors, frame.ref);
      case 'typing':
        return this.emit('typing', {
          conversationId: frame.conversationId,
          userId: frame.userId,
          username: frame.username,
        });
      case 'presence':
        return this.emit('presence', {
          userId: frame.userId,
          username: frame.username,
          online: frame.online,
        });
      case 'error':
        return this.#onError(frame.code, frame.message, frame.ref);
      case 'pong':
        return;
    }
  }

  #onReady(frame: Extract<ServerFrame, { type: 'ready' }>): void {
    this.user = frame.user;
    this.nodeId = frame.nodeId;
    this.api.baseUrl = this.url;
    this.#nodes.succeeded();
    this.#backoff.reset();
    // Conversations that appeared while away replay from their start; on a first connection
    // the client adopts the current positions (history is read over REST on demand).
    const fresh: Record<string, number> = {};
    for (const [id, seq] of Object.entries(frame.cursors)) {
      if (this.cursors.has(id)) continue;
      if (this.#everReady) fresh[id] = 0;
      else this.cursors.set(id, seq);
    }
    this.#everReady = true;
    for (const id of Object.keys(fresh)) this.cursors.set(id, 0);
    this.#sync({ ...this.#overflow, ...fresh }, true);
    this.#overflow = null;
    if (this.#readyBefore) this.#refreshDue = true;
    else this.#refresh();
    this.#readyBefore = true;
    if (this.#pendingSynced > 0) this.#setState('syncing');
    else this.#caughtUp();
    for (const entry of this.outbox.pending()) this.#write(entry);
  }

  /** Online; after a reconnect, the REST refresh follows a moment later. */
  #caughtUp(): void {
    this.#setState('online');
    if (!this.#refreshDue) return;
    this.#refreshDue = false;
    this.#timer(() => this.#refresh(), Math.round(this.#random() * REFRESH_SPREAD_MS));
  }

  /** Reloads the conversation list (unread counts, last messages) and learns the nodes (K3). */
  #refresh(): void {
    void this.refreshConversations().then(
      (list) => list.forEach((c) => this.emit('conversation', c)),
      () => undefined,
    );
    if (this.#discover) void this.discover().catch(() => undefined);
  }

  /**
   * Sends `sync` frames for `cursors`, at most {@link MAX_CURSORS_PER_FRAME} each; `counted`
   * ones hold the state at `syncing` until answered.
   */
  #sync(cursors: Record<string, number>, counted: boolean): void {
    for (const chunk of chunkCursors(cursors)) {
      const ref = `sync-${++this.#syncRef}`;
      this.#syncs.set(ref, { cursors: chunk, counted });
      if (counted) this.#pendingSynced += 1;
      this.#frame({ type: 'sync', cursors: chunk, ref });
    }
  }

  #onSynced(cursors: Record<string, number>, ref: string | undefined): void {
    for (const id of Object.keys(cursors)) this.#filling.delete(id);
    const sync = ref === undefined ? undefined : this.#syncs.get(ref);
    if (sync) this.#syncs.delete(ref!);
    if (sync?.counted !== false && this.#pendingSynced > 0) {
      this.#pendingSynced -= 1;
      if (this.#pendingSynced === 0 && this.#state === 'syncing') this.#caughtUp();
    }
  }

  #onTimeline(item: TimelineItem): void {
    const conversationId =
      item.kind === 'message' ? item.message.conversationId : item.event.conversationId;
    const seq = item.kind === 'message' ? item.message.seq : item.event.seq;
    if (this.#filling.has(conversationId)) {
      // A refill is under way: the replay delivers everything after the cursor in order.
      if (this.cursors.admit(conversationId, seq) !== 'deliver') return;
    } else {
      const admission = this.cursors.admit(conversationId, seq);
      if (admission === 'duplicate') return;
      if (admission === 'gap') {
        // Before `synced` the pending replay covers the gap; later, ask for a refill.
        if (this.#state === 'online') {
          this.#filling.add(conversationId);
          this.#sync({ [conversationId]: this.cursors.get(conversationId) ?? 0 }, false);
        }
        return;
      }
    }
    this.#apply(conversationId, item);
    this.emit('timeline', item);
    if (item.kind === 'message') this.emit('message', item.message);
  }

  /** Keeps the cached conversation summary in step with its timeline. */
  #apply(conversationId: string, item: TimelineItem): void {
    const conversation = this.conversations.get(conversationId);
    if (!conversation) return;
    if (item.kind === 'message') {
      conversation.lastSeq = Math.max(conversation.lastSeq, item.message.seq);
      conversation.lastMessage = item.message;
      conversation.lastMessageAt = item.message.createdAt;
      if (item.message.sender !== this.user?.id && item.message.seq > conversation.lastReadSeq)
        conversation.unreadCount += 1;
    } else {
      conversation.lastSeq = Math.max(conversation.lastSeq, item.event.seq);
      if (item.event.type === 'conversation.renamed') conversation.name = item.event.data.name;
      if (item.event.type === 'member.added') conversation.memberCount += 1;
      if (item.event.type === 'member.removed' || item.event.type === 'member.left')
        conversation.memberCount -= 1;
    }
    this.emit('conversation', conversation);
  }

  #onSideEvent(event: SideEvent): void {
    switch (event.type) {
      case 'conversation.added':
        this.conversations.set(event.conversationId, event.conversation);
        this.emit('conversation', event.conversation);
        return;
      case 'conversation.deleted':
      case 'conversation.removed':
        this.conversations.delete(event.conversationId);
        this.cursors.delete(event.conversationId);
        this.#filling.delete(event.conversationId);
        this.emit('conversation.removed', {
          conversationId: event.conversationId,
          reason: event.type === 'conversation.deleted' ? 'deleted' : 'removed',
        });
        return;
      case 'read': {
        const conversation = this.conversations.get(event.conversationId);
        if (conversation) {
          conversation.lastReadSeq = Math.max(conversation.lastReadSeq, event.seq);
          conversation.unreadCount = 0;
          this.emit('conversation', conversation);
        }
        this.emit('read', { conversationId: event.conversationId, seq: event.seq });
        return;
      }
    }
  }

  #onError(code: string, message: string, ref: string | undefined): void {
    const sync = ref === undefined ? undefined : this.#syncs.get(ref);
    if (sync && ref) return this.#syncRefused(ref, sync, code, message);
    const entry = ref ? this.outbox.get(ref) : undefined;
    if (!entry) return this.emit('warning', { code, message });
    const updated = this.outbox.refused(entry.clientMsgId, code, message);
    if (!updated) return;
    this.emit('outbox', updated);
    if (updated.state === 'pending') {
      this.#timer(() => {
        if (updated.state === 'pending' && this.#state !== 'connecting') this.#write(updated);
      }, this.#retryDelayMs);
    }
  }

  /** A refused `sync`: sent again later when it was only too fast, else given up on. */
  #syncRefused(
    ref: string,
    sync: { cursors: Record<string, number>; counted: boolean },
    code: string,
    message: string,
  ): void {
    const ws = this.#ws;
    if (code === ErrorCode.RateLimited) {
      this.#timer(() => {
        if (this.#ws === ws && this.#syncs.has(ref))
          this.#frame({ type: 'sync', cursors: sync.cursors, ref });
      }, this.#retryDelayMs);
      return;
    }
    this.#onSynced({}, ref);
    for (const id of Object.keys(sync.cursors)) this.#filling.delete(id);
    this.emit('warning', { code, message });
  }

  #write(entry: OutboxEntry): void {
    entry.attempts += 1;
    this.#frame({
      type: 'send',
      conversationId: entry.conversationId,
      clientMsgId: entry.clientMsgId,
      body: entry.body,
    });
  }

  #frame(frame: Record<string, unknown>): void {
    const ws = this.#ws;
    if (ws && ws.readyState === 1) ws.send(JSON.stringify(frame));
  }

  #setState(state: ConnectionState): void {
    if (this.#state === state) return;
    this.#state = state;
    this.emit('state', state);
  }

  #timer(fn: () => void, ms: number): ReturnType<typeof setTimeout> {
    const t = setTimeout(() => {
      this.#timers.delete(t);
      fn();
    }, ms);
    this.#timers.add(t);
    return t;
  }

  /** Runs a REST call on the current node, failing over to the others if unreachable. */
  async #anyNode<T>(call: () => Promise<T>): Promise<T> {
    let lastError: unknown;
    for (let i = 0; i < this.#nodes.all.length; i++) {
      this.api.baseUrl = this.url;
      try {
        return await call();
      } catch (err) {
        lastError = err;
        if (!(err instanceof Error && 'code' in err && err.code === ClientErrorCode.Unreachable))
          throw err;
        this.#nodes.advance();
      }
    }
    throw lastError;
  }
}

/** Splits cursors into frames of at most {@link MAX_CURSORS_PER_FRAME} (rule W9). */
function chunkCursors(cursors: Record<string, number>): Array<Record<string, number>> {
  const entries = Object.entries(cursors);
  const chunks: Array<Record<string, number>> = [];
  for (let i = 0; i < entries.length; i += MAX_CURSORS_PER_FRAME)
    chunks.push(Object.fromEntries(entries.slice(i, i + MAX_CURSORS_PER_FRAME)));
  return chunks;
}
