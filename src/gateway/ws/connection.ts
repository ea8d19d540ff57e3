import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import { AppError, CLOSE_CODES, ERROR_CODES, isAppError } from '../../domain/errors.js';
import { translateError } from '../errors.js';
import { ulid } from '../../domain/ids.js';
import type { User } from '../../domain/model.js';
import { PROTOCOL_VERSION } from '../../protocol/schemas.js';
import type { ClientFrame, ServerFrame } from '../../protocol/frames.js';
import { MAX_CURSORS_PER_FRAME } from '../../protocol/limits.js';
import type { Principal } from '../../services/accounts.js';
import type { GatewayContext } from '../http/context.js';
import { decodeFrame, encode, refOf, validateFrame } from './frames.js';
import type { Hub } from './hub.js';
import { TokenBucket } from './token-bucket.js';

/** Minimum interval between relayed typing signals per conversation. */
const TYPING_INTERVAL_MS = 2_000;

/** Per-socket frame rates (rule W9): a flood costs the flooding socket, not the node. */
export const SOCKET_LIMITS = {
  /** `sync` frames: one per second, bursts of 10; more is `rate_limited`. */
  sync: { rate: 1, burst: 10 },
  /** `typing` frames: five per second, bursts of 10; more are dropped (best effort, G7). */
  typing: { rate: 5, burst: 10 },
  /** `read` frames: ten per second, bursts of 20; more are coalesced and written later. */
  read: { rate: 10, burst: 20 },
  /**
   * Frames refused or dropped by the limits above: two per second, bursts of 20. A socket
   * past this keeps flooding after being told to stop, and is closed (4029); reconnecting is
   * bound by the per-address connection limit (S1).
   */
  refusals: { rate: 2, burst: 20 },
} as const;

/**
 * Where a socket is in its handshake. The first `hello` moves it out of `awaiting` in the same
 * turn it arrives, before anything is awaited, so a second `hello` (in the same TCP write or
 * racing the first one's authentication) finds it taken and changes nothing (rule W1). The
 * principal is fixed once, when `ready`, and never changes after. A `hello` that fails (bad
 * token, the store down) leaves the socket `refused`, and it is closed.
 */
type Handshake =
  | { phase: 'awaiting'; fromUpgrade: Principal | null }
  | { phase: 'authenticating' }
  | { phase: 'ready'; principal: Principal }
  | { phase: 'refused' };

/** Lazily created per-socket limiters: most sockets never send these frames. */
interface FrameLimits {
  sync?: TokenBucket;
  typing?: TokenBucket;
  read?: TokenBucket;
  refusals?: TokenBucket;
  /** Read markers over the limit, highest seq per conversation, written when tokens return. */
  deferredReads?: Map<string, number>;
  readTimer?: NodeJS.Timeout;
}

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
  /** While registering: conversations whose live entries arrived before their position was read. */
  earlyEntries: Set<string> | null = null;
  closed = false;
  alive = true;
  readonly #ws: WebSocket;
  readonly #hub: Hub;
  readonly #ctx: GatewayContext;
  #helloTimer: NodeJS.Timeout | null;
  #typingAt: Map<string, number> | null = null;
  #handshake: Handshake;
  #limits: FrameLimits | null = null;

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
    this.#handshake = { phase: 'awaiting', fromUpgrade: options.principal };
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

  /** The socket's principal once `hello` succeeded; fixed from then on. */
  get principal(): Principal | null {
    return this.#handshake.phase === 'ready' ? this.#handshake.principal : null;
  }

  /** The authenticated user (after hello). */
  get user(): User {
    if (this.#handshake.phase !== 'ready') throw new AppError('unauthorized');
    return this.#handshake.principal.user;
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
    if (this.#limits?.readTimer) clearTimeout(this.#limits.readTimer);
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
      if (this.#overLimit(value)) return;
      frame = validateFrame(value);
      await this.#handle(frame);
    } catch (err) {
      const { error, kind } = translateError(err, (e) => this.#ctx.isUnavailable(e));
      if (isSend) this.#ctx.metrics.sendErrors.inc({ code: error.code });
      if (kind === 'internal')
        this.#ctx.log.error(
          { event: 'ws.error', connId: this.id, userId: this.principal?.user.id, err },
          'frame failed',
        );
      this.sendError(error, ref);
      if (error.code === 'unsupported_protocol' || this.#handshake.phase === 'refused')
        this.close(ERROR_CODES[error.code].ws, error.message);
    }
  }

  async #handle(frame: ClientFrame): Promise<void> {
    if (frame.type === 'ping')
      return this.send({ type: 'pong', ...(frame.ref ? { ref: frame.ref } : {}) });
    if (frame.type === 'hello') return this.#hello(frame);
    if (this.#handshake.phase !== 'ready') throw new AppError('unauthorized', 'send hello first');
    switch (frame.type) {
      case 'send':
        return this.#send(frame);
      case 'sync':
        return this.#hub.sync(this, frame.cursors, frame.ref);
      case 'read':
        return this.#read(frame.conversationId, frame.seq);
      case 'typing':
        return this.#typing(frame.conversationId);
    }
  }

  async #hello(frame: Extract<ClientFrame, { type: 'hello' }>): Promise<void> {
    const handshake = this.#handshake;
    if (handshake.phase !== 'awaiting') throw new AppError('invalid_request', 'already said hello');
    if (frame.protocol !== PROTOCOL_VERSION) {
      throw new AppError('unsupported_protocol', `this node speaks protocol ${PROTOCOL_VERSION}`);
    }
    // Taken before the first await: whatever arrives from here on is not this socket's hello.
    this.#handshake = { phase: 'authenticating' };
    try {
      await this.#open(frame, handshake.fromUpgrade);
    } catch (err) {
      if (this.principal) this.#hub.unregister(this);
      this.#handshake = { phase: 'refused' };
      throw err;
    }
  }

  /** Authenticates the first `hello` and registers the socket with the hub. */
  async #open(
    frame: Extract<ClientFrame, { type: 'hello' }>,
    fromUpgrade: Principal | null,
  ): Promise<void> {
    const principal = frame.token
      ? await this.#ctx.accounts.authenticate(frame.token)
      : fromUpgrade;
    if (!principal)
      throw new AppError(
        'unauthorized',
        'no session token (cookie, Authorization header or hello.token)',
      );
    if (this.closed) return;
    this.#clearHelloTimer();
    this.#handshake = { phase: 'ready', principal };
    const registered = await this.#hub.register(this, {
      sessionActive: () => this.#ctx.accounts.isActive(principal),
      onReady: (cursors) =>
        this.send({
          type: 'ready',
          protocol: PROTOCOL_VERSION,
          nodeId: this.#ctx.config.nodeId,
          user: principal.user,
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
      { event: 'ws.ready', connId: this.id, userId: principal.user.id },
      'socket ready',
    );
  }

  async #send(frame: Extract<ClientFrame, { type: 'send' }>): Promise<void> {
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

  /**
   * Takes a token for a rate-limited frame kind before the frame is validated, so a refused
   * flood of large frames costs their JSON parse and nothing more (rule W9). True if the frame
   * is dropped (typing, or any once the socket is closed for flooding); throws `rate_limited`
   * for `sync`.
   */
  #overLimit(value: unknown): boolean {
    if (this.#handshake.phase !== 'ready') return false;
    const type = (value as { type?: unknown } | null)?.type;
    if (type !== 'sync' && type !== 'typing') return false;
    if (this.#limiter(type).take()) return false;
    if (!this.#limiter('refusals').take()) {
      this.close(CLOSE_CODES.rateLimited, 'too many frames over the limits');
      return true;
    }
    if (type === 'sync') throw new AppError('rate_limited', 'sync frames too fast; wait a second');
    return true;
  }

  /**
   * Raises a read marker. Over the socket's limit the marker is kept (the highest seq per
   * conversation, for at most {@link MAX_CURSORS_PER_FRAME} conversations) and written once
   * the limit allows, so markers only lag, never get lost; beyond that it is `rate_limited`.
   */
  async #read(conversationId: string, seq: number): Promise<void> {
    const limits = (this.#limits ??= {});
    const deferred = limits.deferredReads;
    if (!deferred?.size && this.#limiter('read').take()) {
      await this.#ctx.messages.markRead(this.user, conversationId, seq);
      return;
    }
    const reads = (limits.deferredReads ??= new Map<string, number>());
    if (!reads.has(conversationId) && reads.size >= MAX_CURSORS_PER_FRAME)
      throw new AppError('rate_limited', 'read markers too fast');
    reads.set(conversationId, Math.max(seq, reads.get(conversationId) ?? 0));
    this.#scheduleReads();
  }

  #scheduleReads(): void {
    const limits = this.#limits;
    if (!limits || limits.readTimer || this.closed) return;
    limits.readTimer = setTimeout(() => {
      limits.readTimer = undefined;
      const reads = limits.deferredReads;
      if (!reads || this.closed) return;
      for (const [conversationId, seq] of reads) {
        if (!this.#limiter('read').take()) break;
        reads.delete(conversationId);
        this.#ctx.messages.markRead(this.user, conversationId, seq).catch((err: unknown) => {
          if (!isAppError(err))
            this.#ctx.log.debug({ event: 'ws.read_failed', connId: this.id, err }, 'read failed');
        });
      }
      if (reads.size > 0) this.#scheduleReads();
    }, 1000 / SOCKET_LIMITS.read.rate);
  }

  #limiter(kind: keyof typeof SOCKET_LIMITS): TokenBucket {
    const limits = (this.#limits ??= {});
    return (limits[kind] ??= new TokenBucket(SOCKET_LIMITS[kind]));
  }

  #clearHelloTimer(): void {
    if (this.#helloTimer === null) return;
    clearTimeout(this.#helloTimer);
    this.#helloTimer = null;
  }

  #onClose(): void {
    this.#clearHelloTimer();
    if (this.#limits?.readTimer) clearTimeout(this.#limits.readTimer);
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
