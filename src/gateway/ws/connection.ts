import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import { AppError, CLOSE_CODES, ERROR_CODES, isAppError } from '../../domain/errors.js';
import { ulid } from '../../domain/ids.js';
import type { User } from '../../domain/model.js';
import { PROTOCOL_VERSION } from '../../protocol/schemas.js';
import type { ClientFrame, ServerFrame } from '../../protocol/frames.js';
import type { Principal } from '../../services/accounts.js';
import type { GatewayContext } from '../http/context.js';
import { decodeFrame, encode, refOf, validateFrame } from './frames.js';
import type { Hub } from './hub.js';

/** Minimum interval between relayed typing signals per conversation. */
const TYPING_INTERVAL_MS = 2_000;

/** One WebSocket: protocol state, per-conversation delivery cursors, frame handling. */
export class Connection {
  readonly id = ulid();
  /** Last seq delivered (or known at hello) per conversation this socket receives. */
  readonly cursors = new Map<string, number>();
  /**
   * Running catch-up reads per conversation; `dirty` means live traffic arrived meanwhile.
   * Created on first use: most sockets sit idle, and every byte counts at 10,000 of them.
   */
  pumps: Map<string, { dirty: boolean; done: Promise<void> }> | null = null;
  principal: Principal | null;
  closed = false;
  alive = true;
  readonly #ws: WebSocket;
  readonly #hub: Hub;
  readonly #ctx: GatewayContext;
  #helloTimer: NodeJS.Timeout | null;
  #typingAt: Map<string, number> | null = null;
  #ready = false;

  #corked = false;

  constructor(options: {
    ws: WebSocket;
    hub: Hub;
    ctx: GatewayContext;
    principal: Principal | null;
    ip: string;
  }) {
    this.#ws = options.ws;
    this.#hub = options.hub;
    this.#ctx = options.ctx;
    this.principal = options.principal;
    this.#helloTimer = setTimeout(
      () => this.close(CLOSE_CODES.helloTimeout, 'no hello received'),
      options.ctx.config.helloTimeoutMs,
    );
    this.#ws.on('message', (data, isBinary) => {
      if (isBinary)
        return this.sendError(new AppError('invalid_request', 'binary frames are not supported'));
      void this.#onText(
        Buffer.isBuffer(data)
          ? data.toString('utf8')
          : Buffer.concat(data as Buffer[]).toString('utf8'),
      );
    });
    this.#ws.on('pong', () => {
      this.alive = true;
    });
    this.#ws.on('close', () => this.#onClose());
    this.#ws.on('error', (err) =>
      this.#ctx.log.debug({ event: 'ws.error', connId: this.id, err }, 'socket error'),
    );
  }

  /** The authenticated user (after hello). */
  get user(): User {
    if (!this.principal) throw new AppError('unauthorized');
    return this.principal.user;
  }

  /** Sends a pre-serialized frame; closes slow consumers instead of buffering without bound. */
  sendRaw(frame: string, onWritten?: () => void): void {
    if (this.closed || this.#ws.readyState !== this.#ws.OPEN) {
      onWritten?.();
      return;
    }
    // Above this a socket is a slow consumer and is closed (it resyncs when it reconnects).
    if (this.#ws.bufferedAmount > this.#ctx.config.maxSocketBufferBytes) {
      this.#ctx.metrics.slowConsumers.inc();
      this.close(CLOSE_CODES.slowConsumer, 'slow consumer: reconnect and sync');
      onWritten?.();
      return;
    }
    this.#cork();
    this.#ws.send(frame, onWritten ? () => onWritten() : undefined);
  }

  /**
   * Holds the socket's writes until the current burst of work is done (the end of this turn:
   * a batch's acks, its deliveries), so they leave in one system call instead of one per frame.
   */
  #cork(): void {
    if (this.#corked) return;
    const socket = (this.#ws as unknown as { _socket?: Duplex })._socket;
    if (!socket) return;
    this.#corked = true;
    socket.cork();
    process.nextTick(() => {
      this.#corked = false;
      socket.uncork();
    });
  }

  send(frame: ServerFrame): void {
    this.sendRaw(encode(frame));
  }

  sendError(err: AppError, ref?: string): void {
    this.send({ type: 'error', code: err.code, message: err.message, ...(ref ? { ref } : {}) });
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.#clearHelloTimer();
    this.#ws.close(code, reason);
    this.#hub.unregister(this);
  }

  /** Pings the socket; returns false (and terminates it) if the last ping got no pong. */
  heartbeat(): boolean {
    if (!this.alive) {
      this.#ws.terminate();
      return false;
    }
    this.alive = false;
    this.#ws.ping();
    return true;
  }

  async #onText(text: string): Promise<void> {
    let frame: ClientFrame | undefined;
    let ref: string | undefined;
    let isSend = false;
    try {
      const value = decodeFrame(text);
      ref = refOf(value);
      isSend = isSendFrame(value);
      frame = validateFrame(value);
      await this.#handle(frame);
    } catch (err) {
      if (isAppError(err)) {
        if (isSend) this.#ctx.metrics.sendErrors.inc({ code: err.code });
        this.sendError(err, ref);
        const closeCode = ERROR_CODES[err.code].ws;
        if (
          err.code === 'unsupported_protocol' ||
          (err.code === 'unauthorized' && !this.#ready && frame?.type === 'hello')
        ) {
          this.close(closeCode, err.message);
        }
        return;
      }
      if (isSend) {
        this.#ctx.metrics.sendErrors.inc({
          code: this.#ctx.isUnavailable(err) ? 'unavailable' : 'internal',
        });
      }
      if (this.#ctx.isUnavailable(err)) {
        this.sendError(
          new AppError('unavailable', 'the database is unavailable; try again shortly'),
          ref,
        );
        return;
      }
      this.#ctx.log.error(
        { event: 'ws.error', connId: this.id, userId: this.principal?.user.id, err },
        'frame failed',
      );
      this.sendError(new AppError('internal'), ref);
    }
  }

  async #handle(frame: ClientFrame): Promise<void> {
    if (frame.type === 'ping')
      return this.send({ type: 'pong', ...(frame.ref ? { ref: frame.ref } : {}) });
    if (frame.type === 'hello') return this.#hello(frame);
    if (!this.#ready) throw new AppError('unauthorized', 'send hello first');
    switch (frame.type) {
      case 'send':
        return this.#send(frame);
      case 'sync':
        return this.#hub.sync(this, frame.cursors);
      case 'read':
        await this.#ctx.messages.markRead(this.user, frame.conversationId, frame.seq);
        return;
      case 'typing':
        return this.#typing(frame.conversationId);
    }
  }

  async #hello(frame: Extract<ClientFrame, { type: 'hello' }>): Promise<void> {
    if (this.#ready) throw new AppError('invalid_request', 'already said hello');
    if (frame.protocol !== PROTOCOL_VERSION) {
      throw new AppError('unsupported_protocol', `this node speaks protocol ${PROTOCOL_VERSION}`);
    }
    if (frame.token) this.principal = await this.#ctx.accounts.authenticate(frame.token);
    if (!this.principal)
      throw new AppError(
        'unauthorized',
        'no session token (cookie, Authorization header or hello.token)',
      );
    this.#clearHelloTimer();
    this.#ready = true;
    const principal = this.principal;
    const registered = await this.#hub.register(this, {
      sessionActive: () => this.#ctx.accounts.isActive(principal),
      onReady: (cursors) =>
        this.send({
          type: 'ready',
          protocol: PROTOCOL_VERSION,
          nodeId: this.#ctx.config.nodeId,
          user: this.user,
          cursors,
        }),
      ...(frame.cursors ? { cursors: frame.cursors } : {}),
    });
    if (!registered) {
      // A logout or deletion committed while this socket was subscribing.
      if (!this.closed) this.close(CLOSE_CODES.sessionRevoked, 'session ended');
      return;
    }
    this.#ctx.log.info(
      { event: 'ws.ready', connId: this.id, userId: this.user.id },
      'socket ready',
    );
  }

  async #send(frame: Extract<ClientFrame, { type: 'send' }>): Promise<void> {
    if (!this.#ctx.limiters.sends.take(this.user.id)) {
      const original = await this.#ctx.messages.previouslySent(
        this.user,
        frame.conversationId,
        frame.clientMsgId,
      );
      if (!original) throw new AppError('rate_limited', 'sending too fast');
      return this.send({
        type: 'ack',
        clientMsgId: frame.clientMsgId,
        message: original,
        created: false,
      });
    }
    const { message, created } = await this.#ctx.messages.send(
      this.user,
      frame.conversationId,
      frame.clientMsgId,
      frame.body,
    );
    this.send({ type: 'ack', clientMsgId: frame.clientMsgId, message, created });
  }

  #typing(conversationId: string): void {
    if (!this.cursors.has(conversationId))
      throw new AppError('not_found', 'conversation not found');
    const now = Date.now();
    this.#typingAt ??= new Map();
    if (now - (this.#typingAt.get(conversationId) ?? 0) < TYPING_INTERVAL_MS) return;
    this.#typingAt.set(conversationId, now);
    this.#hub.typing(this, conversationId);
  }

  #clearHelloTimer(): void {
    if (this.#helloTimer === null) return;
    clearTimeout(this.#helloTimer);
    this.#helloTimer = null;
  }

  #onClose(): void {
    this.#clearHelloTimer();
    this.closed = true;
    this.#hub.unregister(this);
  }
}

/** True for a decoded frame that claims to be a `send` (counted in refused sends even if malformed). */
function isSendFrame(value: unknown): boolean {
  return (
    typeof value === 'object' && value !== null && (value as { type?: unknown }).type === 'send'
  );
}
