import { LOOPBACK, spawnAt, type Placement } from './placement.js';
import type { NatsPorts } from './ports.js';
import { freePort } from './free-port.js';
import { findBinary, waitUntil, type ManagedProcess } from './processes.js';

/**
 * Throwaway NATS servers (Debian's `nats-server` 2.9), on loopback or each at its own
 * {@link Placement}, for the tests that need a real bus and for `parley cluster up`. Several
 * servers form one cluster (`parley`) over explicit routes; no JetStream, no data directory,
 * nothing outlives `stop()`.
 */

/** How long a server may take to print "Server is ready", and a cluster to connect its routes. */
const READY_TIMEOUT_MS = 15_000;

/** One server of a throwaway NATS cluster. */
export interface NatsServer {
  readonly name: string;
  /** Its client URL, `nats://ADDRESS:PORT`. */
  readonly url: string;
  /** Its HTTP monitoring endpoint (`/varz`, `/connz`, `/routez`, …). */
  readonly monitorUrl: string;
  readonly running: boolean;
  /** Its process id while it runs, else null. */
  readonly pid: number | null;
  /** Graceful stop (SIGTERM); resolves once the process is gone. */
  stop(): Promise<void>;
  /** kill -9, for fault tests; resolves once the process is gone. */
  kill(): Promise<void>;
  /** Starts it again on the same ports; resolves once it is ready and routed to its running peers. */
  restart(): Promise<void>;
}

/** A running throwaway NATS server or cluster. */
export interface NatsCluster {
  /** Every server's client URL, in server order. */
  readonly urls: string[];
  readonly servers: NatsServer[];
  /** Stops every server; idempotent. */
  stop(): Promise<void>;
}

/** Options for {@link startNats}. */
export interface StartNatsOptions {
  /** Number of servers; more than one forms a cluster. Default 1. */
  servers?: number;
  /** Receives every output line of every server (e.g. to prefix and print them). */
  onLine?: (name: string, line: string) => void;
  /** Where each server (`nats-1`, `nats-2`, …) runs; default loopback. */
  placement?: (name: string) => Placement;
  /** Fixed ports, one entry per server (`cluster up --base-port`); default free ones. */
  ports?: Ports[];
}

type Ports = NatsPorts;

/**
 * Starts `servers` NATS servers on free loopback ports and resolves once every one is ready and,
 * for a cluster, routed to all the others. Throws MissingBinaryError if nats-server is missing.
 */
export async function startNats(options: StartNatsOptions = {}): Promise<NatsCluster> {
  const count = options.servers ?? 1;
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`servers must be ≥ 1: ${count}`);
  // Debian installs it in /usr/sbin, which a non-root PATH often lacks.
  const binary = findBinary('nats-server', {
    extraDirs: ['/usr/sbin'],
    debianPackage: 'nats-server',
  });
  if (options.ports && options.ports.length !== count)
    throw new RangeError(`ports for ${options.ports.length} servers, not ${count}`);
  const ports = options.ports ?? (await allocatePorts(count));
  const names = ports.map((_, i) => `nats-${i + 1}`);
  const placements = names.map((name) => options.placement?.(name) ?? LOOPBACK);
  const listeners = ports.map((own, i) => ({ ...own, address: placements[i]!.address }));
  const servers: ServerProcess[] = [];
  const peersOf = (self: ServerProcess) => servers.filter((s) => s !== self);
  for (const [i, own] of listeners.entries()) {
    const name = names[i]!;
    const args = serverArgs(name, own, count > 1 ? listeners.filter((p) => p !== own) : null);
    const where = { ports: own, placement: placements[i]! };
    servers.push(new ServerProcess(name, binary, args, where, peersOf, options.onLine));
  }
  const stop = async () => {
    await Promise.all(servers.map((s) => s.stop()));
  };
  try {
    await Promise.all(servers.map((s) => s.start()));
    await Promise.all(servers.map((s) => s.routed()));
  } catch (err) {
    await stop();
    throw err;
  }
  return { urls: servers.map((s) => s.url), servers, stop };
}

/** Distinct free ports: the kernel may hand out a just-released port twice. */
async function allocatePorts(count: number): Promise<Ports[]> {
  const taken = new Set<number>();
  const next = async () => {
    for (;;) {
      const port = await freePort();
      if (!taken.has(port)) {
        taken.add(port);
        return port;
      }
    }
  };
  const ports: Ports[] = [];
  for (let i = 0; i < count; i++) {
    ports.push({
      client: await next(),
      cluster: count > 1 ? await next() : 0,
      monitor: await next(),
    });
  }
  return ports;
}

type Listeners = Ports & { address: string };

function serverArgs(name: string, own: Listeners, peers: Listeners[] | null): string[] {
  // The monitoring port listens on the -a address too.
  const args = ['-a', own.address, '-p', String(own.client), '-m', String(own.monitor)];
  args.push('--server_name', name);
  if (peers) {
    args.push('--cluster', `nats://${own.address}:${own.cluster}`, '--cluster_name', 'parley');
    args.push('--routes', peers.map((p) => `nats://${p.address}:${p.cluster}`).join(','));
  }
  return args;
}

/** One nats-server process, restartable on the same ports. */
class ServerProcess implements NatsServer {
  readonly url: string;
  readonly monitorUrl: string;
  #process: ManagedProcess | null = null;

  constructor(
    readonly name: string,
    private readonly binary: string,
    private readonly args: string[],
    private readonly where: { ports: Ports; placement: Placement },
    private readonly peersOf: (self: ServerProcess) => ServerProcess[],
    private readonly onLine: StartNatsOptions['onLine'],
  ) {
    const { ports, placement } = where;
    this.url = `nats://${placement.address}:${ports.client}`;
    this.monitorUrl = `http://${placement.address}:${ports.monitor}`;
  }

  get running(): boolean {
    return this.#process?.running ?? false;
  }

  get pid(): number | null {
    return this.running ? (this.#process?.child.pid ?? null) : null;
  }

  /** Spawns the process and waits for "Server is ready". */
  async start(): Promise<void> {
    if (this.running) return;
    const onLine = this.onLine;
    const { placement } = this.where;
    this.#process = spawnAt(placement, this.name, this.binary, this.args, onLine ? { onLine } : {});
    await this.#process.waitForLine(/Server is ready/, READY_TIMEOUT_MS);
  }

  /** Waits until this server has a route to every running peer (a no-op without a cluster). */
  async routed(): Promise<void> {
    const expected = this.peersOf(this).filter((p) => p.running).length;
    if (this.where.ports.cluster === 0 || expected === 0) return;
    const routez = `${this.monitorUrl}/routez`;
    await waitUntil(
      async () => {
        if (!this.running) throw new Error(`${this.name} exited`);
        const response = await fetch(routez);
        const body = (await response.json()) as { num_routes?: number };
        return (body.num_routes ?? 0) >= expected;
      },
      { timeoutMs: READY_TIMEOUT_MS, what: `${this.name} to route to ${expected} peer(s)` },
    );
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
    await this.routed();
  }

  async stop(): Promise<void> {
    await this.#process?.stop();
  }

  async kill(): Promise<void> {
    await this.#process?.kill();
  }
}
