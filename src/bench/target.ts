import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalCluster } from '../supervisor/local-cluster.js';
import { ManagedProcess } from '../supervisor/processes.js';

/** Nodes the benchmark started itself: their URLs and pids, and how to stop them. */
export interface SpawnedTarget {
  urls: string[];
  pids: number[];
  /** Where its data is: what the search scenario seeds its history into (rule B3). */
  store: BenchStore;
  stop(): Promise<void>;
}

/** A spawned target's store: the embedded node's data directory, or the cluster's PostgreSQL. */
export type BenchStore = { kind: 'sqlite'; dataDir: string } | { kind: 'postgres'; url: string };

/** Starts a local cluster (PostgreSQL, 3 NATS servers, `nodes` chat nodes) for the benchmark. */
export async function spawnCluster(nodes = 2): Promise<SpawnedTarget> {
  const cluster = await startLocalCluster({
    nodes,
    nats: 3,
    nodeArgs: [...BENCH_LIMITS, '--log-level', 'warn'],
  });
  return {
    urls: cluster.urls,
    pids: cluster.nodes.map((n) => n.process?.child.pid ?? 0).filter((pid) => pid > 0),
    store: { kind: 'postgres', url: cluster.postgres.url },
    stop: () => cluster.stop(),
  };
}

/** Limits high enough that the benchmark measures throughput, not the rate limiter. */
export const BENCH_LIMITS = [
  '--rate-login',
  '1000000',
  '--rate-register',
  '1000000',
  '--rate-sends',
  '1000000',
  '--rate-connections',
  '1000000',
  '--rate-password-account',
  '1000000',
  '--rate-password-ip',
  '1000000',
  '--hash-queue',
  '10000',
  '--max-group-members',
  '10000',
  '--rate-uploads',
  '1000000',
  '--rate-search',
  '1000000',
  '--upload-quota-mb',
  '1048576',
];

/** The command that runs this same `parley` CLI (compiled, or through tsx in development). */
export function selfCommand(): { command: string; args: string[] } {
  return { command: process.execPath, args: [...process.execArgv, process.argv[1] ?? ''] };
}

/** Starts an embedded node (SQLite, in-process bus) on a free loopback port in its own process. */
export async function spawnEmbedded(): Promise<SpawnedTarget> {
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-bench-'));
  const self = selfCommand();
  const node = new ManagedProcess(
    'node',
    self.command,
    [
      ...self.args,
      'serve',
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--data',
      dataDir,
      '--node-id',
      'bench',
      '--log-level',
      'info',
      ...BENCH_LIMITS,
    ],
    { env: { ...process.env, PARLEY_LOG_LEVEL: 'info' } },
  );
  const line = await node.waitForLine(/"event":"node.started"/, 60_000);
  const url = (JSON.parse(line) as { url: string }).url;
  return {
    urls: [url],
    pids: node.child.pid ? [node.child.pid] : [],
    store: { kind: 'sqlite', dataDir },
    async stop() {
      await node.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
