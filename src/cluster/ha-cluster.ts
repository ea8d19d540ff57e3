import { chatNode, type ClusterNode } from './chat-node.js';
import { startEtcd, type EtcdCluster } from './etcd-server.js';
import { startHaproxy, type Haproxy } from './haproxy.js';
import { startNats, type NatsCluster } from './nats-server.js';
import { SUPERUSER } from './patroni-config.js';
import { startPatroni, type PatroniCluster } from './patroni.js';
import { freePort, waitUntil } from './processes.js';

/** The database the chat nodes use on the HA store. */
const DATABASE = 'parley';
/** How long HAProxy may take to see the primary, or a started node, healthy. */
const ROUTE_TIMEOUT_MS = 15_000;

/**
 * A local two-fault-tolerant stack: etcd, PostgreSQL members under Patroni, HAProxy in front of
 * them and of the chat nodes, a NATS cluster and N chat nodes, all on loopback (rule K11).
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
  /** Stops every process (nodes, NATS, HAProxy, Patroni, etcd) and removes all data; idempotent. */
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
  const stop = async () => {
    await Promise.all(nodes.map((n) => n.stop().catch(() => undefined)));
    for (const part of [parts.nats, parts.haproxy, parts.patroni, parts.etcd])
      await part?.stop().catch(() => undefined);
  };
  try {
    // Both settle before anything is judged: a failure of one must not leave the other running.
    const [etcd, nats] = await Promise.allSettled([
      startEtcd({ members: options.etcd ?? 5, ...onLine }),
      startNats({ servers: options.nats ?? 3, ...onLine }),
    ]);
    if (etcd.status === 'fulfilled') parts.etcd = etcd.value;
    if (nats.status === 'fulfilled') parts.nats = nats.value;
    if (etcd.status === 'rejected') throw etcd.reason;
    if (nats.status === 'rejected') throw nats.reason;
    const patroni = (parts.patroni = await startPatroni({
      etcdHosts: etcd.value.hosts,
      members: options.postgres ?? 3,
      ...onLine,
    }));
    const nodePorts: number[] = [];
    for (let i = 0; i < (options.nodes ?? 3); i++) nodePorts.push(await freePort());
    const haproxy = (parts.haproxy = await startHaproxy({
      store: patroni.members.map((m) => ({
        name: m.name,
        port: m.port,
        restPort: Number(new URL(m.restUrl).port),
      })),
      chatNodes: nodePorts.map((port, i) => ({ name: `node-${i + 1}`, port })),
      ...onLine,
    }));
    await waitUntil(
      async () => (await haproxy.servers('postgres')).some((s) => s.status === 'UP'),
      { timeoutMs: ROUTE_TIMEOUT_MS, what: 'HAProxy to route to the primary' },
    );
    const exists = await patroni.psql(`SELECT 1 FROM pg_database WHERE datname = '${DATABASE}'`);
    if (exists !== '1') await patroni.psql(`CREATE DATABASE ${DATABASE}`);
    const storeUrl = `postgres://${SUPERUSER}@127.0.0.1:${haproxy.storePort}/${DATABASE}`;
    for (const [i, port] of nodePorts.entries()) {
      const id = `node-${i + 1}`;
      const nodeArgs = options.nodeArgs ? { nodeArgs: options.nodeArgs } : {};
      nodes.push(
        chatNode({ id, port, store: storeUrl, bus: nats.value.urls, ...onLine, ...nodeArgs }),
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
      stop: () => (stopping ??= stop()),
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
