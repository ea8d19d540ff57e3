import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { LOOPBACK, spawnAt, type Placement } from './placement.js';
import { freePort } from './free-port.js';
import { type ManagedProcess, findBinary, removeTemporaryDir, temporaryDir } from './processes.js';

/**
 * A throwaway etcd 3.4 cluster on loopback or each member at its own {@link Placement} (Debian's `etcd-server`), Patroni's consensus store
 * in `parley cluster up --ha` and the HA tests. Each member has its own data directory in one
 * temporary directory, kept across a kill and a restart (a crashed member rejoins with its log),
 * removed by `stop()`. Only the v3 API is served: Patroni's `etcd3` driver needs nothing else.
 */

/** How long a member may take to answer `/health` (a restarted one catches up with the leader). */
const READY_TIMEOUT_MS = 30_000;
/** How long a member may take to stop at teardown before it is killed. */
const TEARDOWN_GRACE_MS = 2_000;

/** One member of a throwaway etcd cluster. */
export interface EtcdMember {
  readonly name: string;
  /** Its client URL, `http://ADDRESS:PORT` (gRPC and the v3 JSON gateway). */
  readonly clientUrl: string;
  readonly peerUrl: string;
  readonly running: boolean;
  /** Starts it (again) with its data; resolves once it answers `/health` with a leader. */
  start(): Promise<void>;
  /** Graceful stop (SIGTERM). */
  stop(): Promise<void>;
  /** kill -9, for fault tests; the data directory stays for `start()`. */
  kill(): Promise<void>;
}

/** A running throwaway etcd cluster. */
export interface EtcdCluster {
  readonly members: EtcdMember[];
  /** Every member's client URL, in member order. */
  readonly clientUrls: string[];
  /** Every member as `ADDRESS:PORT`, the form Patroni's `etcd3.hosts` takes. */
  readonly hosts: string[];
  /** The temporary directory of every member's data, removed by `stop()`. */
  readonly dir: string;
  /** Stops every member and removes the data; idempotent. */
  stop(): Promise<void>;
}

/** Options for {@link startEtcd}. */
export interface StartEtcdOptions {
  /** Number of members (5 tolerates two failures, 3 one). Default 5. */
  members?: number;
  /** Receives every output line of every member (e.g. to prefix and print them). */
  onLine?: (name: string, line: string) => void;
  /** Where each member (`etcd-1`, `etcd-2`, …) runs; default loopback. */
  placement?: (name: string) => Placement;
}

/**
 * Starts `members` etcd members forming one new cluster and resolves once every one reports
 * itself healthy. Throws MissingBinaryError if etcd is not installed.
 */
export async function startEtcd(options: StartEtcdOptions = {}): Promise<EtcdCluster> {
  const count = options.members ?? 5;
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`members must be ≥ 1: ${count}`);
  const binary = findBinary('etcd', { debianPackage: 'etcd-server' });
  const temp = await temporaryDir('parley-etcd-');
  const members: Member[] = [];
  const stop = async () => {
    // The data goes anyway: no need to wait out the last members' leadership transfer timeouts.
    await Promise.all(members.map((m) => m.stop(TEARDOWN_GRACE_MS)));
    await removeTemporaryDir(temp);
  };
  try {
    const ports: Array<{ client: number; peer: number; address: string }> = [];
    const placements: Placement[] = [];
    for (let i = 0; i < count; i++) {
      const placement = options.placement?.(`etcd-${i + 1}`) ?? LOOPBACK;
      placements.push(placement);
      ports.push({ client: await freePort(), peer: await freePort(), address: placement.address });
    }
    const initialCluster = ports
      .map((p, i) => `etcd-${i + 1}=http://${p.address}:${p.peer}`)
      .join(',');
    // A fresh token per cluster: a member can never join another run's cluster by mistake.
    const token = `parley-${randomBytes(6).toString('hex')}`;
    for (const [i, own] of ports.entries()) {
      const name = `etcd-${i + 1}`;
      const args = memberArgs({ name, dataDir: join(temp, name), ...own, initialCluster, token });
      members.push(new Member(name, binary, args, own, placements[i]!, options.onLine));
    }
    // Together: the first member waits for a quorum before it can report healthy.
    await Promise.all(members.map((m) => m.start()));
  } catch (err) {
    await stop();
    throw err;
  }
  let stopping: Promise<void> | null = null;
  return {
    members,
    clientUrls: members.map((m) => m.clientUrl),
    hosts: ports(members),
    dir: temp,
    stop: () => (stopping ??= stop()),
  };
}

function ports(members: Member[]): string[] {
  return members.map((m) => new URL(m.clientUrl).host);
}

function memberArgs(m: {
  name: string;
  dataDir: string;
  client: number;
  peer: number;
  address: string;
  initialCluster: string;
  token: string;
}): string[] {
  const client = `http://${m.address}:${m.client}`;
  const peer = `http://${m.address}:${m.peer}`;
  return [
    ...['--name', m.name, '--data-dir', m.dataDir],
    ...['--listen-client-urls', client, '--advertise-client-urls', client],
    ...['--listen-peer-urls', peer, '--initial-advertise-peer-urls', peer],
    // Ignored by a member that restarts with its data: it knows its cluster already.
    ...['--initial-cluster', m.initialCluster, '--initial-cluster-state', 'new'],
    ...['--initial-cluster-token', m.token],
    '--enable-v2=false',
    // Errors only: at info five members print dozens of lines a second, at warn every peer they lose.
    ...['--logger', 'zap', '--log-outputs', 'stderr', '--log-level', 'error'],
  ];
}

/** One etcd process at its placement, restartable with its data directory. */
class Member implements EtcdMember {
  readonly clientUrl: string;
  readonly peerUrl: string;
  #process: ManagedProcess | null = null;

  constructor(
    readonly name: string,
    private readonly binary: string,
    private readonly args: string[],
    ports: { client: number; peer: number; address: string },
    private readonly placement: Placement,
    private readonly onLine: StartEtcdOptions['onLine'],
  ) {
    this.clientUrl = `http://${ports.address}:${ports.client}`;
    this.peerUrl = `http://${ports.address}:${ports.peer}`;
  }

  get running(): boolean {
    return this.#process?.running ?? false;
  }

  async start(): Promise<void> {
    if (this.running) return;
    const onLine = this.onLine;
    const child = spawnAt(
      this.placement,
      this.name,
      this.binary,
      this.args,
      onLine ? { onLine } : {},
    );
    this.#process = child;
    const health = `${this.clientUrl}/health`;
    await child
      .waitUntilReady(
        async () => ((await (await fetch(health)).json()) as { health?: string }).health === 'true',
        { timeoutMs: READY_TIMEOUT_MS, what: `${this.name} to report healthy` },
      )
      .catch(async (err: unknown) => {
        await child.kill();
        throw err;
      });
  }

  async stop(graceMs?: number): Promise<void> {
    await this.#process?.stop(graceMs);
  }

  async kill(): Promise<void> {
    await this.#process?.kill();
  }
}
