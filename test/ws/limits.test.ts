import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Api, TestUser } from '../helpers/api.js';
import { uniqueName } from '../helpers/api.js';
import { testModes, useDeploymentWithUsers, type Deployment } from '../helpers/deployment.js';
import { WsClient } from '../helpers/ws.js';

/** Ids shaped like conversation ids that name no conversation of the user's. */
function strangers(n: number, prefix = 'nope'): Record<string, number> {
  return Object.fromEntries(Array.from({ length: n }, (_, i) => [`${prefix}-${i}`, 0]));
}

for (const mode of testModes())
  describe(`WebSocket per-socket limits [${mode}]`, () => {
    const world = useDeploymentWithUsers(mode, ['alice', 'bob']);
    let d: Deployment;
    let api: Api;
    let alice: TestUser;
    let bob: TestUser;
    let dm: string;

    before(async () => {
      ({
        deployment: d,
        api,
        users: { alice, bob },
      } = world());
      dm = await api.dm(alice, bob.username);
    });

    it('[W9] hello and sync take at most 1,000 cursors; more is invalid_request and the socket stays', async () => {
      const client = await WsClient.connect(d.urlOf(alice));
      client.send({ type: 'hello', protocol: 1, token: alice.token, cursors: strangers(1_001) });
      const refused = await client.next((f) => f.type === 'error');
      assert.equal(refused.code, 'invalid_request');
      assert.match(refused.message, /1000 cursors/);
      client.send({ type: 'hello', protocol: 1, token: alice.token, cursors: strangers(1_000) });
      await client.next((f) => f.type === 'ready');
      await client.next((f) => f.type === 'synced');
      client.send({ type: 'sync', cursors: strangers(1_001), ref: 'big' });
      const tooMany = await client.next((f) => f.type === 'error');
      assert.deepEqual([tooMany.code, tooMany.ref], ['invalid_request', 'big']);
      await client.roundTrip();
      await client.close();
    });

    it('[W9][G4] a sync of 1,000 ids the user is not in: each gets conversation.removed, then synced', async () => {
      const { client } = await d.open(alice);
      const cursors = { ...strangers(999, 'x'), [dm]: 0 };
      client.send({ type: 'sync', cursors, ref: 's1' });
      const synced = await client.next((f) => f.type === 'synced', 10_000);
      assert.equal(synced.ref, 's1');
      assert.deepEqual(Object.keys(synced.cursors), [dm], 'only the member’s conversation');
      const removed = client.frames.filter(
        (f) => f.type === 'event' && f.event.type === 'conversation.removed',
      );
      assert.equal(removed.length, 999);
      await client.close();
    });

    it('[W9] ids a user does not follow are budgeted per user: 1,000 at once, 100/s, across reconnects', async () => {
      const carol = await api.signup(uniqueName('carol'));
      const first = (await d.open(carol)).client;
      first.send({ type: 'sync', cursors: strangers(1_000, 'a'), ref: 'a' });
      assert.equal((await first.next((f) => f.type === 'synced')).ref, 'a');
      await first.close();
      const second = (await d.open(carol)).client;
      second.send({ type: 'sync', cursors: strangers(1_000, 'b'), ref: 'b' });
      const refused = await second.next((f) => f.type === 'error' || f.type === 'synced');
      assert.deepEqual([refused.type, refused.code, refused.ref], ['error', 'rate_limited', 'b']);
      await second.close();
    });

    it('[W9] sync frames past the socket’s burst are rate_limited with their ref; the socket stays', async () => {
      const { client } = await d.open(alice);
      const frames = Array.from({ length: 20 }, (_, i) => ({
        type: 'sync',
        cursors: { [dm]: 0 },
        ref: `s${i}`,
      }));
      const started = Date.now();
      client.sendTogether(frames);
      const answers = await Promise.all(
        frames.map((f) =>
          client.waitFor((a) => (a.type === 'synced' || a.type === 'error') && a.ref === f.ref),
        ),
      );
      const refused = answers.filter((a) => a.type === 'error');
      const refill = Math.floor((Date.now() - started) / 1000);
      assert.ok(refused.every((a) => a.code === 'rate_limited'));
      assert.ok(
        refused.length >= 20 - 10 - refill,
        `${refused.length} refused of 20 (burst 10, +${refill} refilled)`,
      );
      await client.roundTrip();
      await client.close();
    });

    it('[W9] a socket that keeps flooding past its limits is closed with 4029', async () => {
      const { client } = await d.open(alice);
      const frames = Array.from({ length: 60 }, (_, i) => ({
        type: 'sync',
        cursors: { [dm]: 0 },
        ref: `f${i}`,
      }));
      client.sendTogether(frames);
      assert.equal(await client.closed(), 4029);
      const refused = client.all('error').filter((f) => f.code === 'rate_limited');
      assert.ok(refused.length >= 10, `${refused.length} refusals came before the close`);
      const { client: again } = await d.open(alice);
      await again.roundTrip();
      await again.close();
    });

    it('[W9][G7] typing past the socket’s limit is dropped, whatever the conversations', async () => {
      const groups: string[] = [];
      for (let i = 0; i < 12; i++)
        groups.push(await api.group(alice, uniqueName('t'), [bob.username]));
      const a = (await d.open(alice)).client;
      const b = (await d.open(bob)).client;
      a.sendTogether(groups.map((conversationId) => ({ type: 'typing', conversationId })));
      await a.roundTrip();
      const marker = await api.send(alice, groups.at(-1)!, 'after the typing');
      await b.next((f) => f.type === 'message' && f.message.id === marker.body.message.id);
      const relayed = b.all('typing').filter((f) => groups.includes(f.conversationId));
      assert.ok(relayed.length <= 11, `${relayed.length} typing frames relayed of 12 (burst 10)`);
      assert.ok(relayed.length >= 10, 'the burst itself is relayed');
      await a.close();
      await b.close();
    });

    it('[W9][M5] read frames past the socket’s limit are coalesced: the marker still reaches the highest seq', async () => {
      let last = 0;
      for (let i = 0; i < 30; i++) last = (await api.send(alice, dm, `m${i}`)).body.message.seq;
      const reader = (await d.open(bob)).client;
      const other = (await d.open(bob)).client;
      const first = last - 29;
      reader.sendTogether(
        Array.from({ length: 30 }, (_, i) => ({
          type: 'read',
          conversationId: dm,
          seq: first + i,
        })),
      );
      await other.next(
        (f) => f.type === 'event' && f.event.type === 'read' && f.event.seq === last,
      );
      const writes = other.all('event').filter((f) => f.event.type === 'read').length;
      assert.ok(writes < 30, `${writes} marker writes for 30 read frames`);
      const list = await api.request('GET', `/api/v1/conversations/${dm}`, { token: bob.token });
      assert.equal(list.body.conversation.lastReadSeq, last);
      await reader.close();
      await other.close();
    });
  });
