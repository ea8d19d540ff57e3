import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { uniqueName, type Api, type TestUser } from '../helpers/api.js';
import { testModes, useDeploymentWithUsers } from '../helpers/deployment.js';
import { expectError, expectStatus } from './support.js';

for (const mode of testModes())
  describe(`REST and WebSocket: mentions and @all [${mode}]`, () => {
    const world = useDeploymentWithUsers(mode, ['alice', 'bob', 'carol', 'dave']);
    let api: Api;
    let alice: TestUser;
    let bob: TestUser;
    let carol: TestUser;
    let dave: TestUser;
    before(() => {
      ({ api } = world());
      ({ alice, bob, carol, dave } = world().users);
    });

    const base = (id: string) => `/api/v1/conversations/${id}`;
    const settings = (user: TestUser, id: string, body: unknown) =>
      api.request('PUT', `${base(id)}/settings`, { token: user.token, body });
    const mentions = (user: TestUser, query = '') =>
      api.request('GET', `/api/v1/mentions${query}`, { token: user.token });
    const edit = (user: TestUser, id: string, seq: number, body: string) =>
      api.request('PATCH', `${base(id)}/messages/${seq}`, { token: user.token, body: { body } });
    const summary = async (user: TestUser, id: string) =>
      (await api.request('GET', base(id), { token: user.token })).body.conversation;
    const sorted = (...users: TestUser[]) => users.map((u) => u.id).sort();

    it('[R6] @username of current members becomes mentions: sorted, unique, not the sender, case-insensitive', async () => {
      const id = await api.group(alice, uniqueName('g'), [bob.username, carol.username]);
      const body =
        `hi @${bob.username.toUpperCase()}, @${carol.username}. and @${bob.username} again; ` +
        `@${alice.username} (me), @${dave.username} (not here), @nobody, ` +
        `mail x@${carol.username} and \`@${carol.username}\``;
      const sent = await api.send(alice, id, body);
      expectStatus(sent, 201);
      assert.deepEqual(sent.body.message.mentions, sorted(bob, carol));
      assert.equal(sent.body.message.mentionsAll, false);
      assert.equal(sent.body.message.body, body, 'the body is stored as written');
      const plain = await api.send(alice, id, `x@${bob.username} @@${bob.username}`);
      assert.deepEqual(plain.body.message.mentions, []);
      const history = (await api.history(bob, id)).body.messages;
      assert.deepEqual(history[0].mentions, sorted(bob, carol));
    });

    it('[R7] @all in a group by policy; plain text in a DM; the policy is owner/admin only', async () => {
      const id = await api.group(alice, uniqueName('g'), [bob.username]);
      const everyone = await api.send(bob, id, 'hey @all');
      assert.equal(everyone.body.message.mentionsAll, true);
      const dm = await api.dm(alice, bob.username);
      const inDm = await api.send(alice, dm, 'hey @all');
      assert.deepEqual([inDm.body.message.mentionsAll, inDm.body.message.mentions], [false, []]);

      const before = (await summary(alice, id)).lastSeq;
      const changed = await settings(alice, id, { allMentions: 'admins' });
      expectStatus(changed, 200);
      assert.equal(changed.body.conversation.allMentions, 'admins');
      assert.equal(changed.body.conversation.lastSeq, before + 1);
      const again = await settings(alice, id, { allMentions: 'admins' });
      assert.equal(again.body.conversation.lastSeq, before + 1, 'no change, no event');
      const timeline = await api.request('GET', `${base(id)}/timeline?after=${before}`, {
        token: bob.token,
      });
      assert.deepEqual(
        timeline.body.entries.map((e: any) => [e.event.type, e.event.data, e.event.actor]),
        [
          [
            'conversation.settings_changed',
            { allMentions: 'admins', previous: 'members' },
            alice.id,
          ],
        ],
      );

      expectError(await api.send(bob, id, '@all again'), 403, 'forbidden');
      expectError(await settings(bob, id, { allMentions: 'members' }), 403, 'forbidden');
      expectError(await settings(carol, id, { allMentions: 'members' }), 404, 'not_found');
      expectError(await settings(alice, dm, { allMentions: 'admins' }), 400, 'invalid_request');
      for (const bad of [{}, { allMentions: 'everyone' }, { allMentions: null }, []])
        expectError(await settings(alice, id, bad), 400, 'invalid_request');
      expectError(await settings(alice, 'nope', { allMentions: 'admins' }), 404, 'not_found');
      assert.equal(
        (await api.send(alice, id, '@all from the owner')).body.message.mentionsAll,
        true,
      );
      await api.request('PATCH', `${base(id)}/members/${bob.username}`, {
        token: alice.token,
        body: { role: 'admin' },
      });
      assert.equal((await api.send(bob, id, '@all from an admin')).body.message.mentionsAll, true);
    });

    it('[R6] an edit resolves mentions again and its event carries them; a deletion clears them', async () => {
      const id = await api.group(alice, uniqueName('g'), [bob.username, carol.username]);
      const sent = (await api.send(alice, id, `ping @${bob.username}`)).body.message;
      const edited = await edit(alice, id, sent.seq, `ping @${carol.username} and @all`);
      expectStatus(edited, 200);
      assert.deepEqual(
        [edited.body.message.mentions, edited.body.message.mentionsAll],
        [sorted(carol), true],
      );
      const entries = (
        await api.request('GET', `${base(id)}/timeline?after=${sent.seq}`, { token: bob.token })
      ).body.entries;
      assert.deepEqual(entries.at(-1).event.data, {
        seq: sent.seq,
        body: `ping @${carol.username} and @all`,
        editedAt: edited.body.message.editedAt,
        mentions: sorted(carol),
        mentionsAll: true,
      });
      await api.request('DELETE', `${base(id)}/messages/${sent.seq}`, { token: alice.token });
      const gone = (
        await api.request('GET', `${base(id)}/messages/${sent.seq}`, { token: bob.token })
      ).body.message;
      assert.deepEqual([gone.mentions, gone.mentionsAll], [[], false]);
      assert.equal((await summary(carol, id)).mentionCount, 0);
    });

    it('[R8] mentionCount counts unread mentions; reading clears it', async () => {
      const id = await api.group(alice, uniqueName('g'), [bob.username, carol.username]);
      await api.send(alice, id, `@${bob.username} one`);
      await api.send(carol, id, `@all two`);
      await api.send(alice, id, 'not a mention');
      const last = (await api.send(bob, id, `@all from bob`)).body.message;
      assert.equal((await summary(bob, id)).mentionCount, 2);
      assert.equal((await summary(carol, id)).mentionCount, 1);
      const listed = (await api.request('GET', '/api/v1/conversations', { token: bob.token })).body
        .conversations;
      assert.equal(listed.find((c: any) => c.id === id).mentionCount, 2);
      await api.request('POST', `${base(id)}/read`, { token: bob.token, body: { seq: last.seq } });
      assert.equal((await summary(bob, id)).mentionCount, 0);
    });

    it('[R8] GET /mentions: newest first, pages with before/nextBefore, current conversations only', async () => {
      const [erin] = [await api.signup(uniqueName('erin'))];
      const g1 = await api.group(alice, uniqueName('g'), [erin.username, bob.username]);
      const g2 = await api.group(bob, uniqueName('g'), [erin.username]);
      const ids: string[] = [];
      ids.push((await api.send(alice, g1, `@${erin.username} 1`)).body.message.id);
      ids.push((await api.send(bob, g2, `@all 2`)).body.message.id);
      await api.send(erin, g1, `@all mine`);
      await api.send(alice, g1, `plain`);
      ids.push((await api.send(bob, g1, `@${erin.username} @all 3`)).body.message.id);
      const deleted = (await api.send(alice, g1, `@${erin.username} deleted`)).body.message;
      await api.request('DELETE', `${base(g1)}/messages/${deleted.seq}`, { token: alice.token });

      const all = await mentions(erin);
      expectStatus(all, 200);
      assert.deepEqual(
        all.body.messages.map((m: any) => m.id),
        [...ids].reverse(),
      );
      assert.equal(all.body.nextBefore, null);
      const page1 = await mentions(erin, '?limit=2');
      assert.deepEqual(
        page1.body.messages.map((m: any) => m.id),
        [ids[2], ids[1]],
      );
      assert.equal(page1.body.nextBefore, ids[1]);
      const page2 = await mentions(erin, `?limit=2&before=${page1.body.nextBefore}`);
      assert.deepEqual(
        [page2.body.messages.map((m: any) => m.id), page2.body.nextBefore],
        [[ids[0]], null],
      );
      await api.request('DELETE', `${base(g2)}/members/${erin.username}`, { token: bob.token });
      assert.deepEqual(
        (await mentions(erin)).body.messages.map((m: any) => m.id),
        [ids[2], ids[0]],
        'not from a group erin was removed from',
      );
      for (const query of ['?limit=0', '?limit=101', '?limit=x', `?before=${'x'.repeat(65)}`])
        expectError(await mentions(erin, query), 400, 'invalid_request');
      expectError(await api.request('GET', '/api/v1/mentions'), 401, 'unauthorized');
    });

    it('[R6] a huge body full of @names is answered, never 5xx', async () => {
      const id = await api.group(alice, uniqueName('g'), [bob.username]);
      const many = Array.from({ length: 800 }, (_, i) => `@n${i}`).join(' ');
      const sent = await api.send(alice, id, `@${bob.username} ${many}`.slice(0, 4000));
      expectStatus(sent, 201);
      assert.deepEqual(sent.body.message.mentions, [bob.id]);
      const exact = await api.send(alice, id, `${'@'.repeat(3900)}${bob.username}`);
      expectStatus(exact, 201);
      assert.deepEqual(exact.body.message.mentions, [], '@@name is not a mention');
    });

    it('[G4][W5][R1][R6][R7] an offline socket resyncs replies, the settings event and mention edits in seq order', async () => {
      const id = await api.group(alice, uniqueName('g'), [bob.username, carol.username]);
      const root = (await api.send(alice, id, 'root')).body.message;
      const first = await world().deployment.open(bob);
      const cursor = first.ready.cursors[id] as number;
      await first.client.close();

      const r1 = (
        await api.request('POST', `${base(id)}/messages`, {
          token: carol.token,
          body: {
            clientMsgId: crypto.randomUUID(),
            body: `@${bob.username} see`,
            replyTo: root.seq,
          },
        })
      ).body.message;
      await settings(alice, id, { allMentions: 'admins' });
      await edit(carol, id, r1.seq, `@${alice.username} see`);
      await edit(alice, id, root.seq, `root @${bob.username}`);

      const { client } = await world().deployment.open(bob, { [id]: cursor });
      try {
        await client.next((f) => f.type === 'synced');
        const entries = client.frames.filter(
          (f) =>
            (f.type === 'message' || f.type === 'event') &&
            (f.message ?? f.event).conversationId === id,
        );
        assert.deepEqual(
          entries.map((f) =>
            f.type === 'message' ? ['message', f.message.seq] : [f.event.type, f.event.seq],
          ),
          [
            ['message', r1.seq],
            ['conversation.settings_changed', r1.seq + 1],
            ['message.edited', r1.seq + 2],
            ['message.edited', r1.seq + 3],
          ],
        );
        const [reply, , editReply, editRoot] = entries;
        assert.equal(reply!.message.reply.seq, root.seq);
        assert.deepEqual(reply!.message.mentions, sorted(alice), 'replayed in its current state');
        assert.deepEqual(editReply!.event.data.mentions, sorted(alice));
        assert.deepEqual(
          [editRoot!.event.data.mentions, editRoot!.event.data.mentionsAll],
          [sorted(bob), false],
        );
      } finally {
        await client.close();
      }
    });

    it('[R7] over the socket: a refused @all is a forbidden error frame', async () => {
      const id = await api.group(alice, uniqueName('g'), [bob.username]);
      await settings(alice, id, { allMentions: 'admins' });
      const { client } = await world().deployment.open(bob);
      try {
        client.send({ type: 'send', conversationId: id, clientMsgId: 'all-1', body: '@all hi' });
        const refused = await client.next((f) => f.type === 'error' && f.ref === 'all-1');
        assert.equal(refused.code, 'forbidden');
      } finally {
        await client.close();
      }
    });
  });
