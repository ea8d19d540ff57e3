import { AppError, CLOSE_CODES } from '../domain/errors.js';
import type { BusEvent } from '../ports/bus.js';
import type { CatchUp } from './catch-up.js';
import { encode } from './frames.js';
import type { CloseSession, LiveDelivery } from './live-delivery.js';
import type { DeliveryDeps } from './ports.js';
import type { Room, Subscriptions } from './subscriptions.js';

/** How often, and how far apart, a joined conversation the store could not read is retried. */
const JOINED_ATTEMPTS = 10;
const JOINED_RETRY_MS = 1_000;

/**
 * Bus events other than timeline entries, turned into frames: typing (sent by typing.ts) and
 * presence (best effort, G7), read markers and mutes (N3) of the user's other sockets, other members' read
 * receipts (R9, best effort like presence), and membership: a conversation
 * joined (`conversation.added`, then its timeline) or deleted, a session revoked (G6).
 * Timeline entries go to {@link LiveDelivery}.
 */
export class Relays {
  readonly #deps: DeliveryDeps;
  readonly #subscriptions: Subscriptions;
  readonly #delivery: LiveDelivery;
  readonly #catchUp: CatchUp;
  readonly #close: CloseSession;

  constructor(options: {
    deps: DeliveryDeps;
    subscriptions: Subscriptions;
    delivery: LiveDelivery;
    catchUp: CatchUp;
    close: CloseSession;
  }) {
    this.#deps = options.deps;
    this.#subscriptions = options.subscriptions;
    this.#delivery = options.delivery;
    this.#catchUp = options.catchUp;
    this.#close = options.close;
  }

  /** An event on a conversation's subject. */
  onConversationEvent(conversationId: string, event: BusEvent): void {
    const room = this.#subscriptions.conversations.get(conversationId);
    if (!room) return;
    switch (event.type) {
      case 'timeline':
        return this.#delivery.deliverLive(room, conversationId, event.entry);
      case 'conversation.deleted': {
        const frame = encode({
          type: 'event',
          event: { type: 'conversation.deleted', conversationId, actor: event.actor },
        });
        for (const session of [...room.sessions]) {
          // Before `ready` nothing of a conversation may reach the socket: it is only dropped;
          // the positions `ready` is built from no longer list it (read after the delete), or,
          // read just before, the membership sweep catches the socket up (K6).
          if (session.state.kind === 'live') session.send(frame);
          this.#subscriptions.detach(session, conversationId);
        }
        return;
      }
      case 'typing':
        return toOthers(
          room,
          event.userId,
          encode({
            type: 'typing',
            conversationId,
            userId: event.userId,
            username: event.username,
          }),
        );
      case 'presence':
        return toOthers(
          room,
          event.userId,
          encode({
            type: 'presence',
            userId: event.userId,
            username: event.username,
            online: event.online,
          }),
        );
      case 'receipt':
        // The reader's own sockets hear of their marker through `read` (on the user subject).
        return toOthers(
          room,
          event.userId,
          encode({
            type: 'event',
            event: { type: 'receipt', conversationId, userId: event.userId, seq: event.seq },
          }),
        );
      case 'joined':
      case 'read':
      case 'revoked':
      case 'conversation.muted':
        return; // user-scoped events travel on user subjects
    }
  }

  /** An event on a user's subject. */
  onUserEvent(userId: string, event: BusEvent): void {
    const room = this.#subscriptions.users.get(userId);
    if (!room) return;
    switch (event.type) {
      case 'joined':
        void this.#joined(room, event.conversationId, event.fromSeq);
        return;
      case 'revoked':
        for (const session of [...room.sessions]) {
          if (event.sessionId === null || session.principal.session.id === event.sessionId)
            this.#close(session, CLOSE_CODES.sessionRevoked, event.reason ?? 'session ended');
        }
        return;
      case 'read': {
        const frame = encode({
          type: 'event',
          event: { type: 'read', conversationId: event.conversationId, seq: event.seq },
        });
        for (const session of room.sessions) session.send(frame);
        return;
      }
      case 'conversation.muted': {
        const frame = encode({
          type: 'event',
          event: {
            type: 'conversation.muted',
            conversationId: event.conversationId,
            muted: event.muted,
          },
        });
        for (const session of room.sessions) session.send(frame);
        return;
      }
      case 'timeline':
      case 'conversation.deleted':
      case 'typing':
      case 'presence':
      case 'receipt':
        return; // conversation events travel on conversation subjects
    }
  }

  /**
   * The user joined a conversation: its sessions get `conversation.added` and the timeline
   * from `fromSeq`. A session not live yet follows it once `ready` is sent.
   */
  async #joined(room: Room, conversationId: string, fromSeq: number, attempt = 1): Promise<void> {
    const [first] = room.sessions;
    if (!first) return;
    let conversation;
    try {
      conversation = await this.#deps.reads.conversation(first.user, conversationId);
    } catch (err) {
      if (err instanceof AppError && err.code === 'not_found') return;
      // The store is out of reach (a partition, a failover): try again shortly; the sockets
      // that reconnect meanwhile learn of the conversation from `ready` anyway.
      this.#deps.log.warn(
        { event: 'ws.joined_failed', conversationId, attempt, err },
        'could not read a joined conversation; retrying',
      );
      if (attempt < JOINED_ATTEMPTS)
        setTimeout(
          () => void this.#joined(room, conversationId, fromSeq, attempt + 1),
          JOINED_RETRY_MS,
        ).unref();
      return;
    }
    const frame = encode({
      type: 'event',
      event: { type: 'conversation.added', conversationId, conversation },
    });
    for (const session of [...room.sessions]) {
      if (session.closing || session.cursors.follows(conversationId)) continue;
      // Before `ready` nothing of a conversation may reach the socket: it joins after `ready`.
      const { state } = session;
      if (state.kind === 'authenticating' || state.kind === 'syncing') {
        state.joinedMeanwhile.push({ conversationId, fromSeq });
        continue;
      }
      session.send(frame);
      this.#subscriptions.attach(session, conversationId, fromSeq - 1);
      void this.#delivery.replay(session, conversationId);
      this.#catchUp.verifySoon(session);
    }
  }
}

/** Sends a frame to every session in the room except those of `userId`. */
function toOthers(room: Room, userId: string, frame: string): void {
  for (const session of room.sessions) if (session.user.id !== userId) session.send(frame);
}
