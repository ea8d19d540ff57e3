import { chatNode, type ClusterNode } from './chat-node.js';
import { startEtcd, type EtcdCluster } from './etcd-server.js';
import { startHaproxy, type Haproxy } from './haproxy.js';
import { startNats, type NatsCluster } from './nats-server.js';
import {
  createNetwork,
  partitionSupport,
  PartitionsUnsupportedError,
  type Network,
} from './network.js';
import { SUPERUSER } from './patroni-config.js';
import { startPatroni, type PatroniCluster } from './patroni.js';
import type { Placement } from './placement.js';
import { freePort } from './free-port.js';
import { waitUntil } from './processes.js';

/** The database the chat nodes use on the HA store. */
const DATABASE = 'parley';
/** How long HAProxy may take to see the primary, or a started node, healthy. */
const ROUTE_TIMEOUT_MS = 15_000;

/**
 * The network host of HAProxy (the store port and the front door); etcd members are `etcd-N`,
 * PostgreSQL members (Patroni with its PostgreSQL) `pg-N`, NATS servers `nats-N`, nodes `node-N`.
 */
export const HAPROXY_HOST = 'haproxy';

/**
 * A local two-fault-tolerant stack: etcd, PostgreSQL members under Patroni, HAProxy in front of
 * them and of the chat nodes, a NATS cluster and N chat nodes, all on loopback (rule K11), or
 * with `network: true` each process in a network namespace of its own, for partitions.
 */
export interface HaCluster {
  /** Patroni's consensus store; each member can be killed and started again. */
  readonly etcd: EtcdCluster;
  /** The PostgreSQL members; `primary()` asks Patroni who leads now. */
  readonly patroni: PatroniCluster;
  readonly haproxy: Haproxy;
  readonly nats: NatsCluster;
  readonly nodes: ClusterNode[];
  /** The chat nodes' own URLs. */
  readonly urls: string[];
  /** The one URL for browsers and clients: HAProxy's front door over every ready node. */
  readonly frontDoorUrl: string;
  /** The store URL the chat nodes use: HAProxy's store port, always the primary. */
  readonly storeUrl: string;
  /**
   * With `network: true`, the network whose hosts are `etcd-N`, `pg-N`, `haproxy`, `nats-N`
   * and `node-N` (each member, server and node by its name), for partitions; null on loopback.
   */
  readonly network: Network | null;
  /**
   * Stops every process (nodes, NATS, HAProxy, Patroni, etcd), removes all data and then the
   * network, if any; idempotent.
   */
  stop(): Promise<void>;
}

/** Options of {@link startHaCluster}. */
export interface HaClusterOptions {
  /** Chat nodes (default 3). */
  nodes?: number;
  /** NATS servers (default 3). */
  nats?: number;
  /** etcd members (default 5: two may fail). */
  etcd?: number;
  /** PostgreSQL members (default 3: two may fail without losing an acked commit). */
  postgres?: number;
  /** Receives every output line of every process, with the process name. */
  onLine?: (name: string, line: string) => void;
  /** Extra `parley serve` arguments for every node (limits, log level). */
  nodeArgs?: string[];
  /**
   * Put every etcd member, PostgreSQL member (Patroni and its PostgreSQL), HAProxy, each NATS
   * server and each node in a network namespace of its own so that partitions can be injected
   * (Linux, root, iproute2); throws PartitionsUnsupportedError, with the reason, where that is
   * not possible. Default: everything on loopback.
   */
  network?: boolean;
}

/**
 * Starts the HA stack from the installed binaries: the supervisor behind `parley cluster up
 * --ha` and the HA tests. Resolves once the primary has every other member as a synchronous
 * standby and every node is up. Any failure stops what was started.
 */
export async function startHaCluster(options: HaClusterOptions = {}): Promise<HaCluster> {
  const onLine = options.onLine ? { onLine: options.onLine } : {};
  const parts: {
    etcd?: EtcdCluster;
    nats?: NatsCluster;
    patroni?: PatroniCluster;
    haproxy?: Haproxy;
  } = {};
  const nodes: ClusterNode[] = [];
  let network: Network | null = null;
  const stop = async () => {
    await Promise.all(nodes.map((n) => n.stop().catch(() => undefined)));
    for (const part of [parts.nats, parts.haproxy, parts.patroni, parts.etcd])
      await part?.stop().catch(() => undefined);
    // Last: the processes inside hold their namespaces until they are gone.
    await network?.destroy();
  };
  const counts = {
    etcd: options.etcd ?? 5,
    postgres: options.postgres ?? 3,
    nats: options.nats ?? 3,
    nodes: options.nodes ?? 3,
  };
  try {
    const net = options.network ? await partitionableNetwork(counts) : null;
    network = net;
    const placement = net ? { placement: (host: string) => net.placement(host) } : {};
    const at = (host: string): { placement?: Placement } =>
      net ? { placement: net.placement(host) } : {};
    // Both settle before anything is judged: a failure of one must not leave the other running.
    const [etcd, nats] = await Promise.allSettled([
      startEtcd({ members: counts.etcd, ...onLine, ...placement }),
      startNats({ servers: counts.nats, ...onLine, ...placement }),
    ]);
    if (etcd.status === 'fulfilled') parts.etcd = etcd.value;
    if (nats.status === 'fulfilled') parts.nats = nats.value;
    if (etcd.status === 'rejected') throw etcd.reason;
    if (nats.status === 'rejected') throw nats.reason;
    const patroni = (parts.patroni = await startPatroni({
      etcdHosts: etcd.value.hosts,
      members: counts.postgres,
      ...onLine,
      ...placement,
    }));
    const nodePorts: number[] = [];
    for (let i = 0; i < counts.nodes; i++) nodePorts.push(await freePort());
    const nodeAddress = (i: number) => net?.address(`node-${i + 1}`) ?? '127.0.0.1';
    const haproxy = (parts.haproxy = await startHaproxy({
      store: patroni.members.map((m) => ({
        name: m.name,
        address: m.address,
        port: m.port,
        restPort: Number(new URL(m.restUrl).port),
      })),
      chatNodes: nodePorts.map((port, i) => ({
        name: `node-${i + 1}`,
        address: nodeAddress(i),
        port,
      })),
      ...onLine,
      ...at(HAPROXY_HOST),
    }));
    await waitUntil(
      async () => (await haproxy.servers('postgres')).some((s) => s.status === 'UP'),
      { timeoutMs: ROUTE_TIMEOUT_MS, what: 'HAProxy to route to the primary' },
    );
    const exists = await patroni.psql(`SELECT 1 FROM pg_database WHERE datname = '${DATABASE}'`);
    if (exists !== '1') await patroni.psql(`CREATE DATABASE ${DATABASE}`);
    const storeUrl = `postgres://${SUPERUSER}@${haproxy.address}:${haproxy.storePort}/${DATABASE}`;
    for (const [i, port] of nodePorts.entries()) {
      const id = `node-${i + 1}`;
      const nodeArgs = options.nodeArgs ? { nodeArgs: options.nodeArgs } : {};
      const where = at(id);
      nodes.push(
        chatNode({
          id,
          port,
          store: storeUrl,
          bus: nats.value.urls,
          ...onLine,
          ...nodeArgs,
          ...where,
        }),
      );
    }
    // One first so migrations run once, then the rest together.
    await nodes[0]?.start();
    await Promise.all(nodes.slice(1).map((n) => n.start()));
    await waitUntil(async () => (await haproxy.servers('chat')).every((s) => s.status === 'UP'), {
      timeoutMs: ROUTE_TIMEOUT_MS,
      what: 'the front door to route to every node',
    });
    let stopping: Promise<void> | null = null;
    return {
      etcd: etcd.value,
      patroni,
      haproxy,
      nats: nats.value,
      nodes,
      urls: nodes.map((n) => n.url),
      frontDoorUrl: haproxy.frontDoorUrl,
      storeUrl,
      network,
      stop: () => (stopping ??= stop()),
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** A network with a host for every etcd member, PostgreSQL member, HAProxy, NATS server, node. */
async function partitionableNetwork(counts: {
  etcd: number;
  postgres: number;
  nats: number;
  nodes: number;
}): Promise<Network> {
  const support = partitionSupport();
  if (!support.supported) throw new PartitionsUnsupportedError(support.reason);
  const hosts = [HAPROXY_HOST];
  const add = (prefix: string, count: number) => {
    for (let i = 1; i <= count; i++) hosts.push(`${prefix}-${i}`);
  };
  add('etcd', counts.etcd);
  add('pg', counts.postgres);
  add('nats', counts.nats);
  add('node', counts.nodes);
  return createNetwork({ hosts });
}
