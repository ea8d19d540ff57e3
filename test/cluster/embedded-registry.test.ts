import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Api, uniqueName } from '../helpers/api.js';
import { startTestNode, type TestNode } from '../helpers/node.js';
import { WsClient } from '../helpers/ws.js';

describe('discovery and metrics on an embedded node', () => {
  let node: TestNode;
  let api: Api;
  before(async () => {
    node = await startTestNode();
    api = new Api(node.url);
  });
  after(() => node.dispose());

  it('[K3] /api/v1/cluster lists the node itself; connect points to it', async () => {
    const cluster = await api.request('GET', '/api/v1/cluster');
    assert.equal(cluster.status, 200);
    assert.equal(cluster.body.self, 'test');
    assert.deepEqual(
      cluster.body.nodes.map((n: any) => [n.id, n.url, n.draining]),
      [['test', node.url, false]],
    );
    const connect = await api.request('GET', '/api/v1/cluster/connect');
    assert.deepEqual(connect.body, { nodeId: 'test', url: node.url });
  });

  it('[O6] /metrics exposes connections, sends, deliveries and latencies in Prometheus format', async () => {
    const alice = await api.signup(uniqueName('alice'));
    const bob = await api.signup(uniqueName('bob'));
    const dm = await api.dm(alice, bob.username);
    const { client } = await WsClient.open(node.url, bob.token);
    try {
      await api.send(alice, dm, 'counted');
      await client.next((f) => f.type === 'message');
      const res = await fetch(`${node.url}/metrics`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /text\/plain/);
      const text = await res.text();
      const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
      assert.equal(value('parley_connections'), 1);
      assert.ok(value('parley_messages_sent_total') >= 1);
      assert.ok(value('parley_deliveries_total') >= 1);
      assert.ok(value('parley_commit_seconds_count') >= 1);
      assert.ok(value('parley_fanout_seconds_count') >= 1);
      assert.match(text, /# TYPE parley_bus_reconnects_total counter/);
      assert.match(text, /# TYPE parley_resyncs_total counter/);
      assert.match(text, /# TYPE parley_sweep_catchups_total counter/);
    } finally {
      await client.close();
    }
  });

  it('[O6] refused sends are counted by error code, over REST and WebSocket', async () => {
    const carol = await api.signup(uniqueName('carol'));
    const refusals = async () => {
      const text = await (await fetch(`${node.url}/metrics`)).text();
      const count = (code: string) =>
        Number(
          new RegExp(`^parley_send_errors_total\\{code="${code}"\\} (\\S+)$`, 'm').exec(
            text,
          )?.[1] ?? 0,
        );
      return { notFound: count('not_found'), invalid: count('invalid_request') };
    };
    const before = await refusals();
    const res = await api.send(carol, '01ARZ3NDEKTSV4RRFFQ69G5FAV', 'nowhere');
    assert.equal(res.status, 404);
    const bad = await api.request('POST', '/api/v1/conversations/x/messages', {
      token: carol.token,
      body: { body: 'no clientMsgId' },
    });
    assert.equal(bad.status, 400);
    const { client } = await WsClient.open(node.url, carol.token);
    try {
      client.send({
        type: 'send',
        conversationId: '01ARZ3NDEKTSV4RRFFQ69G5FAV',
        clientMsgId: 'w1',
        body: 'x',
      });
      assert.equal((await client.next((f) => f.type === 'error')).code, 'not_found');
      client.send({ type: 'send', conversationId: 'x', clientMsgId: 'w2' });
      assert.equal((await client.next((f) => f.type === 'error')).code, 'invalid_request');
    } finally {
      await client.close();
    }
    const after = await refusals();
    assert.deepEqual(after, { notFound: before.notFound + 2, invalid: before.invalid + 2 });
  });
});
