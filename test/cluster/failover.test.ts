import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ParleyClient } from '../../src/client/client.js';
import { nodeWebSocket } from '../../src/client/node.js';
import { startLocalCluster, type LocalCluster } from '../../src/supervisor/local-cluster.js';
import type { MessageDto } from '../../src/protocol/schemas.js';
import { UNLIMITED } from '../helpers/limits.js';

/** A logged-in client that knows both nodes, starting with `first`. */
async function user(cluster: LocalCluster, name: string, first: number): Promise<ParleyClient> {
  const urls = [cluster.urls[first]!, ...cluster.urls.filter((_, i) => i !== first)];
  const client = new ParleyClient({
    urls,
    webSocket: nodeWebSocket,
    backoff: { baseMs: 50, maxMs: 500 },
  });
  await client.register(name, `${name}-password`);
  await client.login(name, `${name}-password`);
  client.connect();
  await client.online();
  return client;
}

/** Collects a conversation's messages as a client delivers them; resolves at `count`. */
function inbox(client: ParleyClient, conversationId: string) {
  const seen: MessageDto[] = [];
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  client.on('message', (m) => {
    if (m.conversationId !== conversationId) return;
    seen.push(m);
    for (const w of waiters.filter((w) => seen.length >= w.count)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
  });
  return {
    seen,
    until: (count: number) =>
      seen.length >= count
        ? Promise.resolve()
        : new Promise<void>((resolve) => waiters.push({ count, resolve })),
  };
}

/** Exactly the acked messages, once each, in seq order. */
function assertExactly(seen: MessageDto[], acked: MessageDto[]): void {
  const seqs = seen.map((m) => m.seq);
  assert.deepEqual(
    seqs,
    [...seqs].sort((a, b) => a - b),
    'in order',
  );
  assert.equal(new Set(seqs).size, seqs.length, 'no duplicates');
  const ids = new Set(seen.map((m) => m.id));
  for (const m of acked) assert.ok(ids.has(m.id), `acked message ${m.seq} delivered`);
}

describe('cluster mode: two nodes on PostgreSQL and a 3-server NATS cluster', () => {
  let cluster: LocalCluster;
  const clients: ParleyClient[] = [];
  before(async () => {
    cluster = await startLocalCluster({ nodes: 2, nats: 3, nodeArgs: UNLIMITED });
  });
  after(async () => {
    for (const c of clients) c.close();
    await cluster?.stop();
  });

  it('[K3][W6] users on different nodes chat live in a DM and a group', async () => {
    const alice = await user(cluster, 'alice', 0);
    const bob = await user(cluster, 'bob', 1);
    const carol = await user(cluster, 'carol', 0);
    clients.push(alice, bob, carol);
    assert.notEqual(alice.nodeId, bob.nodeId);
    assert.deepEqual([...alice.urls].sort(), [...cluster.urls].sort());

    const dm = (await alice.api.dm('bob')).conversation.id;
    const bobDm = inbox(bob, dm);
    await alice.send(dm, 'hello from node 1').done;
    await bobDm.until(1);
    assert.equal(bobDm.seen[0]?.body, 'hello from node 1');

    const group = (await bob.api.createGroup('across', ['alice', 'carol'])).conversation.id;
    const aliceGroup = inbox(alice, group);
    const carolGroup = inbox(carol, group);
    await bob.send(group, 'hi both').done;
    await Promise.all([aliceGroup.until(1), carolGroup.until(1)]);
  });

  it('[G1][G4][K5] kill -9 of a node mid-conversation: its clients move to the other node, nothing lost or doubled', async () => {
    const [alice, bob] = clients as [ParleyClient, ParleyClient];
    const dm = [...alice.conversations.values()].find((c) => c.kind === 'dm')!.id;
    const bobDm = inbox(bob, dm);
    const already = (await bob.api.history(dm, { after: 0, limit: 100 })).messages.length;
    const sends: Array<Promise<MessageDto>> = [];
    for (let i = 0; i < 40; i++) {
      sends.push(alice.send(dm, `m${i}`).done);
      if (i === 15) await cluster.nodes[0]!.kill();
    }
    const acked = await Promise.all(sends);
    await bobDm.until(40);
    assert.equal(alice.url, cluster.urls[1], 'alice moved to the surviving node');
    assertExactly(bobDm.seen, acked);
    const history = (await bob.api.history(dm, { after: 0, limit: 100 })).messages;
    assert.equal(history.length, already + 40, 'stored once each');
    await cluster.nodes[0]!.start();
  });

  it('[K6] one NATS server of three killed: delivery across nodes goes on', async () => {
    const [alice, bob] = clients as [ParleyClient, ParleyClient];
    const dm = [...alice.conversations.values()].find((c) => c.kind === 'dm')!.id;
    // Put alice back on node 1 so the two users are on different nodes again.
    const a2 = await user(cluster, 'alice2', 0);
    clients.push(a2);
    const dm2 = (await a2.api.dm('bob')).conversation.id;
    const bobDm2 = inbox(bob, dm2);
    await cluster.nats.servers[0]!.kill();
    const acked: MessageDto[] = [];
    for (let i = 0; i < 20; i++) acked.push(await a2.send(dm2, `after nats loss ${i}`).done);
    await bobDm2.until(20);
    assertExactly(bobDm2.seen, acked);
    await cluster.nats.servers[0]!.restart();
    void dm;
  });

  it('[K7] PostgreSQL stopped: sends get unavailable (no ack); after restart they are stored once', async () => {
    const [alice, bob] = clients as [ParleyClient, ParleyClient];
    const dm = [...alice.conversations.values()].find((c) => c.kind === 'dm')!.id;
    const bobDm = inbox(bob, dm);
    await cluster.postgres.halt();
    const ready = await fetch(`${cluster.urls[1]}/readyz`);
    assert.equal(ready.status, 503);
    const refused = await fetch(`${cluster.urls[1]}/api/v1/conversations/${dm}/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${alice.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ clientMsgId: 'while-down', body: 'x' }),
    });
    assert.equal(refused.status, 503);
    assert.equal(((await refused.json()) as { error: { code: string } }).error.code, 'unavailable');
    const pending = Array.from({ length: 5 }, (_, i) => alice.send(dm, `during outage ${i}`));
    await cluster.postgres.restart();
    const acked = await Promise.all(pending.map((p) => p.done));
    await bobDm.until(5);
    assertExactly(bobDm.seen, acked);
  });

  it('[G2][G3] many senders on two nodes into one conversation: gap-free, no duplicates under retries', async () => {
    const senders = await Promise.all(
      Array.from({ length: 6 }, (_, i) => user(cluster, `sender${i}`, i % 2)),
    );
    clients.push(...senders);
    const group = (
      await senders[0]!.api.createGroup(
        'busy',
        senders.slice(1).map((_, i) => `sender${i + 1}`),
      )
    ).conversation.id;
    const results = await Promise.all(
      senders.map(async (s, i) => {
        const sent = await Promise.all(
          Array.from(
            { length: 25 },
            (_, k) => s.send(group, `s${i}-${k}`, { clientMsgId: `s${i}-${k}` }).done,
          ),
        );
        // Retry every send over REST on the *other* node: each answers with the original.
        const other = cluster.urls[(i + 1) % 2]!;
        for (const m of sent.slice(0, 5)) {
          const res = await fetch(`${other}/api/v1/conversations/${group}/messages`, {
            method: 'POST',
            headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/json' },
            body: JSON.stringify({ clientMsgId: m.clientMsgId, body: m.body }),
          });
          assert.equal(res.status, 200);
          assert.equal(((await res.json()) as { message: MessageDto }).message.seq, m.seq);
        }
        return sent;
      }),
    );
    const history: MessageDto[] = [];
    for (let after = 0; ;) {
      const page = (await senders[0]!.api.history(group, { after, limit: 100 })).messages;
      history.push(...page);
      if (page.length < 100) break;
      after = page.at(-1)!.seq;
    }
    assert.equal(history.length, 150);
    assert.equal(new Set(history.map((m) => m.clientMsgId)).size, 150);
    // seq 1 is conversation.created; messages take 2..151 without a gap.
    assert.deepEqual(
      history.map((m) => m.seq),
      Array.from({ length: 150 }, (_, i) => i + 2),
    );
    assert.equal(results.flat().length, 150);
  });
});
