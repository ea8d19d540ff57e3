import { canBind } from './free-port.js';

/**
 * The fixed port layout of `parley cluster up --base-port N` (rule K13): the same ports on every
 * run, so that bookmarks, `parley chat --server` and scripts keep working across restarts.
 *
 *   N         PostgreSQL
 *   N+i       chat node i (i = 1..16)
 *   N+20+j    NATS server j's client port (j = 1..5)
 *   N+30+j    NATS server j's cluster (route) port
 *   N+40+j    NATS server j's HTTP monitoring port
 *
 * N+0..N+49 is the block a cluster reserves; N must be 1024..65486.
 */
export const PORT_BLOCK = 50;
export const MIN_BASE_PORT = 1024;
export const MAX_BASE_PORT = 65_535 - (PORT_BLOCK - 1);

/** The ports of one NATS server. */
export interface NatsPorts {
  client: number;
  /** 0 for a single server (no cluster port). */
  cluster: number;
  monitor: number;
}

/** Every port of a cluster laid out from a base port. */
export interface ClusterPorts {
  postgres: number;
  nodes: number[];
  nats: NatsPorts[];
}

/** The layout for `nodes` nodes and `nats` NATS servers from `base` (see the table above). */
export function clusterPorts(base: number, nodes: number, nats: number): ClusterPorts {
  if (!Number.isInteger(base) || base < MIN_BASE_PORT || base > MAX_BASE_PORT)
    throw new PortError(
      `--base-port must be ${MIN_BASE_PORT}-${MAX_BASE_PORT} (a cluster uses ports N to N+${PORT_BLOCK - 1})`,
    );
  if (nodes > 16 || nats > 5) throw new PortError('--base-port fits 16 nodes and 5 NATS servers');
  return {
    postgres: base,
    nodes: Array.from({ length: nodes }, (_, i) => base + 1 + i),
    nats: Array.from({ length: nats }, (_, i) => ({
      client: base + 21 + i,
      cluster: nats > 1 ? base + 31 + i : 0,
      monitor: base + 41 + i,
    })),
  };
}

/** A port of the layout cannot be used: out of range, or taken by another process. */
export class PortError extends Error {
  override readonly name = 'PortError';
}

/** Throws PortError naming every port of `ports` that cannot be bound on 127.0.0.1 now. */
export async function checkPortsFree(ports: ClusterPorts): Promise<void> {
  const named: Array<[string, number]> = [
    ['PostgreSQL', ports.postgres],
    ...ports.nodes.map((p, i): [string, number] => [`node-${i + 1}`, p]),
    ...ports.nats.flatMap((p, i): Array<[string, number]> => [
      [`nats-${i + 1} client`, p.client],
      ...(p.cluster ? [[`nats-${i + 1} cluster`, p.cluster] as [string, number]] : []),
      [`nats-${i + 1} monitor`, p.monitor],
    ]),
  ];
  const taken: string[] = [];
  for (const [name, port] of named) if (!(await canBind(port))) taken.push(`${port} (${name})`);
  if (taken.length > 0)
    throw new PortError(
      `port${taken.length > 1 ? 's' : ''} already in use: ${taken.join(', ')}; ` +
        'stop what listens there (ss -ltnp shows it) or choose another --base-port',
    );
}
