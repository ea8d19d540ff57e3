import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { HaCluster } from '../../src/supervisor/ha-cluster.js';
import { startTestHaCluster } from '../helpers/ha.js';
import { childPids, waitUntil } from '../../src/supervisor/processes.js';
import { Api, uniqueName, type TestUser } from '../helpers/api.js';
import { WsClient } from '../helpers/ws.js';

function descendants(pid: number): number[] {
  return childPids(pid).flatMap((child) => [child, ...descendants(child)]);
}

/** This process's own helpers (tsx's esbuild service), running before any cluster starts. */
const helpers = new Set(descendants(process.pid));

/** Every process the cluster started: this process's new children, and Patroni's postmasters. */
function clusterProcesses(cluster: HaCluster): number[] {
  const dirs = [cluster.etcd.dir, cluster.patroni.dir, cluster.haproxy.dir];
  const detached = readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => dirs.some((dir) => command(pid).includes(dir)));
  const children = descendants(process.pid).filter((pid) => !helpers.has(pid));
  return [...new Set([...children, ...detached])];
}

/** Whether `pid` runs (a zombie, exited but not yet reaped by init, does not). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

function command(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '?';
  }
}

/** Sends through `api` until one is acked; resolves with the milliseconds it took. */
async function untilSendSucceeds(api: Api, user: TestUser, dm: string): Promise<number> {
  const start = Date.now();
  await waitUntil(async () => (await api.send(user, dm, 'after the failover')).status === 201, {
    timeoutMs: 60_000,
    what: 'a send through the front door to succeed',
  });
  return Date.now() - start;
}

describe('[K11] HA stack: etcd, PostgreSQL under Patroni, HAProxy, NATS, two chat nodes', () => {
  let cluster: HaCluster;
  let api: Api;
  let alice: TestUser;
  let bob: TestUser;
  let dm: string;
  before(
    async () => {
      cluster = await startTestHaCluster();
      api = new Api(cluster.frontDoorUrl);
      alice = await api.signup(uniqueName('alice'));
      bob = await api.signup(uniqueName('bob'));
      dm = await api.dm(alice, bob.username);
    },
    { timeout: 150_000 },
  );
  after(() => cluster?.stop());

  it('[K11] the primary has both other members as synchronous standbys; the store port routes to it alone', async () => {
    const status = await cluster.patroni.status();
    const primary = await cluster.patroni.primary();
    assert.ok(primary);
    assert.deepEqual(
      status.map((m) => m.role).sort(),
      ['leader', 'sync_standby', 'sync_standby'],
      JSON.stringify(status),
    );
    const routed = (await cluster.haproxy.servers('postgres')).filter((s) => s.status === 'UP');
    assert.deepEqual(
      routed.map((s) => s.name),
      [primary.name],
    );
  });

  it('[K11] the front door balances over both nodes and serves REST and WebSockets', async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 4; i++) {
      const res = await fetch(`${cluster.frontDoorUrl}/readyz`);
      assert.equal(res.status, 200);
      seen.add(((await res.json()) as { node: string }).node);
    }
    assert.deepEqual([...seen].sort(), ['node-1', 'node-2'], 'round robin, no stickiness');

    const sent = await api.send(alice, dm, 'through the front door');
    assert.equal(sent.status, 201, JSON.stringify(sent.body));
    const history = await api.history(bob, dm);
    assert.ok(history.body.messages.some((m: any) => m.id === sent.body.message.id));

    const ws1 = (await WsClient.open(cluster.frontDoorUrl, alice.token)).client;
    const ws2 = (await WsClient.open(cluster.frontDoorUrl, bob.token)).client;
    try {
      ws1.send({ type: 'send', conversationId: dm, clientMsgId: 'fd-1', body: 'live' });
      const ack = await ws1.next((f) => f.type === 'ack');
      const got = await ws2.next((f) => f.type === 'message');
      assert.deepEqual(got.message, ack.message);
    } finally {
      await ws1.close();
      await ws2.close();
    }
  });

  it('[K11] kill -9 of the primary: a synchronous standby takes over, the nodes answer again, the old primary rejoins', async () => {
    const acked = await api.send(alice, dm, 'before the crash');
    assert.equal(acked.status, 201);
    const old = await cluster.patroni.primary();
    assert.ok(old);
    await old.kill();
    const window = await untilSendSucceeds(api, alice, dm);
    const next = await cluster.patroni.primary();
    assert.ok(next && next !== old, 'another member leads');
    console.log(
      `# ${old.name} killed: ${next.name} leads, sends through the front door failed for ${window} ms`,
    );

    const history = await api.fullHistory(bob, dm);
    assert.ok(
      history.some((m) => m.id === acked.body.message.id),
      'the acked message survived',
    );
    for (const node of cluster.nodes)
      await waitUntil(async () => (await fetch(`${node.url}/readyz`)).status === 200, {
        timeoutMs: 30_000,
        what: `${node.id} ready again`,
      });

    await old.start();
    const primary = await cluster.patroni.waitForSyncStandbys({ timeoutMs: 60_000 });
    assert.equal(primary, next, 'the restarted member rejoined as a standby');
  });

  it('[K11] stop stops every process and removes every temporary directory', async () => {
    const pids = clusterProcesses(cluster);
    const dirs = [cluster.etcd.dir, cluster.patroni.dir, cluster.haproxy.dir];
    assert.ok(pids.length >= 5 + 3 + 3 + 1 + 2, `found only ${pids.length} processes`);
    await cluster.stop();
    const survivors = () => pids.filter(alive).map((pid) => `${pid} ${command(pid)}`);
    await waitUntil(() => Promise.resolve(survivors().length === 0), {
      timeoutMs: 5_000,
      what: 'every process to be gone',
    }).catch((err: unknown) => {
      throw new Error(`still running:\n${survivors().join('\n')}`, { cause: err });
    });
    for (const dir of dirs) assert.equal(existsSync(dir), false, `${dir} removed`);
  });
});
