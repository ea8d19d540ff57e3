import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { uniqueName, type Api, type TestUser } from '../helpers/api.js';
import { testModes, useDeploymentWithUsers } from '../helpers/deployment.js';
import { expectError, expectStatus } from './support.js';

for (const mode of testModes())
  describe(`REST: direct messages, conversation reads and the conversation list [${mode}]`, () => {
    const world = useDeploymentWithUsers(mode, ['alice', 'bob', 'carol']);
    let api: Api;
    let alice: TestUser;
    let bob: TestUser;
    let carol: TestUser;
    before(() => {
      ({ api } = world());
      ({ alice, bob, carol } = world().users);
    });

    const dm = (user: TestUser, username: unknown) =>
      api.request('POST', '/api/v1/conversations/dm', { token: user.token, body: { username } });
    const get = (user: TestUser, id: string) =>
      api.request('GET', `/api/v1/conversations/${id}`, { token: user.token });

    it('[C1] the DM is created once (201) and returned after that (200), from either side', async () => {
      const x = await api.signup(uniqueName('x'));
      const y = await api.signup(uniqueName('y'));
      const created = await dm(x, y.username.toUpperCase());
      expectStatus(created, 201);
      const c = created.body.conversation;
      assert.equal(c.kind, 'dm');
      assert.equal(c.name, null);
      assert.equal(c.peer, y.username);
      assert.equal(c.role, 'member');
      assert.equal(c.memberCount, 2);
      assert.equal(c.lastSeq, 0);
      assert.equal(c.unreadCount, 0);
      assert.equal(c.lastMessage, null);
      assert.equal(c.createdBy, x.id);

      const again = await dm(x, y.username);
      expectStatus(again, 200);
      assert.equal(again.body.conversation.id, c.id);
      const reverse = await dm(y, x.username);
      expectStatus(reverse, 200);
      assert.equal(reverse.body.conversation.id, c.id);
      assert.equal(reverse.body.conversation.peer, x.username);
    });

    it('[C1] a DM with yourself is invalid_request, with an unknown user not_found', async () => {
      expectError(await dm(alice, alice.username), 400, 'invalid_request');
      expectError(await dm(alice, alice.username.toUpperCase()), 400, 'invalid_request');
      expectError(await dm(alice, uniqueName('ghost')), 404, 'not_found');
      expectError(await dm(alice, undefined), 400, 'invalid_request');
      expectError(await dm(alice, 42), 400, 'invalid_request');
      expectError(
        await api.request('POST', '/api/v1/conversations/dm', { token: alice.token, raw: '{' }),
        400,
        'invalid_json',
      );
      expectError(
        await api.request('POST', '/api/v1/conversations/dm', { body: { username: bob.username } }),
        401,
        'unauthorized',
      );
    });

    it('[C1] DMs cannot be renamed, deleted, left or have members changed (invalid_request)', async () => {
      const id = await api.dm(alice, bob.username);
      const base = `/api/v1/conversations/${id}`;
      const t = alice.token;
      expectError(
        await api.request('PATCH', base, { token: t, body: { name: 'renamed' } }),
        400,
        'invalid_request',
      );
      expectError(await api.request('DELETE', base, { token: t }), 400, 'invalid_request');
      expectError(await api.request('POST', `${base}/leave`, { token: t }), 400, 'invalid_request');
      expectError(
        await api.request('POST', `${base}/members`, {
          token: t,
          body: { username: carol.username },
        }),
        400,
        'invalid_request',
      );
      expectError(
        await api.request('DELETE', `${base}/members/${bob.username}`, { token: t }),
        400,
        'invalid_request',
      );
      expectError(
        await api.request('DELETE', `${base}/members/${alice.username}`, { token: t }),
        400,
        'invalid_request',
      );
      expectError(
        await api.request('PATCH', `${base}/members/${bob.username}`, {
          token: t,
          body: { role: 'admin' },
        }),
        400,
        'invalid_request',
      );
      const still = await get(bob, id);
      expectStatus(still, 200);
      assert.equal(still.body.conversation.memberCount, 2);
    });

    it('[C3] members get the conversation and its members with roles and online flags', async () => {
      const id = await api.group(alice, uniqueName('g'), [bob.username]);
      const res = await get(bob, id);
      expectStatus(res, 200);
      assert.equal(res.body.conversation.id, id);
      assert.equal(res.body.conversation.kind, 'group');
      assert.equal(res.body.conversation.role, 'member');
      const members = await api.request('GET', `/api/v1/conversations/${id}/members`, {
        token: bob.token,
      });
      expectStatus(members, 200);
      assert.deepEqual(
        members.body.members
          .map((m: any) => [m.username, m.role, typeof m.online, m.conversationId])
          .sort(),
        [
          [alice.username, 'owner', 'boolean', id],
          [bob.username, 'member', 'boolean', id],
        ].sort(),
      );
    });

    it('[G6] non-members and unknown ids get the same not_found on every conversation route', async () => {
      const id = await api.group(alice, uniqueName('g'), [bob.username]);
      const seq = (await api.send(alice, id, 'secret')).body.message.seq as number;
      for (const target of [id, '01ARZ3NDEKTSV4RRFFQ69G5FAV', 'nope']) {
        const base = `/api/v1/conversations/${target}`;
        const t = carol.token;
        const answers = [
          await api.request('GET', base, { token: t }),
          await api.request('PATCH', base, { token: t, body: { name: 'x' } }),
          await api.request('DELETE', base, { token: t }),
          await api.request('GET', `${base}/members`, { token: t }),
          await api.request('POST', `${base}/members`, {
            token: t,
            body: { username: carol.username },
          }),
          await api.request('PATCH', `${base}/members/${bob.username}`, {
            token: t,
            body: { role: 'admin' },
          }),
          await api.request('DELETE', `${base}/members/${bob.username}`, { token: t }),
          await api.request('POST', `${base}/leave`, { token: t }),
          await api.request('GET', `${base}/messages`, { token: t }),
          await api.request('POST', `${base}/messages`, {
            token: t,
            body: { clientMsgId: crypto.randomUUID(), body: 'hi' },
          }),
          await api.request('PATCH', `${base}/messages/${seq}`, { token: t, body: { body: 'x' } }),
          await api.request('DELETE', `${base}/messages/${seq}`, { token: t }),
          await api.request('POST', `${base}/read`, { token: t, body: { seq } }),
        ];
        for (const res of answers) expectError(res, 404, 'not_found');
        assert.equal(new Set(answers.map((r) => JSON.stringify(r.body))).size, 1, target);
      }
      const members = await api.request('GET', `/api/v1/conversations/${id}/members`, {
        token: alice.token,
      });
      assert.equal(members.body.members.length, 2);
      assert.equal((await api.history(alice, id)).body.messages[0].body, 'secret');
    });

    it('[C10] the list is ordered by latest message and carries role, peer, memberCount, lastMessage', async () => {
      const me = await api.signup(uniqueName('lister'));
      const first = await api.group(me, uniqueName('first'), [bob.username]);
      const direct = await api.dm(me, carol.username);
      const last = await api.group(me, uniqueName('last'), [bob.username, carol.username]);
      const ids = async () => {
        const res = await api.request('GET', '/api/v1/conversations', { token: me.token });
        expectStatus(res, 200);
        return res.body.conversations as any[];
      };
      assert.deepEqual(new Set((await ids()).map((c) => c.id)), new Set([first, direct, last]));

      const sent = await api.send(bob, first, 'bump first');
      const list = await ids();
      assert.equal(list[0].id, first);
      assert.equal(list[0].lastMessage.id, sent.body.message.id);
      assert.equal(list[0].lastMessage.body, 'bump first');
      assert.equal(list[0].role, 'owner');
      assert.equal(list[0].memberCount, 2);
      assert.equal(list[0].peer, null);
      const dmEntry = list.find((c) => c.id === direct);
      assert.equal(dmEntry.peer, carol.username);
      assert.equal(dmEntry.lastMessage, null);
      assert.equal(list.find((c) => c.id === last).memberCount, 3);

      // A message moves the DM ahead of the newer, silent group (equal times fall back to creation).
      await api.send(carol, direct, 'bump dm');
      const order = (await ids()).map((c) => c.id);
      assert.ok(order.indexOf(direct) < order.indexOf(last), order.join());
    });

    it('[C10][M5] unreadCount counts others’ live messages after the read marker', async () => {
      const me = await api.signup(uniqueName('reader'));
      const id = await api.group(me, uniqueName('g'), [bob.username]);
      const unread = async () => {
        const res = await api.request('GET', '/api/v1/conversations', { token: me.token });
        const c = res.body.conversations.find((x: any) => x.id === id);
        return {
          unread: c.unreadCount as number,
          lastReadSeq: c.lastReadSeq as number,
          lastSeq: c.lastSeq as number,
        };
      };
      const b1 = (await api.send(bob, id, 'one')).body.message.seq as number;
      const b2 = (await api.send(bob, id, 'two')).body.message.seq as number;
      await api.send(me, id, 'mine do not count');
      const b3 = (await api.send(bob, id, 'three')).body.message.seq as number;
      assert.equal((await unread()).unread, 3);

      const marked = await api.request('POST', `/api/v1/conversations/${id}/read`, {
        token: me.token,
        body: { seq: b1 },
      });
      expectStatus(marked, 200);
      assert.deepEqual(marked.body, { lastReadSeq: b1 });
      assert.deepEqual(await unread(), { unread: 2, lastReadSeq: b1, lastSeq: b3 });

      const del = await api.request('DELETE', `/api/v1/conversations/${id}/messages/${b2}`, {
        token: bob.token,
      });
      expectStatus(del, 204);
      assert.equal((await unread()).unread, 1);

      const all = await api.request('POST', `/api/v1/conversations/${id}/read`, {
        token: me.token,
        body: { seq: 1_000_000 },
      });
      const lastSeq = (await unread()).lastSeq;
      assert.equal(all.body.lastReadSeq, lastSeq);
      assert.deepEqual(await unread(), { unread: 0, lastReadSeq: lastSeq, lastSeq });
    });

    it('[H4] conversation routes need a valid token', async () => {
      expectError(await api.request('GET', '/api/v1/conversations'), 401, 'unauthorized');
      expectError(
        await api.request('GET', '/api/v1/conversations', { token: 'x'.repeat(43) }),
        401,
        'unauthorized',
      );
    });
  });
