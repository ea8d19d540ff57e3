import { LeaderDuties, type LeaderDeps } from './leader.js';
import { PresenceService, type PresenceDeps } from './presence.js';
import { HEARTBEAT_MS, NodeRegistry, type RegistryDeps, type SelfInfo } from './registry.js';

/** What this node's cluster duties need, together. */
export type ClusterDeps = RegistryDeps & PresenceDeps & LeaderDeps;

/**
 * This node's part in the cluster, on one clock: every heartbeat writes its registry row
 * (`registry`, services/registry.ts) and then gives the singleton duties their turn (`leader`,
 * services/leader.ts); `presence` (services/presence.ts) records and announces who is online.
 */
export class ClusterService {
  readonly registry: NodeRegistry;
  readonly presence: PresenceService;
  readonly leader: LeaderDuties;
  #timer: NodeJS.Timeout | null = null;
  #beating: Promise<void> = Promise.resolve();
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
  }

  /** Marks the node draining: discovery stops offering it (graceful shutdown). */
  async drain(): Promise<void> {
    this.registry.markDraining();
    await this.#heartbeat().catch(() => undefined);
  }

  /** Removes this node from the registry, forgets its sockets and gives up its lease. */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    await this.#beating;
    await this.leader.release();
    await this.presence.clear();
    await this.registry.deregister();
  }

  async #tick(): Promise<void> {
    try {
      await this.#heartbeat();
      await this.leader.tick();
    } catch (err) {
      this.#deps.log.warn({ event: 'cluster.tick_failed', err }, 'heartbeat or duties failed');
    }
  }

  /** The sockets of an earlier run of this node id are forgotten before its first heartbeat. */
  async #heartbeat(): Promise<void> {
    await this.presence.forgetEarlierRun();
    await this.registry.heartbeat();
  }
}
