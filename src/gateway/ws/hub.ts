import { AppError, CLOSE_CODES } from '../../domain/errors.js';
import type { TimelineEntry } from '../../domain/model.js';
import { seqOf } from '../../domain/model.js';
import { subjects, type Bus, type BusEvent, type BusSubscription } from '../../ports/bus.js';
import type { GatewayContext } from '../http/context.js';
import type { Connection } from './connection.js';
import { encode, timelineFrame } from './frames.js';

/** Longest wait for the bus server to confirm a new socket's subscriptions before `ready`. */
const SUBSCRIBE_FLUSH_MS = 1_000;
/** Timeline entries read per catch-up page. */
const PAGE = 200;
/** How often, and how far apart, a joined conversation the store could not read is retried. */
const JOINED_ATTEMPTS = 10;
const JOINED_RETRY_MS = 1_000;

interface Room {
  connections: Set<Connection>;
  subscription: BusSubscription;
}

/**
 * The node's live delivery: which sockets receive which conversations, bus subscriptions, and
 * the per-socket cursor discipline that makes delivery gap-free and duplicate-free:
 * a socket receives seq n+1 only after n; anything else is read from the store (rule W5).
 */
export class Hub {
  readonly #ctx: GatewayContext;
  readonly #bus: Bus;
  readonly #conversations = new Map<string, Room>();
  readonly #users = new Map<string, Room>();
  /** Sockets between `hello` and `ready`, with the conversations they joined meanwhile. */
  readonly #registering = new Map<Connection, Array<{ conversationId: string; fromSeq: number }>>();
  readonly #heartbeat: NodeJS.Timeout;
  readonly #sweeper: NodeJS.Timeout;
  #sweeping = false;

  constructor(ctx: GatewayContext, bus: Bus, options: { heartbeatMs?: number } = {}) {
    this.#ctx = ctx;
    this.#bus = bus;
    this.#heartbeat = setInterval(() => this.#beat(), options.heartbeatMs ?? 30_000);
    this.#heartbeat.unref();
    this.#sweeper = setInterval(() => void this.#sweep(), ctx.config.sweepMs);
    this.#sweeper.unref();
    // After a bus outage live traffic may be missing: every socket catches up from the store.
    bus.onStatus((status) => {
      if (status !== 'reconnected') return;
      ctx.metrics.busReconnects.inc();
      this.#catchUpAll();
    });
  }

  /** Number of open, authenticated sockets. */
  get size(): number {
    let n = 0;
    for (const room of this.#users.values()) n += room.connections.size;
    return n;
  }

  isOnline(userId: string): boolean {
    return (this.#users.get(userId)?.connections.size ?? 0) > 0;
  }

  /**
   * Attaches an authenticated socket. It subscribes before it reads: first to the user's
   * revocations (then re-checks the session, so a logout cannot slip through), then to the
   * conversations (then reads their positions, so anything committed later arrives live).
   * `onReady` runs synchronously with the latest positions, before any entry can be
   * delivered; the client's cursors from `hello` take effect in the same instant, so nothing
   * is delivered live and then again by the replay. Only conversations the client is behind
   * in, or that had live traffic during the read, are read from the store. Resolves false if
   * the session ended.
   */
  async register(
    conn: Connection,
    options: {
      sessionActive: () => Promise<boolean>;
      onReady: (positions: Record<string, number>) => void;
      cursors?: Record<string, number>;
    },
  ): Promise<boolean> {
    const user = conn.user;
    this.#registering.set(conn, []);
    const firstForUser = !this.#users.has(user.id);
    this.#join(this.#users, subjects.user(user.id), user.id, conn, (event) =>
      this.#onUserEvent(user.id, event),
    );
    // Both reads follow the revocation subscription; they do not depend on each other.
    const [active, ids] = await Promise.all([
      options.sessionActive(),
      this.#ctx.conversations.idsOf(user.id),
    ]);
    if (!active || conn.closed) return this.#abandon(conn);
    for (const id of ids) this.#attach(conn, id, undefined);
    // On a network bus, `ready` waits until the server has the subscriptions (one round trip),
    // so even best-effort events published right after it (typing, presence) reach this socket.
    if (this.#bus.lossy) await this.#subscribed();
    if (conn.closed) return this.#abandon(conn);
    const positions = await this.#ctx.conversations.positionsOf(user.id);
    if (conn.closed) return this.#abandon(conn);
    const cursors: Record<string, number> = {};
    for (const { conversationId, lastSeq } of positions) {
      if (!conn.cursors.has(conversationId) || conn.cursors.get(conversationId) === -1) {
        this.#attach(conn, conversationId, lastSeq);
      }
      cursors[conversationId] = conn.cursors.get(conversationId) ?? lastSeq;
    }
    // Conversations left between the two reads: not in positions, so not ours any more.
    for (const id of ids) if (conn.cursors.get(id) === -1) this.#detach(conn, id);
    // Live entries dropped while a position was being read may be newer than it.
    const early = conn.earlyEntries;
    conn.earlyEntries = null;
    options.onReady(cursors);
    this.#verifySoon(conn);
    // Every conversation of the user is attached now: any other id is not theirs. A cursor at
    // the position just read has nothing to replay: what comes next arrives live.
    const replayed = options.cursors ?? {};
    if (options.cursors)
      void this.#replay(conn, options.cursors, {
        upToDate: (id, seq) => {
          const position = cursors[id];
          return position !== undefined && seq >= position && !early?.has(id);
        },
      });
    for (const id of early ?? []) if (!Object.hasOwn(replayed, id)) void this.#pump(conn, id);
    // Conversations joined while registering that `ready` did not list follow it now.
    const joinedMeanwhile = this.#registering.get(conn) ?? [];
    this.#registering.delete(conn);
    for (const { conversationId, fromSeq } of joinedMeanwhile)
      void this.#rejoin(conn, conversationId, fromSeq - 1);
    if (firstForUser) this.#ctx.cluster.userOnline(user, conn.cursors.keys());
    return true;
  }

  /** One round trip to the bus server, bounded: a slow or absent server must not hold `ready`. */
  async #subscribed(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.#bus.flush().catch(() => undefined),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, SUBSCRIBE_FLUSH_MS))),
    ]);
    clearTimeout(timer);
  }

  /** Detaches a closed socket from every room; idempotent. */
  unregister(conn: Connection): void {
    if (!conn.principal) return;
    const userId = conn.principal.user.id;
    const room = this.#users.get(userId);
    if (room?.connections.delete(conn) && room.connections.size === 0) {
      room.subscription.unsubscribe();
      this.#users.delete(userId);
      this.#ctx.cluster.userOffline(conn.user, [...conn.cursors.keys()], () =>
        this.#users.has(userId),
      );
    }
    for (const id of [...conn.cursors.keys()]) this.#detach(conn, id);
  }

  #abandon(conn: Connection): false {
    this.#registering.delete(conn);
    this.unregister(conn);
    return false;
  }

  /**
   * Replays each listed conversation after the client's cursor, in order, then sends `synced`
   * (guarantee 4). Conversations the user no longer belongs to get `conversation.removed`.
   * Membership is checked for all of them first, so every cursor moves at the same instant
   * and no live entry slips in between and gets replayed again.
   */
  async sync(conn: Connection, cursors: Record<string, number>, ref?: string): Promise<void> {
    let unknown = 0;
    for (const id of Object.keys(cursors)) if (!conn.cursors.has(id)) unknown += 1;
    if (unknown > 0 && !this.#ctx.limiters.syncUnknownIds.take(conn.user.id, unknown))
      throw new AppError('rate_limited', 'too many unknown conversations in sync; wait');
    // Ids the socket does not follow are resolved in one read of the user's memberships, however
    // many there are (rule W9): a frame of strangers' ids costs one query, not one per id.
    const members = unknown
      ? new Set(await this.#ctx.conversations.idsOf(conn.user.id))
      : new Set<string>();
    if (conn.closed) return;
    await this.#replay(conn, cursors, { members, ref });
  }

  /**
   * Moves the listed cursors (synchronously, all at once), replays from them, then sends
   * `synced`. Ids neither attached nor in `members` get `conversation.removed`. A cursor that
   * `upToDate` says nothing follows yet is not read from the store.
   */
  #replay(
    conn: Connection,
    cursors: Record<string, number>,
    options: {
      members?: ReadonlySet<string>;
      ref?: string;
      upToDate?: (conversationId: string, seq: number) => boolean;
    },
  ): Promise<void> {
    const { members, ref, upToDate } = options;
    const entries = Object.entries(cursors);
    const pending: Array<Promise<void>> = [];
    for (const [conversationId, seq] of entries) {
      if (conn.cursors.has(conversationId)) {
        conn.cursors.set(conversationId, seq);
        if (upToDate?.(conversationId, seq)) continue;
      } else if (members?.has(conversationId)) {
        this.#attach(conn, conversationId, seq);
      } else {
        conn.send({ type: 'event', event: { type: 'conversation.removed', conversationId } });
        continue;
      }
      pending.push(this.#pump(conn, conversationId));
    }
    return Promise.all(pending).then(() => {
      const done: Record<string, number> = {};
      for (const [id] of entries) {
        const c = conn.cursors.get(id);
        if (c !== undefined) done[id] = c;
      }
      conn.send({ type: 'synced', cursors: done, ...(ref === undefined ? {} : { ref }) });
    });
  }

  /** Relays a typing signal to the conversation's other members (best effort). */
  typing(conn: Connection, conversationId: string): void {
    const user = conn.user;
    this.#bus.publish(subjects.conversation(conversationId), {
      type: 'typing',
      conversationId,
      userId: user.id,
      username: user.username,
    });
  }

  /** Closes every socket with `code` (shutdown: 1001 going away). */
  closeAll(code: number, reason: string): void {
    clearInterval(this.#heartbeat);
    clearInterval(this.#sweeper);
    const all = new Set<Connection>();
    for (const room of this.#users.values()) for (const c of room.connections) all.add(c);
    for (const c of all) c.close(code, reason);
  }

  #onConversationEvent(conversationId: string, event: BusEvent): void {
    const room = this.#conversations.get(conversationId);
    if (!room) return;
    switch (event.type) {
      case 'timeline':
        return this.#deliverLive(room, conversationId, event.entry);
      case 'conversation.deleted': {
        const frame = encode({
          type: 'event',
          event: { type: 'conversation.deleted', conversationId, actor: event.actor },
        });
        for (const conn of [...room.connections]) {
          conn.sendRaw(frame);
          this.#detach(conn, conversationId);
        }
        return;
      }
      case 'typing': {
        const frame = encode({
          type: 'typing',
          conversationId,
          userId: event.userId,
          username: event.username,
        });
        for (const conn of room.connections) if (conn.user.id !== event.userId) conn.sendRaw(frame);
        return;
      }
      case 'presence': {
        const frame = encode({
          type: 'presence',
          userId: event.userId,
          username: event.username,
          online: event.online,
        });
        for (const conn of room.connections) if (conn.user.id !== event.userId) conn.sendRaw(frame);
        return;
      }
      case 'joined':
      case 'read':
      case 'revoked':
        return; // user-scoped events travel on user subjects
    }
  }

  #deliverLive(room: Room, conversationId: string, entry: TimelineEntry): void {
    const seq = seqOf(entry);
    const createdAt = entry.kind === 'message' ? entry.message.createdAt : entry.event.createdAt;
    this.#ctx.metrics.fanoutLatency.observeMs(Date.now() - createdAt);
    let frame: string | undefined;
    for (const conn of [...room.connections]) {
      const cursor = conn.cursors.get(conversationId);
      if (cursor === undefined) continue;
      if (cursor < 0) {
        // Joining: its position is being read; register() reads what this may be beyond it.
        (conn.earlyEntries ??= new Set()).add(conversationId);
        continue;
      }
      const pump = conn.pumps?.get(conversationId);
      if (pump) {
        pump.dirty = true;
        continue;
      }
      if (seq <= cursor) continue;
      if (seq === cursor + 1) {
        frame ??= timelineFrame(entry);
        this.#deliver(conn, conversationId, entry, frame);
      } else {
        void this.#pump(conn, conversationId);
      }
    }
  }

  /** Sends one entry and advances the cursor; a socket whose user left stops receiving. */
  #deliver(
    conn: Connection,
    conversationId: string,
    entry: TimelineEntry,
    frame: string,
    onWritten?: () => void,
  ): void {
    conn.sendRaw(frame, onWritten);
    this.#ctx.metrics.deliveries.inc();
    conn.cursors.set(conversationId, seqOf(entry));
    if (
      entry.kind === 'event' &&
      (entry.event.type === 'member.removed' || entry.event.type === 'member.left')
    ) {
      if (entry.event.data.userId === conn.user.id) {
        this.#detach(conn, conversationId);
        // A replay can deliver a removal the user has since undone by joining again.
        void this.#rejoin(conn, conversationId, seqOf(entry));
      }
    }
  }

  /**
   * Follows a conversation again on a socket that does not (a join during `register`, or an
   * old removal replayed): if the user is a member now, `conversation.added`, then the
   * timeline after `cursor`. Nothing if not a member.
   */
  async #rejoin(conn: Connection, conversationId: string, cursor: number): Promise<void> {
    let conversation;
    try {
      conversation = await this.#ctx.conversations.get(conn.user, conversationId);
    } catch (err) {
      if (!(err instanceof AppError && err.code === 'not_found'))
        this.#ctx.log.warn(
          { event: 'ws.rejoin_failed', connId: conn.id, conversationId, err },
          'could not check a membership; the socket resyncs on its next connection',
        );
      return;
    }
    if (conn.closed || conn.cursors.has(conversationId)) return;
    conn.send({
      type: 'event',
      event: { type: 'conversation.added', conversationId, conversation },
    });
    this.#attach(conn, conversationId, cursor);
    void this.#pump(conn, conversationId);
  }

  /** Reads from the store after the socket's cursor until caught up (rule W5). */
  #pump(conn: Connection, conversationId: string): Promise<void> {
    const running = conn.pumps?.get(conversationId);
    if (running) {
      running.dirty = true;
      return running.done;
    }
    const state = { dirty: false, done: Promise.resolve() };
    (conn.pumps ??= new Map()).set(conversationId, state);
    this.#ctx.metrics.resyncs.inc();
    state.done = (async () => {
      try {
        for (;;) {
          const cursor = conn.cursors.get(conversationId);
          if (conn.closed || cursor === undefined || cursor < 0) return;
          state.dirty = false;
          const entries = await this.#ctx.messages.readTimeline(conversationId, cursor, PAGE);
          let written: Promise<void> | null = null;
          for (const [i, entry] of entries.entries()) {
            const current = conn.cursors.get(conversationId);
            if (conn.closed || current === undefined) return;
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
                this.#deliver(conn, conversationId, entry, timelineFrame(entry), resolve),
              );
            } else {
              this.#deliver(conn, conversationId, entry, timelineFrame(entry));
            }
          }
          if (written) await written;
          if (entries.length < PAGE && !state.dirty) return;
        }
      } catch (err) {
        this.#ctx.log.warn(
          { event: 'ws.catchup_failed', connId: conn.id, conversationId, err },
          'catch-up failed',
        );
        conn.close(CLOSE_CODES.goingAway, 'catch-up failed; reconnect and sync');
      } finally {
        conn.pumps?.delete(conversationId);
      }
    })();
    return state.done;
  }

  #onUserEvent(userId: string, event: BusEvent): void {
    const room = this.#users.get(userId);
    if (!room) return;
    switch (event.type) {
      case 'joined':
        void this.#joined(room, event.conversationId, event.fromSeq);
        return;
      case 'revoked':
        for (const conn of [...room.connections]) {
          if (event.sessionId === null || conn.principal?.session.id === event.sessionId) {
            conn.close(CLOSE_CODES.sessionRevoked, 'session ended');
          }
        }
        return;
      case 'read': {
        const frame = encode({
          type: 'event',
          event: { type: 'read', conversationId: event.conversationId, seq: event.seq },
        });
        for (const conn of room.connections) conn.sendRaw(frame);
        return;
      }
      case 'timeline':
      case 'conversation.deleted':
      case 'typing':
      case 'presence':
        return; // conversation events travel on conversation subjects
    }
  }

  async #joined(room: Room, conversationId: string, fromSeq: number, attempt = 1): Promise<void> {
    const [first] = room.connections;
    if (!first) return;
    let conversation;
    try {
      conversation = await this.#ctx.conversations.get(first.user, conversationId);
    } catch (err) {
      if (err instanceof AppError && err.code === 'not_found') return;
      // The store is out of reach (a partition, a failover): try again shortly; the sockets
      // that reconnect meanwhile learn of the conversation from `ready` anyway.
      this.#ctx.log.warn(
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
    for (const conn of [...room.connections]) {
      if (conn.closed || conn.cursors.has(conversationId)) continue;
      // Before `ready` nothing of a conversation may reach the socket: it joins after `ready`.
      const registering = this.#registering.get(conn);
      if (registering) {
        registering.push({ conversationId, fromSeq });
        continue;
      }
      conn.sendRaw(frame);
      this.#attach(conn, conversationId, fromSeq - 1);
      void this.#pump(conn, conversationId);
      this.#verifySoon(conn);
    }
  }

  /**
   * On a network bus a new subscription reaches the other servers a moment after it is made,
   * so an entry committed in that moment may never arrive live. Shortly after subscribing,
   * one read of the user's positions catches any such entry up from the store.
   */
  #verifySoon(conn: Connection): void {
    if (!this.#bus.lossy) return;
    const timer = setTimeout(() => {
      if (conn.closed) return;
      this.#ctx.conversations.positionsOf(conn.user.id).then(
        (positions) => {
          for (const { conversationId, lastSeq } of positions) {
            const cursor = conn.cursors.get(conversationId);
            if (cursor !== undefined && cursor >= 0 && lastSeq > cursor)
              void this.#pump(conn, conversationId);
          }
        },
        (err: unknown) =>
          this.#ctx.log.debug(
            { event: 'ws.verify_failed', connId: conn.id, err },
            'position check failed',
          ),
      );
    }, this.#ctx.config.subscribeCheckMs);
    timer.unref();
  }

  /** Adds the socket to a conversation; `undefined` cursor means "position not read yet" (-1). */
  #attach(conn: Connection, conversationId: string, cursor: number | undefined): void {
    conn.cursors.set(conversationId, cursor ?? -1);
    this.#join(
      this.#conversations,
      subjects.conversation(conversationId),
      conversationId,
      conn,
      (event) => this.#onConversationEvent(conversationId, event),
    );
  }

  #detach(conn: Connection, conversationId: string): void {
    conn.cursors.delete(conversationId);
    const room = this.#conversations.get(conversationId);
    if (!room?.connections.delete(conn)) return;
    if (room.connections.size === 0) {
      room.subscription.unsubscribe();
      this.#conversations.delete(conversationId);
    }
  }

  #join(
    rooms: Map<string, Room>,
    subject: string,
    key: string,
    conn: Connection,
    handler: (event: BusEvent) => void,
  ): void {
    let room = rooms.get(key);
    if (!room) {
      room = { connections: new Set(), subscription: this.#bus.subscribe(subject, handler) };
      rooms.set(key, room);
    }
    room.connections.add(conn);
  }

  /**
   * Every few seconds: sockets whose session ended (logout, account deletion, expiry) are
   * closed even if the bus lost the revocation; and on a network bus, which may lose an event
   * without telling (a NATS server that confirmed it dies before routing it, a broken route),
   * the latest seq of every conversation the node's sockets follow is read and sockets that
   * are behind are pumped (rule K6). A socket behind only because the live event is on its way
   * reads it a little early; the event is then dropped as already sent.
   */
  async #sweep(): Promise<void> {
    if (this.#sweeping || this.#users.size === 0) return;
    this.#sweeping = true;
    try {
      await this.#sweepSessions();
      if (this.#bus.lossy) await this.#sweepPositions();
    } catch (err) {
      this.#ctx.log.debug({ event: 'ws.sweep_failed', err }, 'sweep failed');
    } finally {
      this.#sweeping = false;
    }
  }

  async #sweepSessions(): Promise<void> {
    const sockets = new Map<string, Connection[]>();
    for (const room of this.#users.values()) {
      for (const conn of room.connections) {
        const id = conn.principal?.session.id;
        if (id !== undefined) sockets.set(id, [...(sockets.get(id) ?? []), conn]);
      }
    }
    const live = await this.#ctx.accounts.liveSessions([...sockets.keys()]);
    for (const [id, conns] of sockets) {
      if (live.has(id)) continue;
      for (const conn of conns) conn.close(CLOSE_CODES.sessionRevoked, 'session ended');
    }
  }

  async #sweepPositions(): Promise<void> {
    const latest = await this.#ctx.conversations.latestSeqs([...this.#conversations.keys()]);
    for (const [conversationId, lastSeq] of latest) {
      const room = this.#conversations.get(conversationId);
      if (!room) continue;
      for (const conn of room.connections) {
        const cursor = conn.cursors.get(conversationId);
        if (cursor !== undefined && cursor >= 0 && lastSeq > cursor) {
          this.#ctx.metrics.sweepCatchUps.inc();
          void this.#pump(conn, conversationId);
        }
      }
    }
  }

  #catchUpAll(): void {
    for (const room of this.#users.values()) {
      for (const conn of room.connections)
        for (const id of conn.cursors.keys()) void this.#pump(conn, id);
    }
  }

  #beat(): void {
    for (const room of [...this.#users.values()])
      for (const conn of [...room.connections]) conn.heartbeat();
  }
}
