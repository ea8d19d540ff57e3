import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { uniqueName, type Api, type TestUser } from '../helpers/api.js';
import { testModes, useDeploymentWithUsers, type Deployment } from '../helpers/deployment.js';
import type { Frame, WsClient } from '../helpers/ws.js';
import { expectError, expectStatus } from './support.js';

const isReceipt = (f: Frame) => f.type === 'event' && f.event.type === 'receipt';

for (const mode of testModes())
  describe(`REST + WebSocket: read receipts and their privacy [${mode}]`, () => {
    const world = useDeploymentWithUsers(mode, ['alice', 'bob', 'carol', 'dave']);
    let api: Api;
    let deployment: Deployment;
    let alice: TestUser;
    let bob: TestUser;
    let carol: TestUser;
    let dave: TestUser;
    const sockets: WsClient[] = [];
    before(() => {
      ({ api, deployment } = world());
      ({ alice, bob, carol, dave } = world().users);
    });
    after(async () => {
      await Promise.all(sockets.map((s) => s.close()));
    });

    async function open(user: TestUser): Promise<WsClient> {
      const { client } = await deployment.open(user);
      sockets.push(client);
      return client;
    }
    const settings = (user: TestUser) =>
      api.request('GET', '/api/v1/me/settings', { token: user.token });
    const share = (user: TestUser, shareReadMarkers: unknown) =>
      api.request('PATCH', '/api/v1/me/settings', {
        token: user.token,
        body: { shareReadMarkers },
      });
    const read = async (user: TestUser, id: string, seq: number) => {
      const res = await api.request('POST', `/api/v1/conversations/${id}/read`, {
        token: user.token,
        body: { seq },
      });
      expectStatus(res, 200);
      return res.body.lastReadSeq as number;
    };
    const members = async (user: TestUser, id: string) => {
      const res = await api.request('GET', `/api/v1/conversations/${id}/members`, {
        token: user.token,
      });
      expectStatus(res, 200);
      return new Map<string, number>(
        (res.body.members as any[]).map((m) => [m.userId, m.lastReadSeq as number]),
      );
    };
    /**
     * Sends a message as `user` and waits until `watcher` has it. The reader's node publishes
     * its receipts and this message on the conversation's subject in that order, so every
     * receipt of `user` published before is on the watcher's socket by then.
     */
    async function fence(user: TestUser, id: string, watcher: WsClient): Promise<number> {
      const sent = await api.send(user, id, 'fence');
      expectStatus(sent, 201);
      const { seq } = sent.body.message;
      await watcher.waitFor((f) => f.type === 'message' && f.message.seq === seq);
      return seq as number;
    }
    const receiptsOf = (socket: WsClient, user: TestUser, id: string) =>
      socket
        .all('event')
        .filter((f) => isReceipt(f) && f.event.userId === user.id && f.event.conversationId === id)
        .map((f) => f.event.seq as number);

    it('[R9] settings: shareReadMarkers defaults to true; PATCH changes it, an empty PATCH keeps it', async () => {
      const fresh = await api.signup(uniqueName('erin'));
      const got = await settings(fresh);
      expectStatus(got, 200);
      assert.deepEqual(got.body, {
        settings: {
          shareReadMarkers: true,
          doNotDisturbUntil: null,
          shareLastSeen: true,
          email: null,
        },
      });
      const off = await share(fresh, false);
      expectStatus(off, 200);
      assert.deepEqual(off.body, {
        settings: {
          shareReadMarkers: false,
          doNotDisturbUntil: null,
          shareLastSeen: true,
          email: null,
        },
      });
      const kept = await api.request('PATCH', '/api/v1/me/settings', {
        token: fresh.token,
        body: {},
      });
      assert.deepEqual(kept.body, {
        settings: {
          shareReadMarkers: false,
          doNotDisturbUntil: null,
          shareLastSeen: true,
          email: null,
        },
      });
      assert.deepEqual((await settings(fresh)).body, {
        settings: {
          shareReadMarkers: false,
          doNotDisturbUntil: null,
          shareLastSeen: true,
          email: null,
        },
      });
      expectError(await share(fresh, 'no'), 400, 'invalid_request');
      expectError(await api.request('GET', '/api/v1/me/settings'), 401, 'unauthorized');
      assert.deepEqual((await share(fresh, true)).body, {
        settings: {
          shareReadMarkers: true,
          doNotDisturbUntil: null,
          shareLastSeen: true,
          email: null,
        },
      });
    });

    it('[R9] in a group, a read marker moved forward reaches the other members’ sockets as a receipt, not the reader’s', async () => {
      const id = await api.group(alice, uniqueName('g'), [bob.username, carol.username]);
      const last = (await api.send(alice, id, 'read me')).body.message.seq as number;
      const [aliceWs, carolWs, bobWs] = [await open(alice), await open(carol), await open(bob)];
      await read(bob, id, last);
      const frame = {
        type: 'event',
        event: { type: 'receipt', conversationId: id, userId: bob.id, seq: last },
      };
      assert.deepEqual(await aliceWs.waitFor(isReceipt), frame);
      assert.deepEqual(await carolWs.waitFor(isReceipt), frame);
      // The reader's own socket hears of its marker as `read`, never as a receipt.
      await bobWs.waitFor((f) => f.type === 'event' && f.event.type === 'read');
      await fence(bob, id, bobWs);
      assert.deepEqual(receiptsOf(bobWs, bob, id), []);
    });

    it('[R9] in a DM the peer gets the receipt, also for a read over the socket; a marker that does not move sends none', async () => {
      const id = await api.dm(alice, bob.username);
      const seq = (await api.send(alice, id, 'seen?')).body.message.seq as number;
      const aliceWs = await open(alice);
      const bobWs = await open(bob);
      bobWs.send({ type: 'read', conversationId: id, seq });
      const receipt = await aliceWs.waitFor((f) => isReceipt(f) && f.event.conversationId === id);
      assert.deepEqual(receipt.event, { type: 'receipt', conversationId: id, userId: bob.id, seq });
      await read(bob, id, seq); // the same seq again: the marker does not move
      await read(bob, id, seq - 1); // lower: never lowers
      await fence(bob, id, aliceWs);
      assert.deepEqual(receiptsOf(aliceWs, bob, id), [seq]);
    });

    it('[R9] a member who does not share sends no receipt, and others read their lastReadSeq as 0', async () => {
      const id = await api.group(alice, uniqueName('g'), [dave.username, carol.username]);
      const last = (await api.send(alice, id, 'private reading')).body.message.seq as number;
      expectStatus(await share(dave, false), 200);
      const aliceWs = await open(alice);
      assert.equal(await read(dave, id, last), last);
      // Carol shares: her receipt comes; dave's never did before the fence.
      await read(carol, id, last);
      await aliceWs.waitFor((f) => isReceipt(f) && f.event.userId === carol.id);
      await fence(dave, id, aliceWs);
      assert.deepEqual(receiptsOf(aliceWs, dave, id), []);

      const seenByAlice = await members(alice, id);
      assert.equal(seenByAlice.get(dave.id), 0, 'hidden from others');
      assert.equal(seenByAlice.get(carol.id), last);
      const seenByDave = await members(dave, id);
      assert.equal(seenByDave.get(dave.id), last, 'a member always sees their own marker');
      assert.equal(seenByDave.get(carol.id), last, 'not sharing hides only one’s own');
      // The member answer of a role change hides it too.
      const promoted = await api.request(
        'PATCH',
        `/api/v1/conversations/${id}/members/${dave.username}`,
        { token: alice.token, body: { role: 'admin' } },
      );
      expectStatus(promoted, 200);
      assert.equal(promoted.body.member.lastReadSeq, 0);
      // Dave's summary still has his own marker.
      const summary = await api.request('GET', `/api/v1/conversations/${id}`, {
        token: dave.token,
      });
      assert.equal(summary.body.conversation.lastReadSeq, last);

      // Sharing again: the next move is told, and the members list shows the marker.
      expectStatus(await share(dave, true), 200);
      const next = (await api.send(alice, id, 'again')).body.message.seq as number;
      await read(dave, id, next);
      const receipt = await aliceWs.waitFor((f) => isReceipt(f) && f.event.userId === dave.id);
      assert.equal(receipt.event.seq, next);
      assert.equal((await members(alice, id)).get(dave.id), next);
    });
  });
