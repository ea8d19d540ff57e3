import { CLOSE_CODES } from '../domain/errors.js';
import type { CatchUp } from './catch-up.js';
import { encode } from './frames.js';
import type { LiveDelivery } from './live-delivery.js';
import type { DeliveryDeps } from './ports.js';
import type { Resync } from './resync.js';
import type { Session } from './session.js';
import type { Subscriptions } from './subscriptions.js';

/** Longest wait for the bus server to confirm a new socket's subscriptions before `ready`. */
const SUBSCRIBE_FLUSH_MS = 1_000;

/** How a session opens: the cursors its `hello` gave, if any. */
export interface OpenOptions {
  cursors?: Record<string, number>;
}

/**
 * Sessions coming and going: a session subscribes before it reads, and becomes live with
 * `ready` (rules W1, G4); it is detached from every room when it closes.
 */
export class Sessions {
  readonly #deps: DeliveryDeps;
  readonly #subscriptions: Subscriptions;
  readonly #delivery: LiveDelivery;
  readonly #resync: Resync;
  readonly #catchUp: CatchUp;

  constructor(options: {
    deps: DeliveryDeps;
    subscriptions: Subscriptions;
    delivery: LiveDelivery;
    resync: Resync;
    catchUp: CatchUp;
  }) {
    this.#deps = options.deps;
    this.#subscriptions = options.subscriptions;
    this.#delivery = options.delivery;
    this.#resync = options.resync;
    this.#catchUp = options.catchUp;
  }

  /**
   * Opens a new session. It subscribes before it reads: first to the user's revocations
   * (then re-checks the session, so a logout cannot slip through), then to the conversations
   * (then reads their positions, so anything committed later arrives live). `ready` is sent
   * synchronously with the latest positions, before any entry can be delivered; the client's
   * cursors from `hello` take effect in the same instant, so nothing is delivered live and
   * then again by the replay. Only conversations the client is behind in, or that had live
   * traffic during the read, are read from the store. Resolves false, the socket closed with
   * 4004, if the session ended; rejects, the session detached, if the store failed.
   */
  async open(session: Session, options: OpenOptions): Promise<boolean> {
    try {
      return await this.#open(session, options);
    } catch (err) {
      this.detach(session);
      throw err;
    }
  }

  async #open(session: Session, options: OpenOptions): Promise<boolean> {
    const { user } = session;
    const firstForUser = !this.#subscriptions.users.has(user.id);
    this.#subscriptions.attachUser(session);
    // Both reads follow the revocation subscription; they do not depend on each other.
    const [active, ids] = await Promise.all([
      this.#deps.reads.sessionActive(session.principal),
      this.#deps.reads.conversationIds(user.id),
    ]);
    if (!active || session.closing) return this.#abandon(session);
    if (session.state.kind !== 'authenticating') return this.#abandon(session);
    const { joinedMeanwhile } = session.state;
    session.state = { kind: 'syncing', joinedMeanwhile };
    for (const id of ids) this.#subscriptions.attach(session, id, 'joining');
    // On a lossy bus, `ready` waits until the server has the subscriptions (one round trip),
    // so even best-effort events published right after it (typing, presence) reach this socket.
    if (this.#deps.bus.lossy) await this.#subscribed();
    if (session.closing) return this.#abandon(session);
    const positions = await this.#deps.reads.positions(user.id);
    if (session.closing) return this.#abandon(session);
    const { cursors } = session;
    const ready: Record<string, number> = {};
    for (const { conversationId, lastSeq } of positions) {
      if (!cursors.follows(conversationId) || cursors.isJoining(conversationId))
        this.#subscriptions.attach(session, conversationId, lastSeq);
      ready[conversationId] = cursors.seq(conversationId) ?? lastSeq;
    }
    // Conversations left between the two reads: not in positions, so not ours any more.
    for (const id of ids) if (cursors.isJoining(id)) this.#subscriptions.detach(session, id);
    // Live entries that arrived while a position was being read may be newer than it.
    const missed = cursors.takeMissed();
    session.state = { kind: 'live' };
    session.send(
      encode({
        type: 'ready',
        protocol: session.protocol,
        nodeId: this.#deps.settings.nodeId,
        user,
        cursors: ready,
      }),
    );
    this.#catchUp.verifySoon(session);
    // Every conversation of the user is followed now: any other id is not theirs. A cursor at
    // the position just read has nothing to replay: what comes next arrives live.
    const replayed = options.cursors ?? {};
    if (options.cursors)
      void this.#resync.replay(session, options.cursors, {
        upToDate: (id, seq) => {
          const position = ready[id];
          return position !== undefined && seq >= position && !missed.has(id);
        },
      });
    for (const id of missed)
      if (!Object.hasOwn(replayed, id)) void this.#delivery.replay(session, id);
    // Conversations joined before `ready`, which `ready` did not list, are followed now.
    for (const { conversationId, fromSeq } of joinedMeanwhile)
      void this.#delivery.rejoin(session, conversationId, fromSeq - 1);
    if (firstForUser) this.#deps.presence.userOnline(user, cursors.ids());
    return true;
  }

  /** One round trip to the bus server, bounded: a slow or absent server must not hold `ready`. */
  async #subscribed(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.#deps.bus.flush().catch(() => undefined),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, SUBSCRIBE_FLUSH_MS))),
    ]);
    clearTimeout(timer);
  }

  /** A session that ended while opening (a logout or deletion committed meanwhile). */
  #abandon(session: Session): false {
    this.close(session, CLOSE_CODES.sessionRevoked, 'session ended');
    return false;
  }

  /** Closes the session's socket and detaches it. */
  close(session: Session, code: number, reason: string): void {
    this.detach(session);
    session.socket.close(code, reason);
  }

  /** Detaches a session from every room (its socket closed, or it is being closed); idempotent. */
  detach(session: Session): void {
    if (session.state.kind === 'closing') return;
    session.state = { kind: 'closing' };
    const { user } = session;
    if (this.#subscriptions.detachUser(session))
      this.#deps.presence.userOffline(user, session.cursors.ids(), () =>
        this.#subscriptions.users.has(user.id),
      );
    for (const id of session.cursors.ids()) this.#subscriptions.detach(session, id);
  }
}
