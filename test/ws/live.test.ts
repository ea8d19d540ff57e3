import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Api } from '../helpers/api.js';
import { uniqueName, type TestUser } from '../helpers/api.js';
import { startDeployment, testModes, type Deployment } from '../helpers/deployment.js';

for (const mode of testModes())
  describe(`live delivery over WebSocket [${mode}]`, () => {
    let d: Deployment;
    let api: Api;
    let alice: TestUser;
    let bob: TestUser;

    before(async () => {
      d = await startDeployment(mode);
      api = d.api;
      alice = await api.signup(uniqueName('alice'));
      bob = await api.signup(uniqueName('bob'));
    });
    after(() => d.dispose());

    it('[W4][W6] two clients exchange messages live; ack comes with the stored message', async () => {
      const conversationId = await api.dm(alice, bob.username);
      const a = (await d.open(alice)).client;
      const b = (await d.open(bob)).client;
      try {
        a.send({ type: 'send', conversationId, clientMsgId: 'm1', body: 'hi bob' });
        const ack = await a.next((f) => f.type === 'ack');
        assert.equal(ack.clientMsgId, 'm1');
        assert.equal(ack.created, true);
        assert.equal(ack.message.body, 'hi bob');
        const got = await b.next((f) => f.type === 'message');
        assert.deepEqual(got.message, ack.message);

        b.send({ type: 'send', conversationId, clientMsgId: 'm2', body: 'hi alice' });
        const reply = await a.next((f) => f.type === 'message' && f.message.clientMsgId === 'm2');
        assert.equal(reply.message.seq, ack.message.seq + 1);
        assert.equal(reply.message.senderName, bob.username);
      } finally {
        await a.close();
        await b.close();
      }
    });

    it('[G4][W5] a reconnect with stale cursors receives exactly the missed entries in order', async () => {
      const conversationId = await api.group(alice, uniqueName('g'), [bob.username]);
      const first = await d.open(bob);
      const cursor = first.ready.cursors[conversationId] as number;
      await first.client.close();

      const sent: number[] = [];
      for (let i = 0; i < 25; i++) {
        const res = await api.send(alice, conversationId, `offline ${i}`);
        sent.push(res.body.message.seq);
      }
      await api.request('PATCH', `/api/v1/conversations/${conversationId}/messages/${sent[3]}`, {
        token: alice.token,
        body: { body: 'edited' },
      });

      const { client } = await d.open(bob, { [conversationId]: cursor });
      try {
        const synced = await client.next((f) => f.type === 'synced');
        const entries = client.frames.filter(
          (f) => f.type === 'message' || (f.type === 'event' && 'seq' in f.event),
        );
        const seqs = entries.map((f) => (f.type === 'message' ? f.message.seq : f.event.seq));
        const expected = Array.from(
          { length: synced.cursors[conversationId] - cursor },
          (_, i) => cursor + 1 + i,
        );
        assert.deepEqual(seqs, expected);
        assert.equal(entries.filter((f) => f.type === 'message').length, 25);
        assert.equal(entries.at(-1)?.event?.type, 'message.edited');
      } finally {
        await client.close();
      }
    });
  });
