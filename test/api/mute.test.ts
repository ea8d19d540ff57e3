import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Api, TestUser } from '../helpers/api.js';
import { testModes, useDeploymentWithUsers, type Deployment } from '../helpers/deployment.js';
import { WsClient, type Frame } from '../helpers/ws.js';
import { expectError, expectStatus } from './support.js';
import type { ConversationDto } from '../../src/protocol/schemas.js';

const TEN_YEARS_MS = 10 * 365 * 86_400_000;
const isMuted = (f: Frame) => f.type === 'event' && f.event.type === 'conversation.muted';

for (const mode of testModes())
  describe(`REST + WebSocket: mute and do-not-disturb [${mode}]`, () => {
    const world = useDeploymentWithUsers(mode, ['alice', 'bob', 'carol']);
    let api: Api;
    let deployment: Deployment;
    let alice: TestUser;
    let bob: TestUser;
    let carol: TestUser;
    const sockets: WsClient[] = [];
    before(() => {
      ({ api, deployment } = world());
      ({ alice, bob, carol } = world().users);
    });
    after(async () => {
      await Promise.all(sockets.map((s) => s.close()));
    });

    const mute = (user: TestUser, id: string, body: unknown) =>
      api.request('PUT', `/api/v1/conversations/${id}/mute`, { token: user.token, body });
    const summary = async (user: TestUser, id: string) => {
      const res = await api.request('GET', `/api/v1/conversations/${id}`, { token: user.token });
      expectStatus(res, 200);
      return res.body.conversation;
    };
    const listed = async (user: TestUser, id: string) => {
      const res = await api.request('GET', '/api/v1/conversations', { token: user.token });
      expectStatus(res, 200);
      const found = (res.body.conversations as ConversationDto[]).find((c) => c.id === id);
      assert.ok(found, 'the conversation is in the list');
      return found;
    };
    const dnd = (user: TestUser, doNotDisturbUntil: unknown) =>
      api.request('PATCH', '/api/v1/me/settings', {
        token: user.token,
        body: { doNotDisturbUntil },
      });

    it('[N3] a member mutes for themself: summaries carry muted, other members are unaffected', async () => {
      const group = await api.group(alice, 'mutes', [bob.username]);
      assert.equal((await summary(bob, group)).muted, false);
      const res = await mute(bob, group, { muted: true });
      expectStatus(res, 200);
      assert.deepEqual(res.body, { muted: true });
      assert.equal((await summary(bob, group)).muted, true);
      assert.equal((await listed(bob, group)).muted, true);
      assert.equal((await summary(alice, group)).muted, false);
      // Idempotent, and reversible.
      expectStatus(await mute(bob, group, { muted: true }), 200);
      assert.deepEqual((await mute(bob, group, { muted: false })).body, { muted: false });
      assert.equal((await summary(bob, group)).muted, false);
    });

    it('[N3] every socket of the user, on every node, hears conversation.muted; nobody else', async () => {
      const group = await api.group(alice, 'heard', [bob.username]);
      const mine = await Promise.all(
        deployment.nodes.map(async (n) => (await WsClient.open(n.url, bob.token)).client),
      );
      const others = (await deployment.open(alice)).client;
      sockets.push(...mine, others);
      expectStatus(await mute(bob, group, { muted: true }), 200);
      for (const socket of mine)
        assert.deepEqual(await socket.waitFor(isMuted), {
          type: 'event',
          event: { type: 'conversation.muted', conversationId: group, muted: true },
        });
      // Alice's socket is fenced by a message sent after the mute: no event of bob's came first.
      const sent = await api.send(alice, group, 'fence');
      expectStatus(sent, 201);
      await others.waitFor((f) => f.type === 'message' && f.message.body === 'fence');
      assert.equal(others.all('event').filter(isMuted).length, 0);
      expectStatus(await mute(bob, group, { muted: false }), 200);
      for (const socket of mine)
        await socket.waitFor(
          (f) => isMuted(f) && f.event.conversationId === group && f.event.muted === false,
        );
    });

    it('[N3] non-members and unknown conversations are not_found; a bad body is invalid_request', async () => {
      const group = await api.group(alice, 'private', [bob.username]);
      expectError(await mute(carol, group, { muted: true }), 404, 'not_found');
      expectError(await mute(carol, 'no-such-conversation', { muted: true }), 404, 'not_found');
      for (const body of [{ muted: 'yes' }, {}, { muted: null }, { muted: 1 }])
        expectError(await mute(bob, group, body), 400, 'invalid_request');
      expectError(
        await api.request('PUT', `/api/v1/conversations/${group}/mute`, { body: { muted: true } }),
        401,
        'unauthorized',
      );
      // A member who left cannot mute any more.
      expectStatus(
        await api.request('POST', `/api/v1/conversations/${group}/leave`, { token: bob.token }),
        204,
      );
      expectError(await mute(bob, group, { muted: true }), 404, 'not_found');
    });

    it('[N4] doNotDisturbUntil: null by default, set and read back, null turns it off', async () => {
      const get = async () =>
        (await api.request('GET', '/api/v1/me/settings', { token: carol.token })).body.settings;
      assert.deepEqual(await get(), {
        shareReadMarkers: true,
        doNotDisturbUntil: null,
        shareLastSeen: true,
        email: null,
      });
      const until = Date.now() + 3_600_000;
      const set = await dnd(carol, until);
      expectStatus(set, 200);
      assert.deepEqual(set.body.settings, {
        shareReadMarkers: true,
        doNotDisturbUntil: until,
        shareLastSeen: true,
        email: null,
      });
      assert.deepEqual(await get(), {
        shareReadMarkers: true,
        doNotDisturbUntil: until,
        shareLastSeen: true,
        email: null,
      });
      // Another setting's patch keeps it.
      await api.request('PATCH', '/api/v1/me/settings', {
        token: carol.token,
        body: { shareReadMarkers: false },
      });
      assert.deepEqual(await get(), {
        shareReadMarkers: false,
        doNotDisturbUntil: until,
        shareLastSeen: true,
        email: null,
      });
      expectStatus(await dnd(carol, null), 200);
      assert.deepEqual(await get(), {
        shareReadMarkers: false,
        doNotDisturbUntil: null,
        shareLastSeen: true,
        email: null,
      });
      // A past time is accepted (it means off), as is 0; about ten years ahead is the limit.
      expectStatus(await dnd(carol, 0), 200);
      expectStatus(await dnd(carol, Date.now() + TEN_YEARS_MS - 60_000), 200);
    });

    it('[N4] doNotDisturbUntil must be null or a whole epoch ms at most ten years ahead', async () => {
      for (const bad of [-1, 1.5, '2030-01-01', true, Date.now() + TEN_YEARS_MS + 60_000, 1e300])
        expectError(await dnd(alice, bad), 400, 'invalid_request');
    });
  });
