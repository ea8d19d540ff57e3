import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startLocalCluster, type LocalCluster } from '../../src/supervisor/local-cluster.js';
import { waitUntil } from '../../src/supervisor/processes.js';
import { Api, uniqueName, type TestUser } from '../helpers/api.js';
import { WsClient } from '../helpers/ws.js';
import { UNLIMITED } from '../helpers/limits.js';

/**
 * The protocol scenarios with the two users of each on different nodes: node A serves one,
 * node B the other, and everything between them crosses PostgreSQL and NATS.
 */
describe('API and WebSocket across two nodes', () => {
  let cluster: LocalCluster;
  let a: Api;
  let b: Api;
  let alice: TestUser;
  let bob: TestUser;
  before(async () => {
    cluster = await startLocalCluster({ nodes: 2, nats: 3, nodeArgs: UNLIMITED });
    a = new Api(cluster.urls[0]!);
    b = new Api(cluster.urls[1]!);
    alice = await a.signup(uniqueName('alice'));
    bob = await b.login((await a.signup(uniqueName('bob'))).username);
  });
  after(() => cluster?.stop());

  it('[K3][W4][W6] a send on node A is acked there and arrives live on node B', async () => {
    const dm = await a.dm(alice, bob.username);
    const ws1 = (await WsClient.open(cluster.urls[0]!, alice.token)).client;
    const ws2 = (await WsClient.open(cluster.urls[1]!, bob.token)).client;
    try {
      ws1.send({ type: 'send', conversationId: dm, clientMsgId: 'x1', body: 'across' });
      const ack = await ws1.next((f) => f.type === 'ack');
      const got = await ws2.next((f) => f.type === 'message');
      assert.deepEqual(got.message, ack.message);
      // [G5] read your writes on the other node
      const history = await b.history(bob, dm);
      assert.ok(history.body.messages.some((m: any) => m.id === ack.message.id));
    } finally {
      await ws1.close();
      await ws2.close();
    }
  });

  it('[G4] a reconnect to the other node with stale cursors gets exactly the missed entries', async () => {
    const group = await a.group(alice, uniqueName('g'), [bob.username]);
    const first = await WsClient.open(cluster.urls[1]!, bob.token);
    const cursor = first.ready.cursors[group] as number;
    await first.client.close();
    for (let i = 0; i < 12; i++) await a.send(alice, group, `missed ${i}`);
    const { client } = await WsClient.open(cluster.urls[0]!, bob.token, { [group]: cursor });
    try {
      const synced = await client.next((f) => f.type === 'synced');
      const seqs = client.frames
        .filter((f) => f.type === 'message' && f.message.conversationId === group)
        .map((f) => f.message.seq);
      assert.deepEqual(
        seqs,
        Array.from({ length: 12 }, (_, i) => cursor + 1 + i),
      );
      assert.equal(synced.cursors[group], cursor + 12);
    } finally {
      await client.close();
    }
  });

  it('[C6][C7][G6] joins and removals made on node A take effect for sockets on node B', async () => {
    const carol = await a.signup(uniqueName('carol'));
    const group = await a.group(alice, uniqueName('g'), []);
    const ws = (await WsClient.open(cluster.urls[1]!, carol.token)).client;
    try {
      await a.request('POST', `/api/v1/conversations/${group}/members`, {
        token: alice.token,
        body: { username: carol.username },
      });
      await ws.next((f) => f.type === 'event' && f.event.type === 'conversation.added');
      await a.send(alice, group, 'welcome');
      assert.equal((await ws.next((f) => f.type === 'message')).message.body, 'welcome');
      await a.request('DELETE', `/api/v1/conversations/${group}/members/${carol.username}`, {
        token: alice.token,
      });
      await ws.next((f) => f.type === 'event' && f.event.type === 'member.removed');
      const after = await a.send(alice, group, 'not for carol');
      // A member on node B is a witness that the entry crossed the cluster.
      const dave = await a.signup(uniqueName('dave'));
      await a.request('POST', `/api/v1/conversations/${group}/members`, {
        token: alice.token,
        body: { username: dave.username },
      });
      const witness = (
        await WsClient.open(cluster.urls[1]!, dave.token, { [group]: after.body.message.seq - 1 })
      ).client;
      await witness.next((f) => f.type === 'message' && f.message.seq === after.body.message.seq);
      await witness.close();
      await ws.roundTrip();
      assert.ok(!ws.frames.some((f) => f.type === 'message' && f.message.body === 'not for carol'));
    } finally {
      await ws.close();
    }
  });

  it('[A5] logout on node A closes the session’s socket on node B', async () => {
    const erin = await a.signup(uniqueName('erin'));
    const ws = (await WsClient.open(cluster.urls[1]!, erin.token)).client;
    const res = await a.request('POST', '/api/v1/auth/logout', { token: erin.token });
    assert.equal(res.status, 204);
    assert.equal(await ws.closed(), 4004);
  });

  it('[G7] typing and presence cross nodes, REST online flags too', async () => {
    const frank = await a.signup(uniqueName('frank'));
    const gina = await a.signup(uniqueName('gina'));
    const dm = await a.dm(frank, gina.username);
    const f = (await WsClient.open(cluster.urls[0]!, frank.token)).client;
    const g = (await WsClient.open(cluster.urls[1]!, gina.token)).client;
    try {
      const online = await f.next((x) => x.type === 'presence' && x.userId === gina.id);
      assert.equal(online.online, true);
      g.send({ type: 'typing', conversationId: dm });
      assert.equal((await f.next((x) => x.type === 'typing')).userId, gina.id);
      // Node A's REST answers for a user whose only socket is on node B (written async).
      const onlineOnA = async () =>
        (await a.request('GET', `/api/v1/users/${gina.username}`, { token: frank.token })).body.user
          .online as boolean;
      await waitUntil(onlineOnA, { timeoutMs: 5_000, what: 'gina online on node A' });
      await g.close();
      await waitUntil(async () => !(await onlineOnA()), {
        timeoutMs: 5_000,
        what: 'gina offline on node A',
      });
    } finally {
      await f.close();
      await g.close();
    }
  });

  it('[G7] a user with sockets on both nodes is announced offline once, when the last one closes', async () => {
    const hana = await a.signup(uniqueName('hana'));
    const ivan = await a.signup(uniqueName('ivan'));
    await a.dm(hana, ivan.username);
    const watcher = (await WsClient.open(cluster.urls[0]!, hana.token)).client;
    const onB = (await WsClient.open(cluster.urls[1]!, ivan.token)).client;
    const onA = (await WsClient.open(cluster.urls[0]!, ivan.token)).client;
    const presenceRows = async () =>
      Number(
        (
          await cluster.postgres.psql(`SELECT count(*) FROM presence WHERE user_id = '${ivan.id}'`)
        ).trim(),
      );
    try {
      await waitUntil(async () => (await presenceRows()) === 2, {
        timeoutMs: 5_000,
        what: 'ivan recorded on both nodes',
      });
      await onB.close();
      await waitUntil(async () => (await presenceRows()) === 1, {
        timeoutMs: 5_000,
        what: 'ivan forgotten on node B',
      });
      // Node B decides right after its write; a round trip through both nodes lets it finish.
      await onA.roundTrip();
      await watcher.roundTrip();
      await onA.close();
      const offline = await watcher.next(
        (f) => f.type === 'presence' && f.userId === ivan.id && !f.online,
      );
      assert.equal(offline.username, ivan.username);
      await watcher.roundTrip();
      const offlines = watcher.frames.filter(
        (f) => f.type === 'presence' && f.userId === ivan.id && !f.online,
      );
      assert.equal(offlines.length, 1);
    } finally {
      await Promise.all([watcher.close(), onA.close(), onB.close()]);
    }
  });

  it('[K3] every node answers discovery with both nodes; connect points to a live one', async () => {
    for (const api of [a, b]) {
      const res = await api.request('GET', '/api/v1/cluster');
      assert.deepEqual(res.body.nodes.map((n: any) => n.url).sort(), [...cluster.urls].sort());
      const connect = await api.request('GET', '/api/v1/cluster/connect');
      assert.ok(cluster.urls.includes(connect.body.url));
    }
  });
});
