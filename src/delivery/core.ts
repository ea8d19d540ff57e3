import type { Message } from '../domain/model.js';
import { answerAck, cancelAck, expectAck } from './acks.js';
import { CatchUp } from './catch-up.js';
import { LiveDelivery } from './live-delivery.js';
import type { DeliveryDeps, DeliverySocket, Principal } from './ports.js';
import { Relays } from './relays.js';
import { publishTyping } from './typing.js';
import { Resync } from './resync.js';
import { Session, type SessionOutput } from './session.js';
import { Sessions } from './sessions.js';
import { Subscriptions } from './subscriptions.js';
import { SLOW_CONSUMER, writeFrame } from './writer.js';

/**
 * The node's live delivery: which sockets receive which conversations, the node's bus
 * subscriptions, and the per-socket cursor discipline that makes delivery gap-free and
 * duplicate-free (rule W5). It knows sockets only as {@link DeliverySocket}s and the rest of
 * the node only through {@link DeliveryDeps}; the WebSocket gateway adapts `ws` to it.
 */
export class DeliveryCore {
  readonly #deps: DeliveryDeps;
  readonly #subscriptions: Subscriptions;
  readonly #sessions: Sessions;
  readonly #resync: Resync;
  readonly #relays: Relays;
  readonly #delivery: LiveDelivery;
  readonly #place = (session: Session, message: Message) => this.#delivery.place(session, message);
  readonly #output: SessionOutput;
  readonly #sweeper: NodeJS.Timeout;

  constructor(deps: DeliveryDeps) {
    this.#deps = deps;
    const close = (session: Session, code: number, reason: string) =>
      this.#sessions.close(session, code, reason);
    this.#subscriptions = new Subscriptions(deps.bus, {
      conversation: (id, event) => this.#relays.onConversationEvent(id, event),
      user: (id, event) => this.#relays.onUserEvent(id, event),
    });
    const subscriptions = this.#subscriptions;
    const delivery = new LiveDelivery(deps, subscriptions, close);
    this.#delivery = delivery;
    const catchUp = new CatchUp(deps, subscriptions, delivery, close);
    this.#resync = new Resync(deps, subscriptions, delivery);
    this.#relays = new Relays({ deps, subscriptions, delivery, catchUp, close });
    this.#sessions = new Sessions({
      deps,
      subscriptions,
      delivery,
      resync: this.#resync,
      catchUp,
    });
    this.#output = {
      maxBufferedBytes: deps.settings.maxSocketBufferBytes,
      onSlow: (session: Session) => {
        deps.metrics.slowConsumers.inc();
        close(session, SLOW_CONSUMER.code, SLOW_CONSUMER.reason);
      },
    };
    this.#sweeper = setInterval(() => void catchUp.sweep(), deps.settings.sweepMs);
    this.#sweeper.unref();
    deps.bus.onStatus((status) => {
      if (status !== 'reconnected') return;
      deps.metrics.busReconnects.inc();
      catchUp.all();
    });
  }

  /** Number of open, authenticated sockets. */
  get size(): number {
    return this.#subscriptions.size;
  }

  /** True if the user has an authenticated socket on this node. */
  isOnline(userId: string): boolean {
    return (this.#subscriptions.users.get(userId)?.sessions.size ?? 0) > 0;
  }

  /**
   * A session for a socket whose principal was authenticated. It is followed at once (so
   * frames after `hello` find it) and `opened` settles when it is live with `ready` sent
   * (true), ended by a logout meanwhile (false, the socket closed with 4004), or failed
   * (rejects; the session detached, the socket left to the caller to close).
   */
  open(
    socket: DeliverySocket,
    principal: Principal,
    options: { id?: string; cursors?: Record<string, number>; protocol?: number } = {},
  ): { session: Session; opened: Promise<boolean> } {
    const session = new Session({
      principal,
      socket,
      output: this.#output,
      id: options.id,
      protocol: options.protocol,
    });
    return { session, opened: this.#sessions.open(session, options) };
  }

  /** A `sync` frame: replays from the given cursors, then `synced` (rule G4). */
  sync(session: Session, cursors: Record<string, number>, ref?: string): Promise<void> {
    return this.#resync.sync(session, cursors, ref);
  }

  /**
   * A `send` frame of the session, about to be submitted; {@link answerSend} or
   * {@link failedSend} follows. On a protocol-2 session the ack also delivers the stored
   * message, at its place in the order (rule W5), instead of a `message` frame.
   */
  sending(session: Session, conversationId: string, clientMsgId: string): void {
    expectAck(session, conversationId, clientMsgId);
  }

  /** The store answered a send: writes its ack now, unless a delivery writes (or wrote) it. */
  answerSend(
    session: Session,
    clientMsgId: string,
    result: { message: Message; created: boolean },
  ): void {
    const frame = answerAck(session, clientMsgId, result, this.#place);
    if (frame !== null) session.send(frame);
  }

  /** A send failed (its error frame is the caller's). */
  failedSend(session: Session, clientMsgId: string): void {
    cancelAck(session, clientMsgId);
  }

  /** A `typing` frame: relayed to the conversation's other members (best effort). */
  typing(session: Session, conversationId: string): void {
    publishTyping(this.#deps, session, conversationId);
  }

  /**
   * Writes a frame to a socket that may have no session yet (errors, pongs before `hello`),
   * closing a slow consumer (rule W7).
   */
  write(socket: DeliverySocket, frame: string): void {
    if (writeFrame(socket, frame, this.#deps.settings.maxSocketBufferBytes) !== 'slow') return;
    this.#deps.metrics.slowConsumers.inc();
    socket.close(SLOW_CONSUMER.code, SLOW_CONSUMER.reason);
  }

  /** Closes a session's socket with `code` and detaches it. */
  close(session: Session, code: number, reason: string): void {
    this.#sessions.close(session, code, reason);
  }

  /** Detaches a session whose socket closed; idempotent. */
  detach(session: Session): void {
    this.#sessions.detach(session);
  }

  /** Closes every session with `code` (shutdown: 1001 going away) and stops the sweeps. */
  closeAll(code: number, reason: string): void {
    clearInterval(this.#sweeper);
    for (const session of this.#subscriptions.sessions()) this.close(session, code, reason);
  }
}
