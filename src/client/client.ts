import type { ServerFrame, SideEvent } from '../protocol/frames.js';
import type { ConversationDto, MessageDto, UserDto } from '../protocol/schemas.js';
import { PROTOCOL_ACK_DELIVERS, PROTOCOL_VERSION, PROTOCOL_VERSIONS } from '../protocol/version.js';
import { Backoff } from './backoff.js';
import { Connection } from './connection.js';
import { ConversationCache } from './conversation-cache.js';
import { Cursors } from './cursors.js';
import { Emitter } from './emitter.js';
import { ClientErrorCode } from './error-codes.js';
import {
  isTimelineEvent,
  iterateEvents,
  whenOnline,
  positionOf,
  type ClientEvent,
  type ClientEvents,
  type ConnectionState,
  type TimelineItem,
} from './events.js';
import { NodeList } from './node-list.js';
import { Outbox, sendFrame, type OutboxEntry } from './outbox.js';
import { Resync } from './resync.js';
import { applySideEvent } from './side-events.js';
import { AdminApi } from './admin.js';
import { RegistrationApi } from './registration.js';
import { RestApi } from './rest.js';
import { Timers } from './timers.js';
import type { ClientOptions } from './options.js';
import { globalWebSocketFactory } from './transport.js';

export type { ClientEvent, ClientEvents, ConnectionState, TimelineItem } from './events.js';
export type { ClientOptions } from './options.js';

/**
 * After a reconnect, the conversation list and the node list are read over REST once the client
 * is caught up, within this long (uniformly spread): a node whose clients all arrive at once
 * serves their handshakes and replays first, not hundreds of list requests in the same instant.
 */
const REFRESH_SPREAD_MS = 2_000;
/** A conversation list behind the live timeline is read again after 250 ms, at most 3 times. */
const [STALE_LIST_RETRY_MS, STALE_LIST_RETRIES] = [250, 3];

/**
 * The Parley client library: the one implementation of connect, failover, reconnect with
 * jittered backoff, resync from cursors, retried sends and de-duplication. Browser-safe.
 * The socket's lifecycle is {@link Connection}'s, the cursors' bookkeeping {@link Resync}'s,
 * the conversation list {@link ConversationCache}'s; this class turns frames into events.
 */
export class ParleyClient extends Emitter<ClientEvents> {
  readonly api: RestApi;
  /** The server admin routes (rules AD3-AD8), over {@link api}. */
  readonly admin: AdminApi;
  /** Registration modes, invites and passwords (rules RG1-RG9), over {@link api}. */
  readonly registration: RegistrationApi;
  readonly outbox = new Outbox();
  readonly cursors = new Cursors();
  readonly conversations = new ConversationCache();
  user: UserDto | null = null;
  nodeId: string | null = null;
  /** The protocol version the node chose in its last `ready` (2 on nodes since 0.8, else 1). */
  protocol: number | null = null;
  #state: ConnectionState = 'offline';
  readonly #nodes: NodeList;
  readonly #backoff: Backoff;
  readonly #random: () => number;
  readonly #retryDelayMs: number;
  readonly #discover: boolean;
  readonly #protocols: readonly number[];
  readonly #timers = new Timers();
  readonly #connection: Connection;
  readonly #resync: Resync;
  /** A `ready` arrived on an earlier socket of this client. */
  #readyBefore = false;
  /** The REST refresh waits for `online` (after a reconnect). */
  #refreshDue = false;
  /** Lists in a row that were behind what this client had received (see refreshConversations). */
  #staleLists = 0;

  constructor(options: ClientOptions) {
    super();
    this.#random = options.backoff?.random ?? Math.random;
    this.#nodes = new NodeList(options.urls, { random: this.#random });
    const webSocket = options.webSocket ?? globalWebSocketFactory();
    if (!webSocket) throw new Error('no WebSocket implementation: pass options.webSocket');
    this.#backoff = new Backoff(options.backoff);
    this.#retryDelayMs = options.retryDelayMs ?? 1_000;
    this.#discover = options.discover ?? !options.cookieSession;
    this.#protocols = options.protocols ?? PROTOCOL_VERSIONS;
    this.api = new RestApi({
      baseUrl: this.#nodes.current,
      token: options.token ?? null,
      fetch: options.fetch,
      cookieSession: options.cookieSession,
    });
    this.admin = new AdminApi(this.api);
    this.registration = new RegistrationApi(this.api);
    for (const [id, seq] of Object.entries(options.cursors ?? {})) this.cursors.set(id, seq);
    this.#resync = new Resync({
      cursors: this.cursors,
      timers: this.#timers,
      retryDelayMs: this.#retryDelayMs,
      handlers: {
        send: (frame) => this.#connection.send(frame),
        settled: () => {
          if (this.#state === 'syncing') this.#caughtUp();
        },
        warning: (code, message) => this.emit('warning', { code, message }),
      },
    });
    this.#connection = new Connection(
      {
        nodes: this.#nodes,
        webSocket,
        backoff: this.#backoff,
        timers: this.#timers,
        connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
        heartbeatMs: options.heartbeatMs ?? 10_000,
      },
      {
        connecting: () => this.#setState('connecting'),
        hello: () => {
          const cursors = this.#resync.hello();
          const token = this.api.token;
          return {
            type: 'hello',
            protocol: PROTOCOL_VERSION,
            protocols: [...this.#protocols],
            ...(token ? { token } : {}),
            ...(cursors ? { cursors } : {}),
          };
        },
        frame: (frame) => this.#onFrame(frame),
        invalidFrame: () =>
          this.emit('warning', {
            code: ClientErrorCode.InvalidFrame,
            message: 'the server sent a frame that is not JSON',
          }),
        lost: () => {
          this.#resync.lost();
          this.#setState('offline');
        },
        ended: (code, reason) => this.emit('session.ended', { code, reason }),
      },
    );
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

  async register(username: string, password: string, invite?: string): Promise<UserDto> {
    return (await this.#anyNode(() => this.api.register(username, password, invite))).user;
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

  /** Loads the conversation list over REST; one behind the live timeline is read again (takeList). */
  async refreshConversations(): Promise<ConversationDto[]> {
    const { conversations } = await this.api.conversations();
    const { shown, behind } = this.conversations.takeList(conversations, this.cursors);
    if (!behind) this.#staleLists = 0;
    else if (this.#staleLists++ < STALE_LIST_RETRIES)
      this.#timers.set(() => this.#refresh(), STALE_LIST_RETRY_MS);
    return shown;
  }

  /** Starts connecting and keeps the connection up until {@link close}. */
  connect(): void {
    this.#connection.start();
  }

  /** Resolves when the client is online (connected and caught up). */
  online(): Promise<void> {
    return whenOnline(this);
  }

  /**
   * Sends a message: it enters the outbox as `pending`, is written now if online (or on the
   * next connection), retried with the same clientMsgId until acked, and resolves with the
   * stored message. Refusals such as `forbidden` reject with a SendError and mark it `failed`.
   * `replyTo` names the message it replies to (rule R1) and `attachments` the uploaded files it
   * carries (rule F3, ids from {@link RestApi.uploadFile}); both stay with the entry's retries.
   */
  send(
    conversationId: string,
    body: string,
    options: { clientMsgId?: string; replyTo?: number; attachments?: readonly string[] } = {},
  ): { entry: OutboxEntry; done: Promise<MessageDto> } {
    const result = this.outbox.add(conversationId, body, options);
    this.emit('outbox', result.entry);
    if (this.#canWrite()) this.#write(result.entry);
    return result;
  }

  /** Re-queues a failed send with its original clientMsgId. */
  retry(clientMsgId: string): Promise<MessageDto> | undefined {
    const entry = this.outbox.retry(clientMsgId);
    if (!entry) return undefined;
    this.emit('outbox', entry);
    const done = this.outbox.wait(clientMsgId);
    if (this.#canWrite()) this.#write(entry);
    return done;
  }

  typing(conversationId: string): void {
    if (this.#state === 'online') this.#connection.send({ type: 'typing', conversationId });
  }

  markRead(conversationId: string, seq: number): void {
    const conversation = this.conversations.markRead(conversationId, seq);
    if (conversation) this.emit('conversation', conversation);
    if (this.#state === 'online' || this.#state === 'syncing')
      this.#connection.send({ type: 'read', conversationId, seq });
    else void this.api.markRead(conversationId, seq).catch(() => undefined);
  }

  /** Stops reconnecting and closes the socket. */
  close(): void {
    this.#connection.stop();
    this.#setState('offline');
  }

  /** Every event as an async iterable (ends when `signal` aborts). */
  events(signal?: AbortSignal): AsyncGenerator<ClientEvent> {
    return iterateEvents(this, signal);
  }

  #onFrame(frame: ServerFrame): void {
    switch (frame.type) {
      case 'ready':
        return this.#onReady(frame);
      case 'ack': {
        const entry = this.outbox.acked(frame.clientMsgId, frame.message);
        if (entry) this.emit('outbox', entry);
        // Protocol 2: this ack is the socket's delivery of the message; no `message` frame follows.
        if (frame.delivered && (this.protocol ?? 0) >= PROTOCOL_ACK_DELIVERS)
          this.#onTimeline({ kind: 'message', message: frame.message });
        return;
      }
      case 'message':
        return this.#onTimeline({ kind: 'message', message: frame.message });
      case 'event':
        return isTimelineEvent(frame.event)
          ? this.#onTimeline({ kind: 'event', event: frame.event })
          : this.#onSideEvent(frame.event);
      case 'synced':
        return this.#resync.synced(frame.cursors, frame.ref);
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
    this.protocol = frame.protocol;
    this.api.baseUrl = this.url;
    this.#nodes.succeeded();
    this.#backoff.reset();
    this.#resync.ready(frame.cursors);
    if (this.#readyBefore) this.#refreshDue = true;
    else this.#refresh();
    this.#readyBefore = true;
    if (this.#resync.pending) this.#setState('syncing');
    else this.#caughtUp();
    for (const entry of this.outbox.pending()) this.#write(entry);
  }

  /** Online; after a reconnect, the REST refresh follows a moment later. */
  #caughtUp(): void {
    this.#setState('online');
    if (!this.#refreshDue) return;
    this.#refreshDue = false;
    this.#timers.set(() => this.#refresh(), Math.round(this.#random() * REFRESH_SPREAD_MS));
  }

  /** Reloads the conversation list (unread counts, last messages) and learns the nodes (K3). */
  #refresh(): void {
    void this.refreshConversations().then(
      (list) => list.forEach((c) => this.emit('conversation', c)),
      () => undefined,
    );
    if (this.#discover) void this.discover().catch(() => undefined);
  }

  #onTimeline(item: TimelineItem): void {
    const { conversationId, seq } = positionOf(item);
    if (!this.#resync.admit(conversationId, seq, this.#state === 'online')) return;
    const conversation = this.conversations.applyTimeline(item, this.user?.id);
    if (conversation) this.emit('conversation', conversation);
    // Our own message, stored: the send is done, whether its ack or this frame comes first.
    const settled = item.kind === 'message' && this.outbox.settle(item.message, this.user?.id);
    if (settled) this.emit('outbox', settled);
    this.emit('timeline', item);
    if (item.kind === 'message') this.emit('message', item.message);
  }

  #onSideEvent(event: SideEvent): void {
    applySideEvent(this, event, (id) => this.#resync.forget(id));
  }

  #onError(code: string, message: string, ref: string | undefined): void {
    if (this.#resync.refused(code, message, ref)) return;
    const entry = ref ? this.outbox.get(ref) : undefined;
    if (!entry) return this.emit('warning', { code, message });
    const updated = this.outbox.refused(entry.clientMsgId, code, message);
    if (!updated) return;
    this.emit('outbox', updated);
    if (updated.state === 'pending') {
      this.#timers.set(() => {
        if (updated.state === 'pending' && this.#state !== 'connecting') this.#write(updated);
      }, this.#retryDelayMs);
    }
  }

  /** A send can be written now: a socket past `hello` (it is written again after `ready`). */
  #canWrite(): boolean {
    return this.#state !== 'connecting' && this.#connection.hasSocket && this.user !== null;
  }

  #write(entry: OutboxEntry): void {
    entry.attempts += 1;
    this.#connection.send(sendFrame(entry));
  }

  #setState(state: ConnectionState): void {
    if (this.#state === state) return;
    this.#state = state;
    this.emit('state', state);
  }

  /** Runs a REST call on the current node, failing over to the others if unreachable. */
  #anyNode<T>(call: () => Promise<T>): Promise<T> {
    return this.#nodes.tryEach(call, (url) => (this.api.baseUrl = url));
  }
}
