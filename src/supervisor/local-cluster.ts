import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startNats, type NatsCluster } from './nats-server.js';
import { chatNode, type ClusterNode } from './chat-node.js';
import {
  createNetwork,
  partitionSupport,
  PartitionsUnsupportedError,
  type Network,
} from './network.js';
import type { Placement } from './placement.js';
import { startPostgres, type PostgresServer } from './postgres-server.js';
import { checkPortsFree, clusterPorts, PortError } from './ports.js';
import { freePort } from './free-port.js';

export type { ClusterNode } from './chat-node.js';

/** The network host of the PostgreSQL server; NATS servers are `nats-N`, chat nodes `node-N`. */
export const DATABASE_HOST = 'pg';

/** A throwaway PostgreSQL, a NATS cluster and N chat nodes, on loopback or in namespaces. */
export interface LocalCluster {
  readonly postgres: PostgresServer;
  readonly nats: NatsCluster;
  readonly nodes: ClusterNode[];
  readonly urls: string[];
  /**
   * With `network: true`, the network whose hosts are `pg`, each NATS server's name and each
   * node's id, for partitions; null on loopback.
   */
  readonly network: Network | null;
  /** Stops every process and removes temporary data; idempotent. */
  stop(): Promise<void>;
}

/** Options of {@link startLocalCluster}. */
export interface LocalClusterOptions {
  nodes?: number;
  nats?: number;
  /** Keep PostgreSQL's data here (default: a temporary directory, removed on stop). */
  dataDir?: string;
  /** Receives every output line of every process, with the process name. */
  onLine?: (name: string, line: string) => void;
  /** Extra `parley serve` arguments for every node (limits, log level). */
  nodeArgs?: string[];
  /**
   * Put PostgreSQL, each NATS server and each node in a network namespace of its own so that
   * partitions can be injected (Linux, root, iproute2); throws PartitionsUnsupportedError, with
   * the reason, where that is not possible. Default: everything on loopback.
   */
  network?: boolean;
  /**
   * Fixed ports laid out from this base (see ports.ts; `cluster up --base-port`); each is checked
   * before anything starts, and a PortError names those taken. Not with `network`.
   */
  basePort?: number;
  /** Receives a line at each step of stop(): the nodes, NATS, PostgreSQL (`cluster up`). */
  onStopStep?: (line: string) => void;
}

/**
 * Starts a local cluster from the installed binaries (rule K1): the supervisor behind
 * `parley cluster up` and the cluster tests. Any failure stops what was started.
 */
export async function startLocalCluster(options: LocalClusterOptions = {}): Promise<LocalCluster> {
  let postgres: PostgresServer | null = null;
  let nats: NatsCluster | null = null;
  let network: Network | null = null;
  const nodes: ClusterNode[] = [];
  const count = options.nodes ?? 3;
  const natsCount = options.nats ?? 3;
  const stop = async () => {
    const report = options.onStopStep ?? (() => undefined);
    if (nodes.length > 0) report('stopping the nodes (each drains, then exits)…');
    await Promise.all(nodes.map((n) => n.stop().catch(() => undefined)));
    if (nodes.length > 0) report(`nodes stopped: ${nodes.map(exitOf).join(', ')}`);
    if (nats) report('stopping NATS…');
    await nats?.stop().catch(() => undefined);
    if (postgres) report('stopping PostgreSQL…');
    await postgres?.stop().catch(() => undefined);
    // Last: the processes inside hold their namespaces until they are gone.
    await network?.destroy();
  };
  const fixed =
    options.basePort === undefined ? null : clusterPorts(options.basePort, count, natsCount);
  if (fixed) {
    if (options.network) throw new PortError('fixed ports are for loopback clusters only');
    await checkPortsFree(fixed);
  }
  try {
    const net = options.network ? await partitionableNetwork(count, natsCount) : null;
    network = net;
    const at = (host: string): { placement?: Placement } =>
      net ? { placement: net.placement(host) } : {};
    // PostgreSQL runs as its own user: a kept data directory must be reachable by it.
    const pgDir = options.dataDir ? join(options.dataDir, 'postgres') : undefined;
    if (options.dataDir) {
      mkdirSync(options.dataDir, { recursive: true });
      chmodSync(options.dataDir, 0o755);
    }
    [postgres, nats] = await Promise.all([
      startPostgres({
        ...(pgDir ? { dataDir: pgDir } : {}),
        ...(fixed ? { port: fixed.postgres } : {}),
        ...(options.onLine ? { onLine: options.onLine } : {}),
        ...at(DATABASE_HOST),
      }),
      startNats({
        servers: natsCount,
        ...(fixed ? { ports: fixed.nats } : {}),
        ...(options.onLine ? { onLine: options.onLine } : {}),
        ...(net ? { placement: (name: string) => net.placement(name) } : {}),
      }),
    ]);
    for (let i = 1; i <= count; i++) {
      // A namespace has ports of its own, but freePort() still hands each out once per process.
      nodes.push(
        chatNode({
          id: `node-${i}`,
          port: fixed?.nodes[i - 1] ?? (await freePort()),
          store: postgres.url,
          bus: nats.urls,
          ...(options.onLine ? { onLine: options.onLine } : {}),
          ...(options.nodeArgs ? { nodeArgs: options.nodeArgs } : {}),
          ...at(`node-${i}`),
        }),
      );
    }
    // Start one first so migrations run once, then the rest together.
    await nodes[0]?.start();
    await Promise.all(nodes.slice(1).map((n) => n.start()));
  } catch (err) {
    await stop();
    throw err;
  }
  let stopping: Promise<void> | null = null;
  return {
    postgres,
    nats,
    nodes,
    urls: nodes.map((n) => n.url),
    network,
    stop: () => (stopping ??= stop()),
  };
}

/** "node-1 (code 0)": how a stopped node's process ended. */
function exitOf(node: ClusterNode): string {
  const child = node.process?.child;
  const how = child?.signalCode ? `signal ${child.signalCode}` : `code ${String(child?.exitCode)}`;
  return `${node.id} (${how})`;
}

/** A network with a host for PostgreSQL, each NATS server and each node. */
async function partitionableNetwork(nodes: number, natsServers: number): Promise<Network> {
  const support = partitionSupport();
  if (!support.supported) throw new PartitionsUnsupportedError(support.reason);
  const hosts = [DATABASE_HOST];
  for (let i = 1; i <= natsServers; i++) hosts.push(`nats-${i}`);
  for (let i = 1; i <= nodes; i++) hosts.push(`node-${i}`);
  return createNetwork({ hosts });
}
