import type { ClusterNode } from '../domain/model.js';
import type { NodesStore } from '../ports/store.js';
import type { ServiceDeps } from './deps.js';

/** How often a node writes its heartbeat. */
export const HEARTBEAT_MS = 2_000;
/** A node whose heartbeat is older than this is not offered to clients. */
export const LIVE_WINDOW_MS = 3 * HEARTBEAT_MS;

/** What the registry needs to know about this node. */
export interface SelfInfo {
  id: string;
  /** The advertised URL (known once the node listens). */
  url: () => string;
  connections: () => number;
}

/** What the registry reads and writes: the nodes table only. */
export type RegistryDeps = Pick<ServiceDeps, 'now'> & { store: NodesStore };

/**
 * The node registry and discovery (rules K2, K3): every node keeps its row in the shared store
 * fresh with a heartbeat, and every node answers discovery from the table, so no node is
 * special.
 */
export class NodeRegistry {
  readonly #deps: RegistryDeps;
  readonly #self: SelfInfo;
  readonly #startedAt: number;
  #draining = false;

  constructor(deps: RegistryDeps, self: SelfInfo) {
    this.#deps = deps;
    this.#self = self;
    this.#startedAt = deps.now();
  }

  /** Writes this node's row: its URL, load and draining flag, stamped now. */
  async heartbeat(): Promise<void> {
    await this.#deps.store.upsertNode({
      id: this.#self.id,
      url: this.#self.url(),
      startedAt: this.#startedAt,
      heartbeatAt: this.#deps.now(),
      connections: this.#self.connections(),
      draining: this.#draining,
    });
  }

  /** From the next heartbeat on, discovery stops offering this node (graceful shutdown). */
  markDraining(): void {
    this.#draining = true;
  }

  /** Removes this node's row. */
  async deregister(): Promise<void> {
    await this.#deps.store.deleteNode(this.#self.id).catch(() => undefined);
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
}
