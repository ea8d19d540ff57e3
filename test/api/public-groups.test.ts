import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Api } from '../helpers/api.js';
import { uniqueName, type TestUser } from '../helpers/api.js';
import { startDeployment, testModes, type Deployment } from '../helpers/deployment.js';
import { WsClient, type Frame } from '../helpers/ws.js';
import { expectError, expectStatus } from './support.js';

for (const mode of testModes())
  describe(`REST: public groups and history visibility [${mode}]`, () => {
    let d: Deployment;
    let api: Api;
    let owner: TestUser;
    let joiner: TestUser;
    let outsider: TestUser;

    before(async () => {
      d = await startDeployment(mode);
      api = d.api;
      owner = await api.signup(uniqueName('owner'));
      joiner = await api.signup(uniqueName('joiner'));
      outsider = await api.signup(uniqueName('outsider'));
    });
    after(() => d.dispose());

    const path = (id: string, rest = '') => `/api/v1/conversations/${id}${rest}`;
    const create = async (user: TestUser, body: Record<string, unknown>) => {
      const res = await api.request('POST', '/api/v1/groups', { token: user.token, body });
      expectStatus(res, 201);
      return res.body.conversation;
    };
    const browse = (user: TestUser, query: string) =>
      api.request('GET', `/api/v1/groups/public${query}`, { token: user.token });
    const join = (user: TestUser, id: string) =>
      api.request('POST', path(id, '/join'), { token: user.token });

    it('[PG1][PG3] a group is private by default; created public; access changes write one event', async () => {
      const plain = await create(owner, { name: uniqueName('plain') });
      assert.equal(plain.visibility, 'private');
      assert.equal(plain.history, 'all');
      const open = await create(owner, { name: uniqueName('open'), visibility: 'public' });
      assert.equal(open.visibility, 'public');
      const dm = await api.dm(owner, joiner.username);
      const dmRes = await api.request('GET', path(dm), { token: owner.token });
      assert.equal(dmRes.body.conversation.visibility, 'private');
      assert.equal(dmRes.body.conversation.history, 'all');

      const changed = await api.request('PUT', path(plain.id, '/access'), {
        token: owner.token,
        body: { visibility: 'public', history: 'joined' },
      });
      expectStatus(changed, 200);
      assert.equal(changed.body.conversation.visibility, 'public');
      assert.equal(changed.body.conversation.history, 'joined');
      // The same again changes nothing and writes no event.
      expectStatus(
        await api.request('PUT', path(plain.id, '/access'), {
          token: owner.token,
          body: { visibility: 'public' },
        }),
        200,
      );
      const timeline = await api.request('GET', path(plain.id, '/timeline'), {
        token: owner.token,
      });
      const events = timeline.body.entries
        .filter((e: any) => e.kind === 'event' && e.event.type === 'conversation.access_changed')
        .map((e: any) => e.event.data);
      assert.deepEqual(events, [
        {
          visibility: 'public',
          history: 'joined',
          previousVisibility: 'private',
          previousHistory: 'all',
        },
      ]);
      expectError(
        await api.request('PUT', path(plain.id, '/access'), {
          token: owner.token,
          body: { visibility: 'secret' },
        }),
        400,
        'invalid_request',
      );
      expectError(
        await api.request('PUT', path(dm, '/access'), { token: owner.token, body: {} }),
        400,
        'invalid_request',
      );
      expectError(
        await api.request('PUT', path(plain.id, '/access'), {
          token: outsider.token,
          body: { visibility: 'private' },
        }),
        404,
        'not_found',
      );
    });

    it('[PG2] public groups are listed by name (case-insensitive contains), paged, with joined', async () => {
      const tag = uniqueName('Zebra').replace(/[^A-Za-z0-9]/g, '');
      const names = [`${tag} b`, `${tag} A`, `${tag} c`];
      for (const name of names) await create(owner, { name, visibility: 'public' });
      await create(owner, { name: `${tag} hidden` });
      const first = await browse(joiner, `?q=${encodeURIComponent(tag.toUpperCase())}&limit=2`);
      expectStatus(first, 200);
      assert.deepEqual(
        first.body.groups.map((g: any) => g.name),
        [`${tag} A`, `${tag} b`],
      );
      assert.equal(first.body.groups[0].memberCount, 1);
      assert.equal(first.body.groups[0].joined, false);
      assert.equal(typeof first.body.next, 'string');
      const second = await browse(
        joiner,
        `?q=${encodeURIComponent(tag.toLowerCase())}&limit=2&after=${first.body.next}`,
      );
      assert.deepEqual(
        second.body.groups.map((g: any) => g.name),
        [`${tag} c`],
      );
      assert.equal(second.body.next, null);
      const mine = await browse(owner, `?q=${encodeURIComponent(tag)}`);
      assert.ok(mine.body.groups.every((g: any) => g.joined === true));
      // LIKE's wildcards are plain characters.
      const none = await browse(joiner, `?q=${encodeURIComponent('%_')}`);
      assert.deepEqual(none.body.groups, []);
      expectError(await browse(joiner, '?after=garbage'), 400, 'invalid_request');
      expectError(await browse(joiner, '?limit=0'), 400, 'invalid_request');
      expectError(await browse(joiner, `?q=${'x'.repeat(201)}`), 400, 'invalid_request');
      expectError(await api.request('GET', '/api/v1/groups/public', {}), 401, 'unauthorized');
    });

    it('[PG4] joining a public group: 201, member.joined, idempotent 200; private/unknown not_found', async () => {
      const open = await create(owner, { name: uniqueName('lobby'), visibility: 'public' });
      const hidden = await create(owner, { name: uniqueName('hidden') });
      const { client } = await WsClient.open(d.urlOf(joiner), joiner.token);
      const joined = await join(joiner, open.id);
      expectStatus(joined, 201);
      assert.equal(joined.body.conversation.id, open.id);
      assert.equal(joined.body.conversation.role, 'member');
      const added = await client.next(
        (f: Frame) => f.type === 'event' && f.event.type === 'conversation.added',
      );
      assert.equal(added.event.conversationId, open.id);
      const event = await client.next(
        (f: Frame) => f.type === 'event' && f.event.type === 'member.joined',
      );
      assert.deepEqual(event.event.data, { userId: joiner.id, username: joiner.username });
      expectStatus(await join(joiner, open.id), 200);
      expectError(await join(joiner, hidden.id), 404, 'not_found');
      expectError(await join(joiner, '01HZZZZZZZZZZZZZZZZZZZZZZZ'), 404, 'not_found');
      const dm = await api.dm(owner, outsider.username);
      expectError(await join(joiner, dm), 404, 'not_found');
      // Leaving is C9's leave; joining again works.
      expectStatus(
        await api.request('POST', path(open.id, '/leave'), { token: joiner.token }),
        204,
      );
      expectStatus(await join(joiner, open.id), 201);
      await client.close();
    });

    it("[PG5][PG6][PG7] history 'joined': every read path starts at the member's join, incl. WebSocket resync", async () => {
      const secret = uniqueName('before-join');
      const open = await create(owner, {
        name: uniqueName('bounded'),
        visibility: 'public',
        history: 'joined',
      });
      const early = await api.send(owner, open.id, `${secret} root`);
      expectStatus(early, 201);
      const earlySeq = early.body.message.seq;
      await api.send(owner, open.id, `${secret} @${joiner.username}`);
      expectStatus(await join(joiner, open.id), 201);
      const reply = await api.request('POST', path(open.id, '/messages'), {
        token: owner.token,
        body: { clientMsgId: uniqueName('c'), body: 'after the join', replyTo: earlySeq },
      });
      expectStatus(reply, 201);
      const replySeq = reply.body.message.seq;
      const tok = { token: joiner.token };

      const history = await api.request('GET', path(open.id, '/messages'), tok);
      assert.deepEqual(
        history.body.messages.map((m: any) => m.body),
        ['after the join'],
      );
      assert.equal(history.body.messages[0].reply, null, 'no quote of an earlier parent');
      const fromStart = await api.request('GET', path(open.id, '/messages?after=0'), tok);
      assert.deepEqual(
        fromStart.body.messages.map((m: any) => m.seq),
        [replySeq],
      );
      const timeline = await api.request('GET', path(open.id, '/timeline?after=0'), tok);
      const types = timeline.body.entries.map((e: any) =>
        e.kind === 'event' ? e.event.type : 'message',
      );
      assert.deepEqual(types, ['member.joined', 'message']);
      expectError(
        await api.request('GET', path(open.id, `/messages/${earlySeq}`), tok),
        404,
        'not_found',
      );
      expectError(
        await api.request('GET', path(open.id, `/messages/${replySeq}/thread`), tok),
        404,
        'not_found',
      );
      const search = await api.request(
        'GET',
        `/api/v1/search?q=${encodeURIComponent(secret)}`,
        tok,
      );
      expectStatus(search, 200);
      assert.deepEqual(search.body.results, []);
      const mentions = await api.request('GET', '/api/v1/mentions', tok);
      expectStatus(mentions, 200);
      assert.ok(
        !JSON.stringify(mentions.body).includes(secret),
        'a mention from before the join is not listed',
      );
      const summary = await api.request('GET', path(open.id), tok);
      assert.equal(summary.body.conversation.unreadCount, 1);
      assert.equal(summary.body.conversation.mentionCount, 0);
      assert.equal(summary.body.conversation.lastMessage.seq, replySeq);
      // A reply to a message before the bound is refused as if it did not exist.
      expectError(
        await api.request('POST', path(open.id, '/messages'), {
          token: joiner.token,
          body: { clientMsgId: uniqueName('c'), body: 'quote', replyTo: earlySeq },
        }),
        404,
        'not_found',
      );

      // WebSocket: a sync from cursor 0 replays from the join on, and nothing earlier.
      const { client } = await WsClient.open(d.urlOf(joiner), joiner.token);
      client.send({ type: 'sync', cursors: { [open.id]: 0 }, ref: 'r1' });
      const synced = await client.next((f: Frame) => f.type === 'synced' && f.ref === 'r1');
      assert.equal(synced.cursors[open.id], replySeq);
      const replayed = client.frames.filter(
        (f: Frame) =>
          (f.type === 'message' && f.message.conversationId === open.id) ||
          (f.type === 'event' && f.event.conversationId === open.id),
      );
      assert.ok(
        replayed.every((f: Frame) => (f.message ?? f.event).seq > earlySeq + 1),
        JSON.stringify(replayed),
      );
      assert.ok(!JSON.stringify(client.frames).includes(secret), 'nothing before the join');
      await client.close();

      // The owner still reads everything; 'all' joiners read everything.
      const ownerHistory = await api.request('GET', path(open.id, '/messages'), {
        token: owner.token,
      });
      assert.equal(ownerHistory.body.messages.length, 3);
      expectStatus(
        await api.request('PUT', path(open.id, '/access'), {
          token: owner.token,
          body: { history: 'all' },
        }),
        200,
      );
      expectStatus(await join(outsider, open.id), 201);
      const outsiderHistory = await api.request('GET', path(open.id, '/messages'), {
        token: outsider.token,
      });
      assert.equal(outsiderHistory.body.messages.length, 3);
      // The joiner's bound stays where it was.
      const again = await api.request('GET', path(open.id, '/messages'), tok);
      assert.equal(again.body.messages.length, 1);
    });

    it('[PG5] a member added by an owner to a joined-history group also starts at their member.added', async () => {
      const group = await create(owner, { name: uniqueName('added'), history: 'joined' });
      await api.send(owner, group.id, 'old news');
      const add = await api.request('POST', path(group.id, '/members'), {
        token: owner.token,
        body: { username: outsider.username },
      });
      expectStatus(add, 201);
      assert.ok(add.body.member.historyFrom > 1);
      const seen = await api.request('GET', path(group.id, '/messages'), { token: outsider.token });
      assert.deepEqual(seen.body.messages, []);
    });
  });
