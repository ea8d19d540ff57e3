import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import { AppError, CLOSE_CODES, ERROR_CODES } from '../../domain/errors.js';
import { ulid } from '../../domain/ids.js';
import type { DeliveryCore } from '../../delivery/core.js';
import { encode } from '../../delivery/frames.js';
import type { DeliverySocket } from '../../delivery/ports.js';
import type { Session } from '../../delivery/session.js';
import { chooseProtocol, PROTOCOL_VERSIONS } from '../../protocol/version.js';
import type { ClientFrame, ServerFrame } from '../../protocol/frames.js';
import type { Principal } from '../../services/accounts.js';
import { translateError } from '../errors.js';
import type { GatewayContext } from '../http/context.js';
import { decodeFrame, refOf, validateFrame } from './frames.js';
import { FrameLimits } from './frame-limits.js';

/**
 * Where a socket is in its handshake. The first `hello` moves it out of `awaiting` in the same
 * turn it arrives, before anything is awaited, so a second `hello` (in the same TCP write or
 * racing the first one's authentication) finds it taken and changes nothing (rule W1). Once the
 * token is checked the delivery core opens a session, whose principal is fixed from then on.
 * A `hello` that fails (bad token, the store down) leaves the socket `refused`, and it is closed.
 */
type Handshake =
  | { phase: 'awaiting'; fromUpgrade: Principal | null }
  | { phase: 'authenticating' }
  | { phase: 'open'; session: Session }
  | { phase: 'refused' };

/**
 * One WebSocket, adapted to the delivery core as a {@link DeliverySocket}: frame parsing and
 * validation, the handshake and its timer, per-socket frame limits; everything about delivery
 * is the core's.
 */
export class Connection implements DeliverySocket {
  readonly id = ulid();
  /** False once a ping went unanswered since the last heartbeat. */
  alive = true;
  readonly #ws: WebSocket;
  readonly #core: DeliveryCore;
  readonly #ctx: GatewayContext;
  readonly #onClosed: (conn: Connection) => void;
  #closed = false;
  #helloTimer: NodeJS.Timeout | null;
  #handshake: Handshake;
  #limits: FrameLimits | null = null;
  #corked = false;

  constructor(options: {
    ws: WebSocket;
    core: DeliveryCore;
    ctx: GatewayContext;
    principal: Principal | null;
    /** Runs once when the socket closes. */
    onClosed: (conn: Connection) => void;
  }) {
    this.#ws = options.ws;
    this.#core = options.core;
    this.#ctx = options.ctx;
    this.#onClosed = options.onClosed;
    this.#handshake = { phase: 'awaiting', fromUpgrade: options.principal };
    this.#helloTimer = setTimeout(
      () => this.close(CLOSE_CODES.helloTimeout, 'no hello received'),
      options.ctx.config.helloTimeoutMs,
    );
    this.#ws.on('message', (data, isBinary) => {
      if (isBinary)
        return this.#sendError(new AppError('invalid_request', 'binary frames are not supported'));
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

  /** The socket's session once its `hello` was authenticated. */
  get #session(): Session | null {
    return this.#handshake.phase === 'open' ? this.#handshake.session : null;
  }

  get isOpen(): boolean {
    return !this.#closed && this.#ws.readyState === this.#ws.OPEN;
  }

  get bufferedBytes(): number {
    return this.#ws.bufferedAmount;
  }

  send(frame: string, onWritten?: () => void): void {
    this.#cork();
    this.#ws.send(frame, onWritten ? () => onWritten() : undefined);
  }

  close(code: number, reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#stopTimers();
    this.#ws.close(code, reason);
    this.#detach();
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

  /** Sends a frame of the gateway's own (ack, error, pong), through the session once there is one. */
  #frame(frame: ServerFrame): void {
    const text = encode(frame);
    const session = this.#session;
    if (session) session.send(text);
    else this.#core.write(this, text);
  }

  #sendError(err: AppError, ref?: string): void {
    this.#frame({
      type: 'error',
      code: err.code,
      message: err.message,
      ...(ref ? { ref } : {}),
      ...(err.details ? { details: err.details } : {}),
    });
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
          { event: 'ws.error', connId: this.id, userId: this.#session?.user.id, err },
          'frame failed',
        );
      this.#sendError(error, ref);
      if (error.code === 'unsupported_protocol' || this.#handshake.phase === 'refused')
        this.close(ERROR_CODES[error.code].ws, error.message);
    }
  }

  async #handle(frame: ClientFrame): Promise<void> {
    if (frame.type === 'ping')
      return this.#frame({ type: 'pong', ...(frame.ref ? { ref: frame.ref } : {}) });
    if (frame.type === 'hello') return this.#hello(frame);
    const session = this.#session;
    if (!session) throw new AppError('unauthorized', 'send hello first');
    // Between the token check and `ready` the session exists but is not live: nothing may be
    // written to the socket before `ready` (a sync's replay, an ack), so the frame is refused.
    if (session.state.kind !== 'live') throw new AppError('unauthorized', 'wait for ready');
    switch (frame.type) {
      case 'send':
        return this.#send(session, frame);
      case 'sync':
        return this.#core.sync(session, frame.cursors, frame.ref);
      case 'read':
        return this.#read(session, frame.conversationId, frame.seq);
      case 'typing':
        return this.#core.typing(session, frame.conversationId);
    }
  }

  async #hello(frame: Extract<ClientFrame, { type: 'hello' }>): Promise<void> {
    const handshake = this.#handshake;
    if (handshake.phase !== 'awaiting') throw new AppError('invalid_request', 'already said hello');
    const protocol = chooseProtocol(frame.protocol, frame.protocols);
    if (protocol === null) {
      throw new AppError(
        'unsupported_protocol',
        `this node speaks protocol ${PROTOCOL_VERSIONS.join(' or ')}`,
      );
    }
    // Taken before the first await: whatever arrives from here on is not this socket's hello.
    this.#handshake = { phase: 'authenticating' };
    try {
      await this.#open(frame, protocol, handshake.fromUpgrade);
    } catch (err) {
      // The core has detached a session that failed to open; the socket is closed by #onText.
      this.#handshake = { phase: 'refused' };
      throw err;
    }
  }

  /** Authenticates the first `hello` and opens the socket's session in the delivery core. */
  async #open(
    frame: Extract<ClientFrame, { type: 'hello' }>,
    protocol: number,
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
    if (this.#closed) return;
    this.#clearHelloTimer();
    const { session, opened } = this.#core.open(this, principal, {
      id: this.id,
      protocol,
      ...(frame.cursors ? { cursors: frame.cursors } : {}),
    });
    this.#handshake = { phase: 'open', session };
    // False: a logout or deletion committed while the session was subscribing (closed 4004).
    if (!(await opened)) return;
    this.#ctx.log.info(
      { event: 'ws.ready', connId: this.id, userId: principal.user.id },
      'socket ready',
    );
  }

  /** A `send`: the ack is the core's to write (on protocol 2 it may take the message's place). */
  async #send(session: Session, frame: Extract<ClientFrame, { type: 'send' }>): Promise<void> {
    const { conversationId, clientMsgId } = frame;
    this.#core.sending(session, conversationId, clientMsgId);
    let result;
    try {
      result = await this.#ctx.messages.send(
        session.user,
        conversationId,
        clientMsgId,
        frame.body,
        {
          replyTo: frame.replyTo,
          attachments: frame.attachments,
        },
      );
    } catch (err) {
      this.#core.failedSend(session, clientMsgId);
      throw err;
    }
    this.#core.answerSend(session, clientMsgId, result);
  }

  /**
   * Takes a token for a rate-limited frame kind before the frame is validated, so a refused
   * flood of large frames costs their JSON parse and nothing more (rule W9). True if the frame
   * is dropped (typing, or any once the socket is closed for flooding); throws `rate_limited`
   * for `sync`.
   */
  #overLimit(value: unknown): boolean {
    if (this.#handshake.phase !== 'open') return false;
    const type = (value as { type?: unknown } | null)?.type;
    if (type !== 'sync' && type !== 'typing') return false;
    const limits = (this.#limits ??= new FrameLimits());
    if (limits.take(type)) return false;
    if (!limits.take('refusals')) {
      this.close(CLOSE_CODES.rateLimited, 'too many frames over the limits');
      return true;
    }
    if (type === 'sync') throw new AppError('rate_limited', 'sync frames too fast; wait a second');
    return true;
  }

  /** A `read` frame: the marker is raised now, or later if the socket is over its read limit. */
  #read(session: Session, conversationId: string, seq: number): Promise<void> {
    return (this.#limits ??= new FrameLimits()).read(
      conversationId,
      seq,
      (id, upTo) => this.#ctx.readMarkers.markRead(session.user, id, upTo),
      (err) =>
        this.#ctx.log.debug({ event: 'ws.read_failed', connId: this.id, err }, 'read failed'),
    );
  }

  #clearHelloTimer(): void {
    if (this.#helloTimer === null) return;
    clearTimeout(this.#helloTimer);
    this.#helloTimer = null;
  }

  #stopTimers(): void {
    this.#clearHelloTimer();
    this.#limits?.stop();
  }

  /** Detaches the session, if any, and tells the server the socket is gone; runs once. */
  #detach(): void {
    const session = this.#session;
    if (session) this.#core.detach(session);
    this.#onClosed(this);
  }

  #onClose(): void {
    this.#stopTimers();
    if (this.#closed) return;
    this.#closed = true;
    this.#detach();
  }
}

/** True for a decoded frame that claims to be a `send` (counted in refused sends even if malformed). */
function isSendFrame(value: unknown): boolean {
  return (
    typeof value === 'object' && value !== null && (value as { type?: unknown }).type === 'send'
  );
}
