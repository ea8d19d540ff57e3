import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startNats, type NatsCluster } from './nats-server.js';
import { chatNode, type ClusterNode } from './chat-node.js';
import { startPostgres, type PostgresServer } from './postgres-server.js';
import { freePort } from './processes.js';

export type { ClusterNode } from './chat-node.js';

/** A throwaway PostgreSQL, a NATS cluster and N chat nodes on loopback. */
export interface LocalCluster {
  readonly postgres: PostgresServer;
  readonly nats: NatsCluster;
  readonly nodes: ClusterNode[];
  readonly urls: string[];
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
}

/**
 * Starts a local cluster from the installed binaries (rule K1): the supervisor behind
 * `parley cluster up` and the cluster tests. Any failure stops what was started.
 */
export async function startLocalCluster(options: LocalClusterOptions = {}): Promise<LocalCluster> {
  let postgres: PostgresServer | null = null;
  let nats: NatsCluster | null = null;
  const nodes: ClusterNode[] = [];
  const stop = async () => {
    await Promise.all(nodes.map((n) => n.stop().catch(() => undefined)));
    await nats?.stop().catch(() => undefined);
    await postgres?.stop().catch(() => undefined);
  };
  try {
    // PostgreSQL runs as its own user: a kept data directory must be reachable by it.
    const pgDir = options.dataDir ? join(options.dataDir, 'postgres') : undefined;
    if (options.dataDir) {
      mkdirSync(options.dataDir, { recursive: true });
      chmodSync(options.dataDir, 0o755);
    }
    [postgres, nats] = await Promise.all([
      startPostgres({
        ...(pgDir ? { dataDir: pgDir } : {}),
        ...(options.onLine ? { onLine: options.onLine } : {}),
      }),
      startNats({
        servers: options.nats ?? 3,
        ...(options.onLine ? { onLine: options.onLine } : {}),
      }),
    ]);
    const count = options.nodes ?? 3;
    for (let i = 1; i <= count; i++) {
      nodes.push(
        chatNode({
          id: `node-${i}`,
          port: await freePort(),
          store: postgres.url,
          bus: nats.urls,
          ...(options.onLine ? { onLine: options.onLine } : {}),
          ...(options.nodeArgs ? { nodeArgs: options.nodeArgs } : {}),
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
    stop: () => (stopping ??= stop()),
  };
}
