import type { ClientFrame, ServerFrame } from '../protocol/frames.js';
import { CloseCode, FINAL_CLOSE_CODES } from '../protocol/codes.js';
import type { Backoff, FailureKind } from './backoff.js';
import type { NodeList } from './node-list.js';
import type { Timers } from './timers.js';
import type { WebSocketFactory, WebSocketLike } from './transport.js';

/** What the connection tells its owner (the client) about its sockets. */
export interface ConnectionHandlers {
  /** A socket is being opened to the node at `url`. */
  connecting(url: string): void;
  /** A socket opened: the `hello` frame to say on it. */
  hello(): ClientFrame;
  /** A frame arrived on the current socket. */
  frame(frame: ServerFrame): void;
  /** The current socket sent something that is not JSON. */
  invalidFrame(): void;
  /** The current socket is gone; another follows after a backoff if still running. */
  lost(): void;
  /** The node closed with a final code (session ended, unsupported): no more reconnects. */
  ended(code: number, reason: string): void;
}

/** Options of a {@link Connection}. */
export interface ConnectionOptions {
  nodes: NodeList;
  webSocket: WebSocketFactory;
  backoff: Backoff;
  timers: Timers;
  /** How long to wait for `ready` before giving up on a node. */
  connectTimeoutMs: number;
  /** Ping a ready socket silent this long; give it up when the ping stays unanswered as long. */
  heartbeatMs: number;
}

/**
 * The connection lifecycle: one socket at a time to the current node, a connect timeout until
 * `ready`, a heartbeat while ready, and after a loss a reconnect with backoff, moving to
 * another node (NodeList). What the frames mean is the client's business.
 */
export class Connection {
  readonly #options: ConnectionOptions;
  readonly #handlers: ConnectionHandlers;
  #ws: WebSocketLike | null = null;
  #running = false;
  /** When the current socket last received a frame. */
  #heardAt = 0;

  constructor(options: ConnectionOptions, handlers: ConnectionHandlers) {
    this.#options = options;
    this.#handlers = handlers;
  }

  /** True between {@link start} and {@link stop} (or a final close). */
  get running(): boolean {
    return this.#running;
  }

  /** A socket exists (open, or opening). */
  get hasSocket(): boolean {
    return this.#ws !== null;
  }

  /** Connects, and keeps connecting until {@link stop}. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#open();
  }

  /** Stops reconnecting, cancels every timer and closes the socket. */
  stop(): void {
    this.#running = false;
    this.#options.timers.clearAll();
    const ws = this.#ws;
    this.#ws = null;
    ws?.close(CloseCode.Normal, 'client closed');
  }

  /** Writes a frame if the socket is open (otherwise it is dropped: resync covers it). */
  send(frame: ClientFrame): void {
    const ws = this.#ws;
    if (ws && ws.readyState === 1) ws.send(JSON.stringify(frame));
  }

  #open(): void {
    if (!this.#running) return;
    const { nodes, timers } = this.#options;
    const base = nodes.current;
    this.#handlers.connecting(base);
    const ws = this.#options.webSocket(
      base.replace(/^http/, 'ws').replace(/\/+$/, '') + '/api/v1/ws',
    );
    this.#ws = ws;
    const timeout = timers.set(
      () => this.#lost(ws, base, 'connect timeout'),
      this.#options.connectTimeoutMs,
    );
    let opened = false;
    ws.onopen = () => {
      opened = true;
      ws.send(JSON.stringify(this.#handlers.hello()));
    };
    ws.onmessage = (event) => {
      if (this.#ws !== ws) return;
      this.#heardAt = Date.now();
      let frame: ServerFrame;
      try {
        // The node's frames are trusted to match the protocol; only JSON is checked.
        frame = JSON.parse(String(event.data)) as ServerFrame;
      } catch {
        return this.#handlers.invalidFrame();
      }
      if (frame.type === 'ready') {
        timers.clear(timeout);
        this.#watch(ws, base);
      }
      this.#handlers.frame(frame);
    };
    ws.onerror = () => undefined;
    ws.onclose = (event) => {
      timers.clear(timeout);
      if (this.#ws !== ws) return;
      if (!FINAL_CLOSE_CODES.has(event.code))
        return this.#lost(ws, base, undefined, opened ? 'failed' : 'refused');
      this.#ws = null;
      this.#handlers.lost();
      this.#running = false;
      this.#handlers.ended(event.code, event.reason);
    };
  }

  /**
   * The current socket is gone (closed, or given up): report it, then connect again. A socket
   * given up is closed without waiting for its close handshake, which a vanished peer never
   * answers.
   */
  #lost(ws: WebSocketLike, base: string, giveUp?: string, kind: FailureKind = 'failed'): void {
    if (this.#ws !== ws) return;
    this.#ws = null;
    if (giveUp) ws.close(CloseCode.ClientGaveUp, giveUp);
    this.#handlers.lost();
    if (!this.#running) return;
    // A node that has not failed lately is tried soon; once every node has, backoff grows.
    const { nodes, backoff, timers } = this.#options;
    const { suspect } = nodes.failed(base);
    timers.set(() => this.#open(), suspect ? backoff.next(kind) : backoff.soon());
  }

  /**
   * Pings a ready socket that has been quiet, and gives it up when a ping stays unanswered for
   * `heartbeatMs` (measured from the ping, so a throttled background tab is not taken for a
   * dead node).
   */
  #watch(ws: WebSocketLike, base: string): void {
    const { heartbeatMs, timers } = this.#options;
    let pingedAt: number | null = null;
    const check = () => {
      if (this.#ws !== ws) return;
      const now = Date.now();
      if (pingedAt !== null && this.#heardAt >= pingedAt) pingedAt = null;
      if (pingedAt !== null && now - pingedAt >= heartbeatMs)
        return this.#lost(ws, base, 'no answer from the node');
      if (pingedAt === null && now - this.#heardAt >= heartbeatMs) {
        pingedAt = now;
        this.send({ type: 'ping', ref: 'heartbeat' });
      }
      timers.set(check, heartbeatMs / 2);
    };
    timers.set(check, heartbeatMs / 2);
  }
}
