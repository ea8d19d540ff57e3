import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startNats, type NatsCluster } from '../supervisor/nats-server.js';
import { startPostgres, type PostgresServer } from '../supervisor/postgres-server.js';
import { freePort } from '../supervisor/free-port.js';
import {
  ManagedProcess,
  removeTemporaryDir,
  temporaryDir,
  waitUntil,
} from '../supervisor/processes.js';
import type { Watched } from './cpu.js';

/** Nodes the benchmark started itself: their URLs and pids, and how to stop them. */
export interface SpawnedTarget {
  urls: string[];
  /** The chat nodes' pids (memory and the `server` line). */
  pids: number[];
  /** Every server-side process to sample for the CPU split (rule B4). */
  watched: Watched[];
  /** Where its data is: what the search scenario seeds its history into (rule B3). */
  store: BenchStore;
  stop(): Promise<void>;
}

/** A spawned target's store: the embedded node's data directory, or the cluster's PostgreSQL. */
export type BenchStore = { kind: 'sqlite'; dataDir: string } | { kind: 'postgres'; url: string };

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

/** How to start the nodes: this build, or another checkout's `bin/parley.js` (`--server-dir`). */
export interface NodeBuild {
  command: string;
  args: string[];
  /** The `serve` flags that build accepts, or null: this build (accepts all). */
  flags: Set<string> | null;
}

/** This build, or the build in `serverDir` (its `serve --help` tells which flags it knows). */
export function nodeBuild(serverDir?: string): NodeBuild {
  if (!serverDir) return { ...selfCommand(), flags: null };
  const bin = join(resolve(serverDir), 'bin', 'parley.js');
  if (!existsSync(bin)) throw new Error(`--server-dir: no bin/parley.js in ${serverDir}`);
  const help = execFileSync(process.execPath, [bin, 'serve', '--help'], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { command: process.execPath, args: [bin], flags: new Set(help.match(/--[a-z][a-z-]*/g)) };
}

/** `args` without the flag/value pairs of BENCH_LIMITS the build does not know. */
function limitsFor(build: NodeBuild): string[] {
  const out: string[] = [];
  for (let i = 0; i < BENCH_LIMITS.length; i += 2) {
    if (build.flags === null || build.flags.has(BENCH_LIMITS[i]!))
      out.push(BENCH_LIMITS[i]!, BENCH_LIMITS[i + 1]!);
  }
  return out;
}

/**
 * Starts one `serve` process of `build`. Without `url` (port 0) it logs at info and resolves
 * once it logs node.started; with it, it logs at warn (as the cluster always did) and resolves
 * once `/healthz` answers.
 */
async function startNode(
  build: NodeBuild,
  id: string,
  args: string[],
  url?: string,
): Promise<{ process: ManagedProcess; url: string }> {
  const level = url ? 'warn' : 'info';
  const node = new ManagedProcess(
    id,
    build.command,
    [...build.args, 'serve', '--node-id', id, '--log-level', level, ...args, ...limitsFor(build)],
    { env: { ...process.env, PARLEY_LOG_LEVEL: level } },
  );
  try {
    if (!url) {
      const line = await node.waitForLine(/"event":"node.started"/, 60_000);
      return { process: node, url: (JSON.parse(line) as { url: string }).url };
    }
    const died = node.exited.then(({ code, signal }) => {
      throw new Error(`${id} exited (${signal ?? code}) while starting:\n${node.tail.join('\n')}`);
    });
    const ready = waitUntil(async () => (await fetch(`${url}/healthz`)).ok, {
      timeoutMs: 60_000,
      what: `${id} on ${url}`,
    });
    died.catch(() => undefined); // it rejects at the final stop too
    await Promise.race([ready, died]);
    return { process: node, url };
  } catch (err) {
    await node.stop();
    throw err;
  }
}

const nodeWatched = (id: string, node: ManagedProcess): Watched[] =>
  node.child.pid ? [{ role: 'node', name: id, pid: node.child.pid, tree: true }] : [];

/** Starts an embedded node (SQLite, in-process bus) on a free loopback port in its own process. */
export async function spawnEmbedded(serverDir?: string): Promise<SpawnedTarget> {
  const build = nodeBuild(serverDir);
  // Registered: a bench stopped by a signal still removes it (the supervisor's exit cleanup).
  const dataDir = await temporaryDir('parley-bench-');
  try {
    const { process: node, url } = await startNode(build, 'bench', [
      ...['--host', '127.0.0.1', '--port', '0', '--data', dataDir],
    ]);
    return {
      urls: [url],
      pids: node.child.pid ? [node.child.pid] : [],
      watched: nodeWatched('node', node),
      store: { kind: 'sqlite', dataDir },
      async stop() {
        await node.stop();
        await removeTemporaryDir(dataDir);
      },
    };
  } catch (err) {
    await removeTemporaryDir(dataDir);
    throw err;
  }
}

/**
 * Starts a local cluster for the benchmark: PostgreSQL and 3 NATS servers from this build's
 * supervisor (as `parley cluster up` does), and `nodes` chat nodes of `serverDir`'s build or this
 * one. Any failure stops what was started.
 */
export async function spawnCluster(nodes = 2, serverDir?: string): Promise<SpawnedTarget> {
  const build = nodeBuild(serverDir);
  let postgres: PostgresServer | null = null;
  let nats: NatsCluster | null = null;
  const started: Array<{ id: string; process: ManagedProcess; url: string }> = [];
  const stop = async () => {
    await Promise.all(started.map((n) => n.process.stop().catch(() => undefined)));
    await nats?.stop().catch(() => undefined);
    await postgres?.stop().catch(() => undefined);
  };
  try {
    [postgres, nats] = await Promise.all([startPostgres(), startNats({ servers: 3 })]);
    const store = postgres.url;
    const bus = nats.urls.join(',');
    const one = async (i: number) => {
      const id = `node-${i}`;
      const port = await freePort();
      const url = `http://127.0.0.1:${port}`;
      const node = await startNode(
        build,
        id,
        [
          ...['--host', '127.0.0.1', '--port', String(port), '--store', store, '--bus', bus],
          ...['--advertise-url', url],
        ],
        url,
      );
      started.push({ id, ...node });
    };
    // One first so migrations run once, then the rest together.
    await one(1);
    await Promise.all(Array.from({ length: nodes - 1 }, (_, i) => one(i + 2)));
    started.sort((a, b) => a.id.localeCompare(b.id));
    const pg = postgres.pid;
    const watched: Watched[] = [
      ...started.flatMap((n) => nodeWatched(n.id, n.process)),
      // The postmaster with its backends and auxiliary processes (its whole tree).
      ...(pg ? [{ role: 'postgres' as const, name: 'postgres', pid: pg, tree: true }] : []),
      ...nats.servers.flatMap((s) =>
        s.pid ? [{ role: 'nats' as const, name: s.name, pid: s.pid, tree: true }] : [],
      ),
    ];
    return {
      urls: started.map((n) => n.url),
      pids: started.flatMap((n) => (n.process.child.pid ? [n.process.child.pid] : [])),
      watched,
      store: { kind: 'postgres', url: store },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
