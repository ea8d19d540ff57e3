import { flushAcks } from './acks.js';
import { subjects, type BusEvent, type BusSubscription } from '../ports/bus.js';
import type { DeliveryDeps } from './ports.js';
import type { Session } from './session.js';

/** The sessions of this node that follow one subject, and the node's one subscription to it. */
export interface Room {
  sessions: Set<Session>;
  subscription: BusSubscription;
}

/** Where bus events of a subject go. */
export interface RoomHandlers {
  conversation(conversationId: string, event: BusEvent): void;
  user(userId: string, event: BusEvent): void;
}

/**
 * Which sessions follow which conversations and users. The node subscribes to a subject once,
 * when its first session follows it, and unsubscribes when the last one leaves. Attaching a
 * session to a conversation sets its cursor in the same step, so a session is in a room
 * exactly when its cursors follow the conversation.
 */
export class Subscriptions {
  readonly conversations = new Map<string, Room>();
  readonly users = new Map<string, Room>();
  readonly #bus: DeliveryDeps['bus'];
  readonly #handlers: RoomHandlers;

  constructor(bus: DeliveryDeps['bus'], handlers: RoomHandlers) {
    this.#bus = bus;
    this.#handlers = handlers;
  }

  /** Number of sessions attached to their user (every open, authenticated socket). */
  get size(): number {
    let n = 0;
    for (const room of this.users.values()) n += room.sessions.size;
    return n;
  }

  /** Every session attached to its user. */
  *sessions(): Generator<Session> {
    for (const room of [...this.users.values()]) yield* [...room.sessions];
  }

  /** Subscribes the session to its user's events (revocations, joins, read markers). */
  attachUser(session: Session): void {
    const userId = session.user.id;
    join(this.users, userId, session, () =>
      this.#bus.subscribe(subjects.user(userId), (event) => this.#handlers.user(userId, event)),
    );
  }

  /** Removes the session from its user's room; true if it was the user's last on this node. */
  detachUser(session: Session): boolean {
    const userId = session.user.id;
    const room = this.users.get(userId);
    if (!room?.sessions.delete(session) || room.sessions.size > 0) return false;
    room.subscription.unsubscribe();
    this.users.delete(userId);
    return true;
  }

  /**
   * Follows a conversation: at `seq` (the last seq the socket has), or joining when the
   * position is not known yet.
   */
  attach(session: Session, conversationId: string, seq: number | 'joining'): void {
    if (seq === 'joining') session.cursors.join(conversationId);
    else session.cursors.set(conversationId, seq);
    join(this.conversations, conversationId, session, () =>
      this.#bus.subscribe(subjects.conversation(conversationId), (event) =>
        this.#handlers.conversation(conversationId, event),
      ),
    );
  }

  /** Stops following a conversation; acks still waiting for a place there are written plain. */
  detach(session: Session, conversationId: string): void {
    session.cursors.leave(conversationId);
    if (session.acks) for (const frame of flushAcks(session, conversationId)) session.send(frame);
    const room = this.conversations.get(conversationId);
    if (!room?.sessions.delete(session)) return;
    if (room.sessions.size === 0) {
      room.subscription.unsubscribe();
      this.conversations.delete(conversationId);
    }
  }
}

function join(
  rooms: Map<string, Room>,
  key: string,
  session: Session,
  subscribe: () => BusSubscription,
): void {
  let room = rooms.get(key);
  if (!room) {
    room = { sessions: new Set(), subscription: subscribe() };
    rooms.set(key, room);
  }
  room.sessions.add(session);
}
