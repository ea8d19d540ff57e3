import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { patroniConfig, SUPERUSER, type MemberPorts } from './patroni-config.js';
import { LOOPBACK, spawnAt, type Placement } from './placement.js';
import { freePort } from './free-port.js';
import {
  type ManagedProcess,
  findBinary,
  giveTo,
  killAtOnce,
  postgresBinDirs,
  postgresUser,
  waitUntil,
  type RunAs,
  removeTemporaryDir,
  temporaryDir,
} from './processes.js';

/**
 * Three (or N) PostgreSQL members managed by Patroni (Debian's `patroni` 3.0), the HA store of
 * `parley cluster up --ha` and the HA tests: one primary and synchronous standbys, failing over
 * through etcd. Every member's data lives in one temporary directory, kept across a kill and a
 * restart (a crashed member rejoins, rewound if it diverged), removed by `stop()`.
 */

/** How long a start may take until a primary has its synchronous standbys streaming. */
const SYNC_TIMEOUT_MS = 120_000;
/** How long Patroni may take to answer on its REST port after a (re)start. */
const REST_TIMEOUT_MS = 30_000;
/** How long Patroni may take to stop PostgreSQL and release its leader key before a kill. */
const STOP_GRACE_MS = 30_000;
/** Patroni's heartbeat lines, one per member every loop (2 s): kept out of the forwarded log. */
const HEARTBEAT = /^INFO: (no action\. I am|Lock owner: )/;

/** One member as Patroni's REST `GET /cluster` reports it. */
export interface PatroniMemberStatus {
  name: string;
  /** `leader`, `sync_standby` or `replica` (Patroni 3.0). */
  role: string;
  /** `running`, `starting`, `stopped`, `crashed`, `creating replica`, … */
  state: string;
  timeline?: number;
  lag?: number | string;
}

/** One Patroni-managed PostgreSQL member. */
export interface PatroniMember {
  readonly name: string;
  /** Its Patroni REST API, `http://ADDRESS:PORT` (`/primary`, `/cluster`, `/patroni`). */
  readonly restUrl: string;
  /** The address its PostgreSQL and REST API listen on: 127.0.0.1, or its host's own. */
  readonly address: string;
  /** Its PostgreSQL port on {@link address}. */
  readonly port: number;
  /** Whether its Patroni process runs (its PostgreSQL may lag behind). */
  readonly running: boolean;
  /** Starts Patroni (again) with the member's data; resolves once its REST API answers. */
  start(): Promise<void>;
  /** Graceful stop: Patroni stops PostgreSQL, then exits. */
  stop(): Promise<void>;
  /** A crash: kill -9 of Patroni, its postmaster and every backend in one instant. */
  kill(): Promise<void>;
}

/** A running Patroni cluster. */
export interface PatroniCluster {
  /** Patroni's `scope`: the cluster's name in etcd. */
  readonly scope: string;
  readonly members: PatroniMember[];
  /** The temporary directory of every member's configuration and data, removed by `stop()`. */
  readonly dir: string;
  /** `GET /cluster` from the first running member that answers. */
  status(): Promise<PatroniMemberStatus[]>;
  /** The member Patroni names leader, if it runs; null during a failover. */
  primary(): Promise<PatroniMember | null>;
  /**
   * Resolves with the primary once it has `count` (default: every other member) synchronous
   * standbys streaming, and is not one of `not` (a failover's crashed primary).
   */
  waitForSyncStandbys(options?: {
    count?: number;
    not?: PatroniMember[];
    timeoutMs?: number;
  }): Promise<PatroniMember>;
  /** Runs SQL with `psql` as the superuser on the primary (database `postgres` by default). */
  psql(sqlText: string, database?: string): Promise<string>;
  /** Stops every member and removes the data; idempotent. */
  stop(): Promise<void>;
}

/** Options for {@link startPatroni}. */
export interface StartPatroniOptions {
  /** Patroni's consensus store: etcd members as `ADDRESS:PORT`. */
  etcdHosts: string[];
  /** Where each member (`pg-1`, `pg-2`, …) runs, Patroni with its PostgreSQL; default loopback. */
  placement?: (name: string) => Placement;
  /** Number of PostgreSQL members. Default 3. */
  members?: number;
  /** Receives every output line of every member (Patroni's and PostgreSQL's). */
  onLine?: (name: string, line: string) => void;
}

/**
 * Starts the members together (one bootstraps, the others clone it) and resolves once the
 * primary has every other member as a synchronous standby, streaming. Throws
 * MissingBinaryError if Patroni or PostgreSQL is not installed.
 */
export async function startPatroni(options: StartPatroniOptions): Promise<PatroniCluster> {
  const count = options.members ?? 3;
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`members must be ≥ 1: ${count}`);
  const patroni = findBinary('patroni', { debianPackage: 'patroni' });
  const binDirs = postgresBinDirs();
  const psql = findBinary('psql', { extraDirs: binDirs, debianPackage: 'postgresql' });
  findBinary('postgres', { extraDirs: binDirs, debianPackage: 'postgresql' });
  const binDir = binDirs.find((dir) => existsSync(join(dir, 'postgres')));
  if (binDir === undefined) throw new Error('no PostgreSQL server in /usr/lib/postgresql/*/bin');
  const runAs = await postgresUser();
  const temp = await temporaryDir('parley-patroni-');
  const members: Member[] = [];
  const cluster = new Cluster(`parley-${randomBytes(4).toString('hex')}`, members, psql, temp);
  try {
    await giveTo(temp, runAs);
    const ports: MemberPorts[] = [];
    for (let i = 0; i < count; i++) ports.push({ pg: await freePort(), rest: await freePort() });
    for (const [i, own] of ports.entries()) {
      const name = `pg-${i + 1}`;
      const placement = options.placement?.(name) ?? LOOPBACK;
      const dir = join(temp, name);
      await mkdir(dir, { mode: 0o700 });
      await giveTo(dir, runAs);
      const config = patroniConfig({
        scope: cluster.scope,
        name,
        dir,
        binDir,
        ports: own,
        address: placement.address,
        clientNetwork: placement.clientNetwork,
        etcdHosts: options.etcdHosts,
        synchronousNodeCount: count - 1,
      });
      const configFile = join(dir, 'patroni.yml');
      // JSON is YAML: no YAML writer needed, and no quoting surprises.
      await writeFile(configFile, JSON.stringify(config, null, 2), { mode: 0o600 });
      await giveTo(configFile, runAs);
      const where = { patroni, configFile, dir, ports: own, runAs, placement };
      const lines = options.onLine ? { onLine: options.onLine } : {};
      members.push(new Member(name, { ...where, ...lines }));
    }
    await Promise.all(members.map((m) => m.start()));
    await cluster.waitForSyncStandbys();
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  return cluster;
}

const execFileAsync = promisify(execFile);

class Cluster implements PatroniCluster {
  #stopping: Promise<void> | null = null;

  constructor(
    readonly scope: string,
    readonly members: Member[],
    private readonly psqlBinary: string,
    readonly dir: string,
  ) {}

  async status(): Promise<PatroniMemberStatus[]> {
    let lastError: unknown = new Error('no Patroni member is running');
    for (const member of this.members.filter((m) => m.running)) {
      try {
        const response = await fetch(`${member.restUrl}/cluster`, {
          signal: AbortSignal.timeout(2_000),
        });
        if (response.ok)
          return ((await response.json()) as { members: PatroniMemberStatus[] }).members;
        lastError = new Error(`${member.name}: GET /cluster answered ${response.status}`);
      } catch (err) {
        lastError = err;
      }
    }
    throw lastError;
  }

  async primary(): Promise<PatroniMember | null> {
    const leader = (await this.status()).find((m) => m.role === 'leader' && m.state === 'running');
    return this.members.find((m) => m.name === leader?.name && m.running) ?? null;
  }

  async waitForSyncStandbys(
    options: { count?: number; not?: PatroniMember[]; timeoutMs?: number } = {},
  ): Promise<PatroniMember> {
    const count = options.count ?? this.members.length - 1;
    let found: Member | null = null;
    await waitUntil(
      async () => {
        const status = await this.status();
        const leader = status.find((m) => m.role === 'leader' && m.state === 'running');
        const primary = this.members.find((m) => m.name === leader?.name);
        if (!primary || options.not?.includes(primary)) return false;
        const sync = status.filter((m) => m.role === 'sync_standby' && m.state === 'running');
        if (sync.length < count) return false;
        const streaming = await primary.syncStreaming();
        if (sync.filter((m) => streaming.includes(m.name)).length < count) return false;
        found = primary;
        return true;
      },
      {
        timeoutMs: options.timeoutMs ?? SYNC_TIMEOUT_MS,
        what: `a primary with ${count} synchronous standby(s) streaming`,
      },
    );
    return found!;
  }

  async psql(sqlText: string, database = 'postgres'): Promise<string> {
    const primary = await this.primary();
    if (!primary) throw new Error('no primary: Patroni names no running leader');
    const args = [
      '-h',
      primary.address,
      '-p',
      String(primary.port),
      '-U',
      SUPERUSER,
      '-d',
      database,
    ];
    args.push('-v', 'ON_ERROR_STOP=1', '-X', '-q', '-t', '-A', '-c', sqlText);
    const env = withoutVariables(/^PG/);
    return (await execFileAsync(this.psqlBinary, args, { env })).stdout.trim();
  }

  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      await Promise.all(this.members.map((m) => m.stop()));
      await removeTemporaryDir(this.dir);
    })();
    return this.#stopping;
  }
}

/** The caller's environment without variables that would redirect Patroni or libpq. */
function withoutVariables(pattern: RegExp): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !pattern.test(key)));
}

/** One `patroni` process on a fixed config at its placement, restartable. */
class Member implements PatroniMember {
  readonly restUrl: string;
  readonly address: string;
  readonly port: number;
  #process: ManagedProcess | null = null;

  constructor(
    readonly name: string,
    private readonly config: {
      patroni: string;
      configFile: string;
      dir: string;
      ports: MemberPorts;
      runAs: RunAs;
      placement: Placement;
      onLine?: StartPatroniOptions['onLine'];
    },
  ) {
    this.address = config.placement.address;
    this.restUrl = `http://${this.address}:${config.ports.rest}`;
    this.port = config.ports.pg;
  }

  get running(): boolean {
    return this.#process?.running ?? false;
  }

  async start(): Promise<void> {
    if (this.running) return;
    const { onLine, runAs, dir, placement, patroni, configFile } = this.config;
    const child = spawnAt(placement, this.name, patroni, [configFile], {
      runAs,
      companions: () => this.#postmasterPids(),
      // The postgres user may not enter the caller's working or home directory.
      cwd: '/',
      env: { ...withoutVariables(/^(PG|PATRONI_)/), HOME: dir },
      ...(onLine
        ? {
            onLine: (name: string, line: string) => {
              if (!HEARTBEAT.test(line)) onLine(name, line);
            },
          }
        : {}),
    });
    this.#process = child;
    await child.waitUntilReady(
      async () => (await fetch(`${this.restUrl}/liveness`)).status === 200,
      { timeoutMs: REST_TIMEOUT_MS, what: `${this.name}'s REST API` },
    );
  }

  /** The members this one, as primary, streams to synchronously (`GET /patroni`). */
  async syncStreaming(): Promise<string[]> {
    const response = await fetch(`${this.restUrl}/patroni`, { signal: AbortSignal.timeout(2_000) });
    const body = (await response.json()) as {
      replication?: Array<{ application_name: string; state: string; sync_state: string }>;
    };
    return (body.replication ?? [])
      .filter((r) => r.state === 'streaming' && r.sync_state === 'sync')
      .map((r) => r.application_name);
  }

  async stop(): Promise<void> {
    await this.#process?.stop(STOP_GRACE_MS);
    // Patroni stops its PostgreSQL on SIGTERM; one left behind (Patroni killed) is killed here.
    killAtOnce(this.#postmasterPids());
  }

  async kill(): Promise<void> {
    if (this.#process) await this.#process.kill({ children: true });
    else killAtOnce(this.#postmasterPids());
  }

  /**
   * The running postmaster of this member's data directory, if any (an empty list if not). Patroni starts it detached
   * (it is not Patroni's child), so it is found through its pid file, checked against /proc so
   * that a stale file never names some other process.
   */
  #postmasterPids(): number[] {
    const dataDir = join(this.config.dir, 'data');
    try {
      const pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      return Number.isInteger(pid) && pid > 0 && cmdline.some((arg) => arg.includes(dataDir))
        ? [pid]
        : [];
    } catch {
      return [];
    }
  }
}
