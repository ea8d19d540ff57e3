import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LOOPBACK, spawnAt, type Placement } from './placement.js';
import { freePort } from './free-port.js';
import { type ManagedProcess, findBinary, removeTemporaryDir, temporaryDir } from './processes.js';

/**
 * A throwaway HAProxy 2.6 (Debian's `haproxy`) in the foreground, with two listeners: the store
 * port, a TCP proxy to whichever PostgreSQL member Patroni's REST `/primary` names, and the front
 * door, an HTTP and WebSocket balancer over the chat nodes that are ready. The chat nodes need
 * no routing code of their own, and a browser has one URL.
 */

/** How long HAProxy may take to answer on its stats port. */
const READY_TIMEOUT_MS = 10_000;

/** A PostgreSQL member behind the store port. */
export interface StoreServer {
  name: string;
  /** The member's address (default 127.0.0.1): PostgreSQL and Patroni's REST API listen there. */
  address?: string;
  /** PostgreSQL's port on its address. */
  port: number;
  /** Patroni's REST port on its address, health-checked with `/primary`. */
  restPort: number;
}

/** A chat node behind the front door. */
export interface FrontDoorServer {
  name: string;
  /** The node's address (default 127.0.0.1). */
  address?: string;
  /** Its HTTP port on its address, health-checked with `GET /readyz`. */
  port: number;
}

/** One server's state as HAProxy's health checks see it. */
export interface ServerState {
  name: string;
  /** `UP`, `DOWN`, `UP 1/2` (going down), `DOWN 1/2` (coming up), `MAINT`, … */
  status: string;
}

/** A running HAProxy. */
export interface Haproxy {
  /** The address every listener binds: 127.0.0.1, or its host's own. */
  readonly address: string;
  /** The store port: PostgreSQL's current primary. */
  readonly storePort: number;
  /** The front door, `http://ADDRESS:PORT`: every ready chat node. */
  readonly frontDoorUrl: string;
  /** HAProxy's statistics page (CSV at `;csv`). */
  readonly statsUrl: string;
  /** The temporary directory of its configuration, removed by `stop()`. */
  readonly dir: string;
  readonly running: boolean;
  /** The servers of the `postgres` or `chat` backend, as health-checked now. */
  servers(backend: 'postgres' | 'chat'): Promise<ServerState[]>;
  /** Stops HAProxy and removes its configuration; idempotent. */
  stop(): Promise<void>;
}

/** Options for {@link startHaproxy}. */
export interface StartHaproxyOptions {
  store: StoreServer[];
  chatNodes: FrontDoorServer[];
  /** Receives every output line (health-check transitions, alerts). */
  onLine?: (name: string, line: string) => void;
  /** Where HAProxy runs (default loopback); every listener binds its address. */
  placement?: Placement;
}

/**
 * Writes a configuration and starts HAProxy on free loopback ports; resolves once it answers.
 * Throws MissingBinaryError if HAProxy is not installed.
 */
export async function startHaproxy(options: StartHaproxyOptions): Promise<Haproxy> {
  // Debian installs it in /usr/sbin, which a non-root PATH often lacks.
  const binary = findBinary('haproxy', { extraDirs: ['/usr/sbin'], debianPackage: 'haproxy' });
  const temp = await temporaryDir('parley-haproxy-');
  let child: ManagedProcess | null = null;
  const stop = async () => {
    await child?.stop();
    await removeTemporaryDir(temp);
  };
  try {
    const ports = { store: await freePort(), frontDoor: await freePort(), stats: await freePort() };
    const placement = options.placement ?? LOOPBACK;
    const address = placement.address;
    const configFile = join(temp, 'haproxy.cfg');
    await writeFile(configFile, haproxyConfig({ ...options, ports, address }));
    // -db: foreground, no daemon; the supervisor owns the process.
    child = spawnAt(placement, 'haproxy', binary, ['-db', '-f', configFile], {
      ...(options.onLine ? { onLine: options.onLine } : {}),
    });
    const statsUrl = `http://${address}:${ports.stats}/stats`;
    await child.waitUntilReady(async () => (await fetch(statsUrl)).ok, {
      timeoutMs: READY_TIMEOUT_MS,
      what: 'HAProxy to answer',
    });
    const proc = child;
    let stopping: Promise<void> | null = null;
    return {
      address,
      storePort: ports.store,
      frontDoorUrl: `http://${address}:${ports.frontDoor}`,
      statsUrl,
      dir: temp,
      get running() {
        return proc.running;
      },
      servers: (backend) => serverStates(statsUrl, backend),
      stop: () => (stopping ??= stop()),
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Reads the servers of `backend` from the CSV statistics. */
async function serverStates(statsUrl: string, backend: string): Promise<ServerState[]> {
  const csv = await (await fetch(`${statsUrl};csv`)).text();
  const [header = '', ...rows] = csv.split('\n');
  const columns = header.replace(/^# /, '').split(',');
  const at = (name: string) => columns.indexOf(name);
  return rows
    .map((row) => row.split(','))
    .filter((cells) => cells[at('pxname')] === backend)
    .filter((cells) => !['FRONTEND', 'BACKEND'].includes(cells[at('svname')] ?? ''))
    .map((cells) => ({ name: cells[at('svname')] ?? '', status: cells[at('status')] ?? '' }));
}

/** The configuration; docs/operations.md ("HA cluster") explains the settings. */
export function haproxyConfig(input: {
  store: StoreServer[];
  chatNodes: FrontDoorServer[];
  ports: { store: number; frontDoor: number; stats: number };
  /** The address the listeners bind (default 127.0.0.1). */
  address?: string;
}): string {
  const { ports } = input;
  const bind = input.address ?? '127.0.0.1';
  const at = (server: { address?: string }) => server.address ?? '127.0.0.1';
  return `global
  maxconn 2000
  nbthread 1

defaults
  timeout connect 2s
  timeout check 2s
  # Health checks every second; two failures mark a server down, two successes up again.
  default-server inter 1s fall 2 rise 2

listen postgres
  bind ${bind}:${ports.store}
  mode tcp
  # Pooled database connections idle for long; TCP keepalive, not a timeout, finds dead peers.
  timeout client 1h
  timeout server 1h
  # Patroni's /primary: 200 on the leader only. OPTIONS, not GET: the same answer without a body,
  # which HAProxy would cut off mid-write (Patroni logs a traceback for each).
  option httpchk OPTIONS /primary
  http-check expect status 200
  # Cut every session to a member that stops being the primary: none writes to a demoted one.
  default-server on-marked-down shutdown-sessions
${input.store.map((s) => `  server ${s.name} ${at(s)}:${s.port} check port ${s.restPort}`).join('\n')}

frontend front-door
  bind ${bind}:${ports.frontDoor}
  mode http
  timeout client 60s
  timeout http-request 10s
  default_backend chat

backend chat
  mode http
  # No sticky sessions: any node serves any user (rule K3).
  balance roundrobin
  timeout server 60s
  # WebSockets stay open for as long as the client keeps them (the protocol pings).
  timeout tunnel 1h
  # HTTP/1.1 with a Host header: a 1.0 request without one is refused (400).
  option httpchk
  http-check send meth GET uri /readyz ver HTTP/1.1 hdr Host 127.0.0.1 hdr Connection close
  http-check expect status 200
  # A request whose node refused the connection is sent to another one.
  retries 2
  option redispatch
${input.chatNodes.map((n) => `  server ${n.name} ${at(n)}:${n.port} check`).join('\n')}

listen stats
  bind ${bind}:${ports.stats}
  mode http
  timeout client 10s
  timeout server 10s
  stats enable
  stats uri /stats
`;
}
