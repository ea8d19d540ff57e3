import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startHaCluster, type HaCluster } from '../../src/supervisor/ha-cluster.js';
import { linkNames, namespaceNames } from '../../src/supervisor/ip.js';
import { partitionSupport, type Network } from '../../src/supervisor/network.js';
import type { PatroniMember } from '../../src/supervisor/patroni.js';
import { waitUntil } from '../../src/supervisor/processes.js';
import { Api, uniqueName, type TestUser } from '../helpers/api.js';
import { UNLIMITED } from '../helpers/limits.js';

/**
 * The HA stack in a partitionable network (issue 12): every etcd member, PostgreSQL member,
 * HAProxy, NATS server and chat node in a namespace of its own, and a Patroni primary cut off
 * from everyone failing over to a member on the majority side.
 */

const support = partitionSupport();
const skip = support.supported ? false : `network partitions are not possible: ${support.reason}`;

/** Longest a failover (leader key expiry, promotion, HAProxy's checks) may take under load. */
const FAILOVER_MS = 120_000;

/** The HTTP status of `url`, or 'no answer' within `timeoutMs`. */
async function status(url: string, timeoutMs = 5_000): Promise<number | 'no answer'> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(timeoutMs) })).status;
  } catch {
    return 'no answer';
  }
}

describe('the HA stack in a partitionable network', { skip, timeout: 600_000 }, () => {
  let cluster: HaCluster;
  let network: Network;
  let api: Api;
  let alice: TestUser;
  let bob: TestUser;
  let dm: string;

  before(
    async () => {
      const start = Date.now();
      cluster = await startHaCluster({
        etcd: 5,
        postgres: 3,
        nats: 1,
        nodes: 2,
        nodeArgs: [...UNLIMITED, '--store-timeout', '3000', '--log-level', 'warn'],
        network: true,
      });
      network = cluster.network!;
      console.log(`HA stack in namespaces up in ${Date.now() - start} ms`);
    },
    { timeout: 300_000 },
  );
  after(() => cluster?.stop());

  it('places every process at its own host address', () => {
    assert.deepEqual(
      [...network.hosts],
      [
        'haproxy',
        ...['etcd-1', 'etcd-2', 'etcd-3', 'etcd-4', 'etcd-5'],
        ...['pg-1', 'pg-2', 'pg-3', 'nats-1', 'node-1', 'node-2'],
      ],
    );
    const host = (url: string) => new URL(url).hostname;
    assert.equal(host(cluster.storeUrl), network.address('haproxy'));
    assert.equal(host(cluster.frontDoorUrl), network.address('haproxy'));
    for (const member of cluster.etcd.members)
      assert.equal(host(member.clientUrl), network.address(member.name));
    for (const member of cluster.patroni.members) {
      assert.equal(member.address, network.address(member.name));
      assert.equal(host(member.restUrl), network.address(member.name));
    }
    assert.equal(host(cluster.nats.urls[0]!), network.address('nats-1'));
    for (const node of cluster.nodes) assert.equal(host(node.url), network.address(node.id));
  });

  it('a write through a node goes through HAProxy to the primary', async () => {
    api = new Api(cluster.urls[0]!);
    alice = await api.signup(uniqueName('alice'));
    bob = await api.signup(uniqueName('bob'));
    dm = await api.dm(alice, bob.username);
    assert.equal((await api.send(alice, dm, 'before the partition')).status, 201);
    assert.equal(await status(`${cluster.urls[1]!}/readyz`), 200);
  });

  it('isolating the Patroni primary elects another; the nodes are ready and write again', async () => {
    const old = await cluster.patroni.primary();
    assert.ok(old, 'a primary before the partition');
    await network.isolate(old.name);
    const start = Date.now();
    try {
      let next: PatroniMember | null = null;
      await waitUntil(
        async () => {
          next = await cluster.patroni.primary().catch(() => null);
          return next !== null && next !== old;
        },
        { timeoutMs: FAILOVER_MS, what: `a new primary once ${old.name} is isolated` },
      );
      assert.notEqual(next!.name, old.name);
      for (const url of cluster.urls)
        await waitUntil(async () => (await status(`${url}/readyz`)) === 200, {
          timeoutMs: FAILOVER_MS,
          what: `${url} to be ready on the new primary`,
        });
      // One clientMsgId for every try: a send committed whose answer was lost is not doubled.
      const clientMsgId = crypto.randomUUID();
      await waitUntil(
        async () =>
          (await api.send(alice, dm, 'after the failover', clientMsgId).catch(() => null))
            ?.status === 201,
        { timeoutMs: FAILOVER_MS, what: 'a REST send through node-1 to be acked' },
      );
      console.log(
        `${old.name} isolated: ${next!.name} took over, writes back in ${Date.now() - start} ms`,
      );
    } finally {
      await network.heal();
    }
    // Healed, the old primary rejoins as a standby (rewound if it ran ahead).
    const primary = await cluster.patroni.waitForSyncStandbys({ timeoutMs: FAILOVER_MS });
    assert.notEqual(primary, old);
    const history = await api.fullHistory(bob, dm);
    assert.deepEqual(
      history.map((m: { body: string }) => m.body),
      ['before the partition', 'after the failover'],
    );
  });

  it('stop removes every namespace and link of the stack', async () => {
    const runId = network.runId;
    await cluster.stop();
    const mine = (name: string) => name.startsWith(`ply-${runId}-`);
    assert.deepEqual(
      [...(await namespaceNames()).filter(mine), ...(await linkNames()).filter(mine)],
      [],
    );
  });
});
