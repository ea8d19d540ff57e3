import { AppError, CLOSE_CODES } from '../domain/errors.js';
import { seqOf, type Message, type TimelineEntry } from '../domain/model.js';
import { takeAck, type Place } from './acks.js';
import { encode, timelineFrame } from './frames.js';
import type { DeliveryDeps } from './ports.js';
import type { Replay, Session } from './session.js';
import type { Room, Subscriptions } from './subscriptions.js';

/** Timeline entries read per catch-up page. */
const PAGE = 200;

/** Closes a session's socket and detaches it (the core's `close`). */
export type CloseSession = (session: Session, code: number, reason: string) => void;

/**
 * The per-socket cursor discipline (rule W5): a socket receives seq n+1 live only after n;
 * anything else (out-of-order bus traffic, a join, a sync, a reconnect) is read from the store
 * by the socket's replay of that conversation, which delivers after the cursor until caught up.
 */
export class LiveDelivery {
  readonly #deps: DeliveryDeps;
  readonly #subscriptions: Subscriptions;
  readonly #close: CloseSession;

  constructor(deps: DeliveryDeps, subscriptions: Subscriptions, close: CloseSession) {
    this.#deps = deps;
    this.#subscriptions = subscriptions;
    this.#close = close;
  }

  /** A committed entry from the bus, for every session in the conversation's room. */
  deliverLive(room: Room, conversationId: string, entry: TimelineEntry): void {
    const seq = seqOf(entry);
    const createdAt = entry.kind === 'message' ? entry.message.createdAt : entry.event.createdAt;
    this.#deps.metrics.fanoutLatency.observeMs(Date.now() - createdAt);
    let frame: string | undefined;
    for (const session of [...room.sessions]) {
      // Joining: its position is being read; the session reads what this may be beyond it.
      if (session.cursors.markMissed(conversationId)) continue;
      const cursor = session.cursors.seq(conversationId);
      if (cursor === undefined) continue;
      const replay = session.replays?.get(conversationId);
      if (replay) {
        replay.dirty = true;
        continue;
      }
      if (seq <= cursor) continue;
      if (seq === cursor + 1) {
        frame ??= timelineFrame(entry);
        this.#deliver(session, conversationId, entry, frame);
      } else {
        void this.replay(session, conversationId);
      }
    }
  }

  /**
   * Reads from the store after the session's cursor until caught up (rule W5). One replay
   * per session and conversation runs at a time; asking while one runs marks it dirty, so it
   * reads once more before it ends. Resolves when caught up (or the session closed); a store
   * that cannot be read closes the socket with 1001 (reconnect and sync).
   */
  replay(session: Session, conversationId: string): Promise<void> {
    const running = session.replays?.get(conversationId);
    if (running) {
      running.dirty = true;
      return running.done;
    }
    const state: Replay = { dirty: false, done: Promise.resolve() };
    (session.replays ??= new Map()).set(conversationId, state);
    this.#deps.metrics.resyncs.inc();
    state.done = (async () => {
      try {
        for (;;) {
          const cursor = session.cursors.seq(conversationId);
          if (session.closing || cursor === undefined) return;
          state.dirty = false;
          const entries = await this.#deps.reads.readTimeline(
            session.user,
            conversationId,
            cursor,
            PAGE,
          );
          let written: Promise<void> | null = null;
          for (const [i, entry] of entries.entries()) {
            const current = session.cursors.seq(conversationId);
            if (session.closing || current === undefined) return;
            if (seqOf(entry) <= current) continue;
            // The cursor moved back while this page was read (a `sync` from an older cursor):
            // read again from it rather than skip what lies between (rule W5). A page read
            // from the cursor itself that still does not start at the next seq holds a gap
            // the store has (lost data, never a race: pages are read in one snapshot).
            if (seqOf(entry) !== current + 1 && current !== cursor) {
              state.dirty = true;
              break;
            }
            if (i === entries.length - 1) {
              written = new Promise((resolve) =>
                this.#deliver(session, conversationId, entry, timelineFrame(entry), resolve),
              );
            } else {
              this.#deliver(session, conversationId, entry, timelineFrame(entry));
            }
          }
          if (written) await written;
          if (entries.length < PAGE && !state.dirty) return;
        }
      } catch (err) {
        this.#deps.log.warn(
          { event: 'ws.catchup_failed', connId: session.id, conversationId, err },
          'catch-up failed',
        );
        this.#close(session, CLOSE_CODES.goingAway, 'catch-up failed; reconnect and sync');
      } finally {
        session.replays?.delete(conversationId);
      }
    })();
    return state.done;
  }

  /**
   * Follows a conversation again on a session that does not (a join before `ready`, or an
   * old removal replayed): if the user is a member now, `conversation.added`, then the
   * timeline after `cursor`. Nothing if not a member.
   */
  async rejoin(session: Session, conversationId: string, cursor: number): Promise<void> {
    let conversation;
    try {
      conversation = await this.#deps.reads.conversation(session.user, conversationId);
    } catch (err) {
      if (!(err instanceof AppError && err.code === 'not_found'))
        this.#deps.log.warn(
          { event: 'ws.rejoin_failed', connId: session.id, conversationId, err },
          'could not check a membership; the socket resyncs on its next connection',
        );
      return;
    }
    if (session.closing || session.cursors.follows(conversationId)) return;
    session.send(
      encode({
        type: 'event',
        event: { type: 'conversation.added', conversationId, conversation },
      }),
    );
    this.#subscriptions.attach(session, conversationId, cursor);
    void this.replay(session, conversationId);
  }

  /**
   * Where a message the session's user just sent stands in the session's order (protocol 2):
   * `next` if it is the next entry (the cursor then moves onto it: the caller writes its ack
   * at once, which delivers it), `later` if entries before it are still to come (its delivery
   * will carry the ack), `past` if it will not be delivered in order here (not followed, or
   * already delivered).
   */
  place(session: Session, message: Message): Place {
    const { conversationId, seq } = message;
    if (session.closing || session.state.kind !== 'live') return 'past';
    if (session.cursors.isJoining(conversationId)) return 'later';
    const cursor = session.cursors.seq(conversationId);
    if (cursor === undefined || cursor >= seq) return 'past';
    if (cursor < seq - 1 || session.replays?.has(conversationId)) return 'later';
    session.cursors.set(conversationId, seq);
    this.#deps.metrics.deliveries.inc();
    return 'next';
  }

  /**
   * Sends one entry and advances the cursor; a session whose user left stops following. The
   * sender's protocol-2 socket gets its send's ack in place of the message's frame.
   */
  #deliver(
    session: Session,
    conversationId: string,
    entry: TimelineEntry,
    frame: string,
    onWritten?: () => void,
  ): void {
    const ack =
      session.acks && entry.kind === 'message' ? takeAck(session, entry.message, frame) : null;
    session.send(ack ?? frame, onWritten);
    this.#deps.metrics.deliveries.inc();
    if (session.closing) return;
    session.cursors.set(conversationId, seqOf(entry));
    if (
      entry.kind === 'event' &&
      (entry.event.type === 'member.removed' || entry.event.type === 'member.left') &&
      entry.event.data.userId === session.user.id
    ) {
      this.#subscriptions.detach(session, conversationId);
      // A replay can deliver a removal the user has since undone by joining again.
      void this.rejoin(session, conversationId, seqOf(entry));
    }
  }
}
