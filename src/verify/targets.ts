import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BENCH_LIMITS } from '../bench/target.js';
import { chatNode, type ClusterNode } from '../supervisor/chat-node.js';
import { HAPROXY_HOST, startHaCluster, type HaCluster } from '../supervisor/ha-cluster.js';
import { startLocalCluster, type LocalCluster } from '../supervisor/local-cluster.js';
import { partitionSupport, type Network } from '../supervisor/network.js';
import type { NatsCluster } from '../supervisor/nats-server.js';
import type { PatroniMember } from '../supervisor/patroni.js';
import { freePort } from '../supervisor/free-port.js';
import type { Fault, FaultKind, FaultSurface } from './faults.js';

/** What verify runs against: started by itself (`--spawn`), or a deployment it only checks. */
export type TargetMode = 'embedded' | 'cluster' | 'ha' | 'url';

/** A deployment under test, and the faults it can suffer. */
export interface VerifyTarget {
  readonly mode: TargetMode;
  /** The chat nodes' URLs (the clients spread over them; the audit asks each). */
  readonly urls: string[];
  readonly surface: FaultSurface;
  /** Why network partitions are not injected, when they are not. */
  readonly partitionNote: string | null;
  inject(fault: Fault): Promise<void>;
  heal(fault: Fault): Promise<void>;
  stop(): Promise<void>;
}

/** Node arguments for a spawned target: limits out of the workload's way, quiet logs. */
const NODE_ARGS = [...BENCH_LIMITS, '--log-level', 'warn', '--store-timeout', '3000'];

const signal = (node: ClusterNode, name: NodeJS.Signals) => {
  const pid = node.process?.child.pid;
  if (pid && node.process?.running) process.kill(pid, name);
};

/** How a target injects (heal false) and heals (heal true) each fault it supports. */
type FaultHandlers = {
  [K in FaultKind]?: (fault: Extract<Fault, { kind: K }>, heal: boolean) => Promise<void>;
};

/** Runs the handler of `fault`'s kind; a kind the target lacks is refused. */
function applyWith(handlers: FaultHandlers, fault: Fault, heal: boolean): Promise<void> {
  const handler = handlers[fault.kind] as ((f: Fault, heal: boolean) => Promise<void>) | undefined;
  if (!handler) return Promise.reject(new Error(`this target cannot inject ${fault.kind}`));
  return handler(fault, heal);
}

/** Faults on chat nodes, common to every spawned target. */
function nodeFaults(nodes: ClusterNode[]): FaultHandlers {
  return {
    'kill-nodes': async (fault, heal) => {
      await Promise.all(fault.nodes.map((i) => (heal ? nodes[i]!.start() : nodes[i]!.kill())));
    },
    'pause-node': (fault, heal) => {
      signal(nodes[fault.node]!, heal ? 'SIGCONT' : 'SIGSTOP');
      return Promise.resolve();
    },
  };
}

/** kill -9 of a NATS server, healed by starting it again. */
function natsFaults(nats: NatsCluster): FaultHandlers {
  return {
    'kill-nats': (fault, heal) => {
      const server = nats.servers[fault.server]!;
      return heal ? server.restart() : server.kill();
    },
  };
}

/**
 * Partitions of a namespaced target: a node isolated, the hosts split in two, a node cut from
 * `databaseHost` (where its store connection goes); healing undoes every cut.
 */
function partitionFaults(
  network: Network,
  nodes: ClusterNode[],
  databaseHost: string,
): FaultHandlers {
  const nodeHost = (i: number) => nodes[i]!.id;
  const apply = async (healing: boolean, cut: () => Promise<unknown>) => {
    await (healing ? network.heal() : cut());
  };
  return {
    'isolate-node': (fault, healing) => apply(healing, () => network.isolate(nodeHost(fault.node))),
    split: (fault, healing) => apply(healing, () => network.split(fault.sides[0], fault.sides[1])),
    'cut-node-database': (fault, healing) =>
      apply(healing, () => network.cut(nodeHost(fault.node), databaseHost)),
  };
}

/** The surface a target's handlers give the nemesis. */
function surfaceOf(handlers: FaultHandlers, parts: Omit<FaultSurface, 'kinds'>): FaultSurface {
  return { ...parts, kinds: new Set(Object.keys(handlers) as FaultKind[]) };
}

/** One embedded node (SQLite, in-process bus) in its own process, on a fixed port. */
export async function spawnEmbeddedTarget(): Promise<VerifyTarget> {
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-verify-'));
  const node = chatNode({ id: 'node-1', port: await freePort(), dataDir, nodeArgs: NODE_ARGS });
  try {
    await node.start();
  } catch (err) {
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  const handlers = nodeFaults([node]);
  return {
    mode: 'embedded',
    urls: [node.url],
    surface: surfaceOf(handlers, { nodes: 1, natsServers: 0, databaseMembers: 0, hosts: null }),
    partitionNote: 'one process: there is no network between its parts to cut',
    inject: (fault) => applyWith(handlers, fault, false),
    heal: (fault) => applyWith(handlers, fault, true),
    async stop() {
      signal(node, 'SIGCONT');
      await node.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A local cluster: PostgreSQL, 3 NATS servers and `nodes` chat nodes, in namespaces if possible. */
export async function spawnClusterTarget(options: { nodes: number }): Promise<VerifyTarget> {
  const support = partitionSupport();
  const cluster: LocalCluster = await startLocalCluster({
    nodes: options.nodes,
    nats: 3,
    nodeArgs: NODE_ARGS,
    network: support.supported,
  });
  const network: Network | null = cluster.network;
  const handlers: FaultHandlers = {
    ...nodeFaults(cluster.nodes),
    ...natsFaults(cluster.nats),
    'crash-database': (_, heal) => (heal ? cluster.postgres.restart() : cluster.postgres.kill()),
  };
  if (network) Object.assign(handlers, partitionFaults(network, cluster.nodes, 'pg'));
  return {
    mode: 'cluster',
    urls: cluster.urls,
    surface: surfaceOf(handlers, {
      nodes: cluster.nodes.length,
      natsServers: cluster.nats.servers.length,
      databaseMembers: 1,
      hosts: network
        ? {
            nodes: cluster.nodes.map((n) => n.id),
            nats: cluster.nats.servers.map((s) => s.name),
            database: ['pg'],
          }
        : null,
    }),
    partitionNote: support.supported ? null : support.reason,
    inject: (fault) => applyWith(handlers, fault, false),
    heal: (fault) => applyWith(handlers, fault, true),
    async stop() {
      for (const node of cluster.nodes) signal(node, 'SIGCONT');
      await cluster.stop();
    },
  };
}

/**
 * The HA stack: etcd, three PostgreSQL members under Patroni, HAProxy, NATS, chat nodes; each in
 * a network namespace of its own where partitions are possible. For a partition "the database"
 * is every host of the store: a node cut from it is cut from HAProxy (its store connection goes
 * through it; the front door, which verify's clients do not use, loses the node too), and a
 * split keeps HAProxy, every PostgreSQL member and every etcd member on one side with some
 * nodes and NATS servers, the rest on the other. Patroni's own failover under a
 * partition is what `isolate-primary` exercises: the member leading when it starts loses every
 * peer, etcd, HAProxy and the clients, so a member of the majority takes over while the old
 * primary demotes itself when its leader key expires; healed, it rejoins as a standby.
 */
export async function spawnHaTarget(options: { nodes: number }): Promise<VerifyTarget> {
  const support = partitionSupport();
  const ha: HaCluster = await startHaCluster({
    nodes: options.nodes,
    nodeArgs: NODE_ARGS,
    network: support.supported,
  });
  const network: Network | null = ha.network;
  const killed = new Map<Fault, PatroniMember>();
  const crash = async (fault: Fault, member: PatroniMember | null, heal: boolean) => {
    if (heal) return killed.get(fault)?.start();
    if (!member) return; // no primary right now (a failover under way): nothing to crash
    killed.set(fault, member);
    await member.kill();
  };
  const handlers: FaultHandlers = {
    ...nodeFaults(ha.nodes),
    ...natsFaults(ha.nats),
    'crash-database': async (fault, heal) =>
      crash(fault, heal ? null : await ha.patroni.primary(), heal),
    'kill-member': (fault, heal) => crash(fault, ha.patroni.members[fault.member]!, heal),
  };
  const database = [
    HAPROXY_HOST,
    ...ha.patroni.members.map((m) => m.name),
    ...ha.etcd.members.map((m) => m.name),
  ];
  if (network) {
    Object.assign(handlers, partitionFaults(network, ha.nodes, HAPROXY_HOST));
    handlers['isolate-primary'] = async (_, healing) => {
      if (healing) return network.heal();
      // No primary right now (a failover under way): there is nothing to isolate.
      const primary = await ha.patroni.primary().catch(() => null);
      if (primary) await network.isolate(primary.name);
    };
  }
  return {
    mode: 'ha',
    urls: ha.urls,
    surface: surfaceOf(handlers, {
      nodes: ha.nodes.length,
      natsServers: ha.nats.servers.length,
      databaseMembers: ha.patroni.members.length,
      hosts: network
        ? { nodes: ha.nodes.map((n) => n.id), nats: ha.nats.servers.map((s) => s.name), database }
        : null,
    }),
    partitionNote: support.supported ? null : support.reason,
    inject: (fault) => applyWith(handlers, fault, false),
    heal: (fault) => applyWith(handlers, fault, true),
    async stop() {
      for (const node of ha.nodes) signal(node, 'SIGCONT');
      await ha.stop();
    },
  };
}

/** A running deployment verify does not control: it is only checked, never broken. */
export function urlTarget(urls: string[]): VerifyTarget {
  return {
    mode: 'url',
    urls,
    surface: {
      nodes: urls.length,
      natsServers: 0,
      databaseMembers: 0,
      kinds: new Set(),
      hosts: null,
    },
    partitionNote: 'a deployment verify did not start: it injects no faults of its own',
    inject: () =>
      Promise.reject(new Error('verify injects no faults into a deployment it did not start')),
    heal: () => Promise.resolve(),
    stop: () => Promise.resolve(),
  };
}
