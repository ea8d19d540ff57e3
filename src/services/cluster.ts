import type { ClusterNode } from '../domain/model.js';
import { subjects } from '../ports/bus.js';
import type { Store } from '../ports/store.js';
import type { ServiceDeps } from './deps.js';

/** How often a node writes its heartbeat. */
export const HEARTBEAT_MS = 2_000;
/** A node whose heartbeat is older than this is not offered to clients. */
export const LIVE_WINDOW_MS = 3 * HEARTBEAT_MS;
/** A node silent for this long is removed from the registry by the singleton duties. */
export const REAP_AFTER_MS = 30_000;
/** The lease under which one node at a time runs the clean-ups. */
export const DUTIES_LEASE = 'parley.singleton-duties';

/** Who a presence frame is about. */
export interface PresenceUser {
  id: string;
  username: string;
}

/** What the registry needs to know about this node. */
export interface SelfInfo {
  id: string;
  /** The advertised URL (known once the node listens). */
  url: () => string;
  connections: () => number;
}

/**
 * The node registry (rules K2-K4): every node registers itself in the shared store and
 * heartbeats; every node answers discovery from it, so there is no single point of failure.
 * One node at a time, under a store lease (a PostgreSQL advisory lock), runs the singleton
 * duties: reaping dead nodes and purging expired sessions. When it dies its lease ends with
 * its database session and another node's next attempt takes over.
 */
export class ClusterService {
  readonly #deps: ServiceDeps;
  readonly #self: SelfInfo;
  readonly #startedAt: number;
  #draining = false;
  #timer: NodeJS.Timeout | null = null;
  #lease: Awaited<ReturnType<Store['tryLease']>> = null;
  #lastPurge = 0;
  #ticks = 0;
  readonly #presenceWrites = new Map<string, Promise<void>>();
  #beating: Promise<void> = Promise.resolve();
  #presenceCleared = false;

  constructor(deps: ServiceDeps, self: SelfInfo) {
    this.#deps = deps;
    this.#self = self;
    this.#startedAt = deps.now();
  }

  /**
   * Registers this node and starts heartbeats and (when leader) the singleton duties. A store
   * that cannot be reached yet does not fail the start: the heartbeats register the node once
   * it can (rule K7).
   */
  async start(): Promise<void> {
    try {
      await this.#heartbeat();
    } catch (err) {
      this.#deps.log.warn(
        { event: 'cluster.register_deferred', err },
        'node not registered yet: the store cannot be reached; the heartbeat retries',
      );
    }
    this.#timer = setInterval(() => {
      this.#beating = this.#tick();
    }, HEARTBEAT_MS);
    this.#timer.unref();
  }

  /** True while this node holds the singleton-duties lease. */
  get leader(): boolean {
    return this.#lease !== null;
  }

  /** Marks the node draining: discovery stops offering it (graceful shutdown). */
  async drain(): Promise<void> {
    this.#draining = true;
    await this.#heartbeat().catch(() => undefined);
  }

  /** Removes this node from the registry and gives up its lease. */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    await this.#beating;
    await this.#lease?.release().catch(() => undefined);
    this.#lease = null;
    await this.#deps.store.clearPresence(this.#self.id).catch(() => undefined);
    await this.#deps.store.deleteNode(this.#self.id).catch(() => undefined);
  }

  /**
   * A user's first socket on this node is open: the presence table records it, then their
   * conversations hear they are online (rule G7). Recording first means that whoever hears the
   * frame and then asks any node gets the same answer.
   */
  userOnline(user: PresenceUser, conversationIds: Iterable<string>): void {
    const ids = [...conversationIds];
    void this.#record(user.id, true).then(() => this.#announce(user, ids, true));
  }

  /**
   * A user's last socket on this node closed. Once that is recorded, their conversations hear
   * they are offline, unless a socket of theirs is open on a live node (`isBack` asks this
   * node, which may have taken a new socket meanwhile): presence frames are cluster-wide.
   */
  userOffline(user: PresenceUser, conversationIds: string[], isBack: () => boolean): void {
    void this.#record(user.id, false).then(async () => {
      if (isBack()) return;
      const online = await this.onlineAmong([user.id]).catch(() => new Set<string>());
      if (online.has(user.id) || isBack()) return;
      this.#announce(user, conversationIds, false);
    });
  }

  #announce(user: PresenceUser, conversationIds: Iterable<string>, online: boolean): void {
    for (const conversationId of conversationIds) {
      this.#deps.bus.publish(subjects.conversation(conversationId), {
        type: 'presence',
        conversationId,
        userId: user.id,
        username: user.username,
        online,
      });
    }
  }

  /** Writes for one user are chained, so a quick connect-disconnect cannot land reversed. */
  #record(userId: string, online: boolean): Promise<void> {
    const previous = this.#presenceWrites.get(userId) ?? Promise.resolve();
    const next = previous
      .then(() => this.#deps.store.setPresence(userId, this.#self.id, online, this.#deps.now()))
      .catch((err: unknown) => {
        this.#deps.log.debug(
          { event: 'presence.write_failed', userId, err },
          'presence not recorded',
        );
      })
      .finally(() => {
        if (this.#presenceWrites.get(userId) === next) this.#presenceWrites.delete(userId);
      });
    this.#presenceWrites.set(userId, next);
    return next;
  }

  /** Users whose sockets a reaped node held: those not back on a live node are announced offline. */
  async #announceGone(userIds: string[]): Promise<void> {
    const back = await this.onlineAmong(userIds);
    for (const id of userIds) {
      if (back.has(id)) continue;
      const user = await this.#deps.store.getUserById(id);
      if (user) this.#announce(user, await this.#deps.store.listConversationIdsForUser(id), false);
    }
  }

  /** Of `userIds`, those with open sockets on any live node. */
  onlineAmong(userIds: string[]): Promise<Set<string>> {
    return this.#deps.store.onlineUsers(userIds, this.#deps.now() - LIVE_WINDOW_MS);
  }

  /** Live nodes (recent heartbeat), least loaded first. */
  async liveNodes(): Promise<ClusterNode[]> {
    const since = this.#deps.now() - LIVE_WINDOW_MS;
    const nodes = await this.#deps.store.listNodes();
    return nodes
      .filter((n) => n.heartbeatAt >= since)
      .sort(
        (a, b) =>
          Number(a.draining) - Number(b.draining) ||
          a.connections - b.connections ||
          a.id.localeCompare(b.id),
      );
  }

  /** The node a new client should use: the least-loaded live node that is not draining. */
  async pick(): Promise<ClusterNode | null> {
    const nodes = await this.liveNodes();
    return nodes.find((n) => !n.draining) ?? null;
  }

  async #tick(): Promise<void> {
    try {
      await this.#heartbeat();
      await this.#duties();
    } catch (err) {
      this.#deps.log.warn({ event: 'cluster.tick_failed', err }, 'heartbeat or duties failed');
    }
  }

  async #heartbeat(): Promise<void> {
    // Sockets of an earlier run of this node id are gone: forgotten before the first heartbeat.
    if (!this.#presenceCleared) {
      await this.#deps.store.clearPresence(this.#self.id);
      this.#presenceCleared = true;
    }
    await this.#deps.store.upsertNode({
      id: this.#self.id,
      url: this.#self.url(),
      startedAt: this.#startedAt,
      heartbeatAt: this.#deps.now(),
      connections: this.#self.connections(),
      draining: this.#draining,
    });
  }

  async #duties(): Promise<void> {
    if (!this.#lease) {
      // Asking costs a database session: a follower asks every fifth heartbeat (10 s).
      if (this.#ticks++ % 5 !== 0) return;
      this.#lease = await this.#deps.store.tryLease(DUTIES_LEASE);
      if (!this.#lease) return;
      this.#deps.log.info({ event: 'cluster.leader' }, 'took over the singleton duties');
      void this.#lease.lost.then(() => {
        this.#lease = null;
        this.#deps.log.warn({ event: 'cluster.lease_lost' }, 'lost the singleton-duties lease');
      });
    }
    const now = this.#deps.now();
    const dead = (await this.#deps.store.listNodes()).filter(
      (n) => n.heartbeatAt < now - REAP_AFTER_MS,
    );
    for (const node of dead) {
      const gone = await this.#deps.store.clearPresence(node.id);
      await this.#deps.store.deleteNode(node.id);
      await this.#announceGone(gone);
    }
    if (dead.length > 0) {
      this.#deps.log.info(
        { event: 'cluster.reaped', nodes: dead.map((n) => n.id) },
        'removed dead nodes',
      );
    }
    if (now - this.#lastPurge > 3_600_000) {
      this.#lastPurge = now;
      const purged = await this.#deps.store.deleteExpiredSessions(now);
      if (purged > 0)
        this.#deps.log.info(
          { event: 'sessions.purged', sessions: purged },
          'removed expired sessions',
        );
    }
  }
}
