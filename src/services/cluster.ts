import { LeaderDuties, type LeaderDeps } from './leader.js';
import { PresenceService, SILENT_CHECK_MS, type PresenceDeps } from './presence.js';
import {
  HEARTBEAT_MS,
  LIVE_WINDOW_MS,
  NodeRegistry,
  type RegistryDeps,
  type SelfInfo,
} from './registry.js';

/** What this node's cluster duties need, together. */
export type ClusterDeps = RegistryDeps & PresenceDeps & LeaderDeps;

/**
 * This node's part in the cluster, on one clock: every heartbeat writes its registry row
 * (`registry`, services/registry.ts) and then gives the singleton duties their turn (`leader`,
 * services/leader.ts); `presence` (services/presence.ts) records and announces who is online,
 * and on a faster clock of its own tells the others when a node falls silent (rule G7).
 */
export class ClusterService {
  readonly registry: NodeRegistry;
  readonly presence: PresenceService;
  readonly leader: LeaderDuties;
  #timer: NodeJS.Timeout | null = null;
  #watchTimer: NodeJS.Timeout | null = null;
  #beating: Promise<void> = Promise.resolve();
  #watching: Promise<void> | null = null;
  /** When the last heartbeat that reached the store was stamped. */
  #lastBeat: number | null = null;
  /** Heartbeats left that put this node's presence rows back after a late one. */
  #restoring = 0;
  readonly #deps: ClusterDeps;

  constructor(deps: ClusterDeps, self: SelfInfo) {
    this.#deps = deps;
    this.registry = new NodeRegistry(deps, self);
    this.presence = new PresenceService(deps, self.id);
    this.leader = new LeaderDuties(deps, this.presence);
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
    this.#watchTimer = setInterval(() => {
      // A check still running (a slow store) is not overtaken by the next one.
      this.#watching ??= this.#watch().finally(() => (this.#watching = null));
    }, SILENT_CHECK_MS);
    this.#watchTimer.unref();
  }

  /** Marks the node draining: discovery stops offering it (graceful shutdown). */
  async drain(): Promise<void> {
    this.registry.markDraining();
    await this.#heartbeat().catch(() => undefined);
  }

  /** Removes this node from the registry, forgets its sockets and gives up its lease. */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    if (this.#watchTimer) clearInterval(this.#watchTimer);
    await this.#beating;
    await this.#watching;
    await this.leader.release();
    await this.presence.clear();
    await this.registry.deregister();
  }

  async #tick(): Promise<void> {
    try {
      await this.#heartbeat();
      await this.leader.tick();
    } catch (err) {
      this.#deps.log.warn(
        { event: 'cluster.tick_failed', err },
        "could not record this node's heartbeat or run the cluster-wide jobs",
      );
    }
  }

  /** Silent nodes' users go offline for the others within seconds (rule G7). */
  async #watch(): Promise<void> {
    try {
      await this.presence.watchNodes(await this.#deps.store.listNodes());
    } catch (err) {
      this.#deps.log.debug({ event: 'cluster.watch_failed', err }, 'could not check the nodes');
    }
  }

  /**
   * The sockets of an earlier run of this node id are forgotten before its first heartbeat. A
   * heartbeat stamped more than LIVE_WINDOW_MS after the one before means the others may have
   * found this node silent and removed its presence (rule G7): it puts it back, at this heartbeat
   * and the next (a removal may have been under way).
   */
  async #heartbeat(): Promise<void> {
    const at = this.#deps.now();
    await this.presence.forgetEarlierRun();
    await this.registry.heartbeat();
    if (this.#lastBeat !== null && at - this.#lastBeat > LIVE_WINDOW_MS) {
      this.#deps.log.warn(
        { event: 'cluster.heartbeat_late', lateMs: at - this.#lastBeat },
        'this node missed its heartbeats; recording its users as online again',
      );
      this.#restoring = 2;
    }
    this.#lastBeat = at;
    if (this.#restoring > 0) await this.presence.restore(this.#restoring-- === 2);
  }
}
