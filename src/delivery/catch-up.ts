import { CLOSE_CODES } from '../domain/errors.js';
import type { CloseSession, LiveDelivery } from './live-delivery.js';
import type { DeliveryDeps } from './ports.js';
import type { Session } from './session.js';
import type { Subscriptions } from './subscriptions.js';

/**
 * What live traffic may have missed, found in the store: the position check shortly after a
 * session subscribes, the periodic sweep of sessions and positions, and the catch-up of every
 * session after a bus reconnect (rules K6, G6). Position checks run only on a lossy bus; an
 * in-process bus delivers every event to every subscription made before it.
 */
export class CatchUp {
  readonly #deps: DeliveryDeps;
  readonly #subscriptions: Subscriptions;
  readonly #delivery: LiveDelivery;
  readonly #close: CloseSession;
  #sweeping = false;
  /** Sessions whose followed conversations did not match the store at the last sweep. */
  readonly #mismatched = new WeakSet<Session>();

  constructor(
    deps: DeliveryDeps,
    subscriptions: Subscriptions,
    delivery: LiveDelivery,
    close: CloseSession,
  ) {
    this.#deps = deps;
    this.#subscriptions = subscriptions;
    this.#delivery = delivery;
    this.#close = close;
  }

  /**
   * On a lossy bus a new subscription reaches the other servers a moment after it is made,
   * so an entry committed in that moment may never arrive live. Shortly after subscribing,
   * one read of the user's positions catches any such entry up from the store.
   */
  verifySoon(session: Session): void {
    if (!this.#deps.bus.lossy) return;
    const timer = setTimeout(() => {
      if (session.closing) return;
      this.#deps.reads.positions(session.user.id).then(
        (positions) => {
          for (const { conversationId, lastSeq } of positions) {
            const cursor = session.cursors.seq(conversationId);
            if (cursor !== undefined && lastSeq > cursor)
              void this.#delivery.replay(session, conversationId);
          }
        },
        (err: unknown) =>
          this.#deps.log.debug(
            { event: 'ws.verify_failed', connId: session.id, err },
            'position check failed',
          ),
      );
    }, this.#deps.settings.subscribeCheckMs);
    timer.unref();
  }

  /** After a bus outage live traffic may be missing: every session catches up from the store. */
  all(): void {
    for (const session of this.#subscriptions.sessions())
      for (const id of session.cursors.ids()) void this.#delivery.replay(session, id);
  }

  /**
   * Every few seconds: sessions that ended (logout, account deletion, expiry) are closed even
   * if the bus lost the revocation; and on a lossy bus, which may lose an event without telling
   * (a NATS server that confirmed it dies before routing it, a broken route), the latest seq
   * of every conversation the node's sessions follow is read and sessions that are behind
   * replay (rule K6). A session behind only because the live event is on its way reads it a
   * little early; the event is then dropped as already sent.
   */
  async sweep(): Promise<void> {
    if (this.#sweeping || this.#subscriptions.users.size === 0) return;
    this.#sweeping = true;
    try {
      await this.#sweepSessions();
      if (this.#deps.bus.lossy) {
        await this.#sweepPositions();
        await this.#sweepMemberships();
      }
    } catch (err) {
      this.#deps.log.debug({ event: 'ws.sweep_failed', err }, 'sweep failed');
    } finally {
      this.#sweeping = false;
    }
  }

  async #sweepSessions(): Promise<void> {
    const sockets = new Map<string, Session[]>();
    for (const session of this.#subscriptions.sessions()) {
      const id = session.principal.session.id;
      sockets.set(id, [...(sockets.get(id) ?? []), session]);
    }
    const live = await this.#deps.reads.liveSessions([...sockets.keys()]);
    for (const [id, sessions] of sockets) {
      if (live.has(id)) continue;
      for (const session of sessions)
        this.#close(session, CLOSE_CODES.sessionRevoked, 'session ended');
    }
  }

  /**
   * A lost `joined` (or `removed`, `conversation.deleted`) event, or a join whose conversation
   * the store could not read in time, leaves a socket following other conversations than the
   * user is in. One grouped read counts each connected user's conversations; a live session
   * whose followed count differs at two sweeps in a row (one may be an event on its way) is
   * closed with 1001, and its client's reconnect gets every conversation in `ready` (rule K6).
   * Equal counts with different sets (a lost join and a lost leave at once) go unnoticed.
   */
  async #sweepMemberships(): Promise<void> {
    const users = [...this.#subscriptions.users.keys()];
    const counts = await this.#deps.reads.membershipCounts(users);
    for (const session of this.#subscriptions.sessions()) {
      if (session.state.kind !== 'live') continue;
      const inStore = counts.get(session.user.id) ?? 0;
      if (session.cursors.ids().length === inStore) {
        this.#mismatched.delete(session);
      } else if (!this.#mismatched.has(session)) {
        this.#mismatched.add(session);
      } else {
        this.#deps.metrics.sweepCatchUps.inc();
        this.#close(session, CLOSE_CODES.goingAway, 'conversations changed; reconnect');
      }
    }
  }

  async #sweepPositions(): Promise<void> {
    const rooms = this.#subscriptions.conversations;
    const latest = await this.#deps.reads.latestSeqs([...rooms.keys()]);
    for (const [conversationId, lastSeq] of latest) {
      const room = rooms.get(conversationId);
      if (!room) continue;
      for (const session of room.sessions) {
        const cursor = session.cursors.seq(conversationId);
        if (cursor !== undefined && lastSeq > cursor) {
          this.#deps.metrics.sweepCatchUps.inc();
          void this.#delivery.replay(session, conversationId);
        }
      }
    }
  }
}
