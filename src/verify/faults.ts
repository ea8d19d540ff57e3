import type { Random } from './random.js';

/** A fault the nemesis injects; each is undone by healing it. */
export type Fault =
  | { kind: 'kill-nodes'; nodes: number[] }
  | { kind: 'pause-node'; node: number }
  | { kind: 'kill-nats'; server: number }
  | { kind: 'crash-database' }
  | { kind: 'kill-member'; member: number }
  | { kind: 'isolate-node'; node: number }
  | { kind: 'split'; sides: [string[], string[]] }
  | { kind: 'cut-node-database'; node: number }
  /** The database primary (whichever member leads when it starts) cut off from everyone. */
  | { kind: 'isolate-primary' };

export type FaultKind = Fault['kind'];

/** The fault groups `--faults` names. */
export const FAULT_GROUPS = {
  kill: ['kill-nodes'],
  pause: ['pause-node'],
  nats: ['kill-nats'],
  database: ['crash-database', 'kill-member'],
  partition: ['isolate-node', 'split', 'cut-node-database', 'isolate-primary'],
} as const satisfies Record<string, readonly FaultKind[]>;

export type FaultGroup = keyof typeof FAULT_GROUPS;

/** What a target has to break: how many of each part, and which faults it can inject. */
export interface FaultSurface {
  nodes: number;
  natsServers: number;
  databaseMembers: number;
  kinds: ReadonlySet<FaultKind>;
  /** Host names for partitions (nodes, NATS servers, the database), when supported. */
  hosts: { nodes: string[]; nats: string[]; database: string[] } | null;
}

/** One planned fault: when it starts (ms after the run's start) and how long it holds. */
export interface PlannedFault {
  at: number;
  holdMs: number;
  fault: Fault;
}

/** A short human description, for the log and the report. */
export function describeFault(fault: Fault): string {
  switch (fault.kind) {
    case 'kill-nodes':
      return `kill -9 of node${fault.nodes.length > 1 ? 's' : ''} ${fault.nodes.map((n) => n + 1).join(', ')}`;
    case 'pause-node':
      return `SIGSTOP of node ${fault.node + 1}`;
    case 'kill-nats':
      return `kill -9 of NATS server ${fault.server + 1}`;
    case 'crash-database':
      return 'crash (kill -9) of the database primary';
    case 'kill-member':
      return `kill -9 of database member ${fault.member + 1}`;
    case 'isolate-node':
      return `node ${fault.node + 1} isolated from everyone`;
    case 'split':
      return `partition: {${fault.sides[0].join(', ')}} | {${fault.sides[1].join(', ')}}`;
    case 'cut-node-database':
      return `node ${fault.node + 1} cut from the database (not from clients)`;
    case 'isolate-primary':
      return 'the database primary isolated from everyone (its peers, etcd, HAProxy)';
  }
}

/**
 * The fault schedule, all of it drawn from the seed before the run starts: one fault at a time,
 * each held 1.5-6 s, then healed, with a pause of `intervalMs` ± 30 % between starts, until
 * `durationMs` minus a last quiet stretch.
 */
export function planFaults(options: {
  random: Random;
  surface: FaultSurface;
  kinds: FaultKind[];
  durationMs: number;
  intervalMs: number;
}): PlannedFault[] {
  const { random, surface } = options;
  const kinds = options.kinds.filter((k) => surface.kinds.has(k));
  const plan: PlannedFault[] = [];
  if (kinds.length === 0) return plan;
  let at = Math.min(2_000, options.intervalMs / 2);
  for (;;) {
    const holdMs = random.int(1_500, 6_000);
    if (at + holdMs > options.durationMs - 1_000) break;
    const fault = drawFault(random.pick(kinds), random, surface);
    plan.push({ at, holdMs, fault });
    at += holdMs + Math.round(options.intervalMs * (0.7 + 0.6 * random.next()));
  }
  return plan;
}

function drawFault(kind: FaultKind, random: Random, surface: FaultSurface): Fault {
  const nodes = Array.from({ length: surface.nodes }, (_, i) => i);
  switch (kind) {
    case 'kill-nodes': {
      // Up to all but one at once (all of it when there is one node: embedded mode).
      const count = surface.nodes === 1 ? 1 : random.int(1, surface.nodes - 1);
      return { kind, nodes: random.sample(nodes, count).sort((a, b) => a - b) };
    }
    case 'pause-node':
    case 'isolate-node':
    case 'cut-node-database':
      return { kind, node: random.pick(nodes) };
    case 'kill-nats':
      return { kind, server: random.int(0, surface.natsServers - 1) };
    case 'crash-database':
    case 'isolate-primary':
      return { kind };
    case 'kill-member':
      return { kind, member: random.int(0, surface.databaseMembers - 1) };
    case 'split': {
      const hosts = surface.hosts!;
      // Nodes and NATS servers on both sides; the database on one.
      const shuffledNodes = random.sample(hosts.nodes, hosts.nodes.length);
      const shuffledNats = random.sample(hosts.nats, hosts.nats.length);
      const cutNodes = random.int(1, Math.max(1, shuffledNodes.length - 1));
      const cutNats = random.int(1, Math.max(1, shuffledNats.length - 1));
      const a = [...shuffledNodes.slice(0, cutNodes), ...shuffledNats.slice(0, cutNats)];
      const b = [...shuffledNodes.slice(cutNodes), ...shuffledNats.slice(cutNats)];
      (random.chance(0.5) ? a : b).push(...hosts.database);
      return { kind, sides: [a, b] };
    }
  }
}
