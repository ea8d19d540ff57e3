import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { uniqueName, type Api, type TestUser } from '../helpers/api.js';
import { testModes, useDeploymentWithUsers } from '../helpers/deployment.js';
import { expectError, expectStatus } from './support.js';

for (const mode of testModes())
  describe(`REST: messages [${mode}]`, () => {
    const world = useDeploymentWithUsers(mode, ['alice', 'bob', 'carol']);
    let api: Api;
    let alice: TestUser;
    let bob: TestUser;
    let carol: TestUser;
    before(() => {
      ({ api } = world());
      ({ alice, bob, carol } = world().users);
    });

    const group = () => api.group(alice, uniqueName('g'), [bob.username]);
    const msgPath = (id: string, seq: number | string) =>
      `/api/v1/conversations/${id}/messages/${seq}`;
    const edit = (user: TestUser, id: string, seq: number | string, body: unknown) =>
      api.request('PATCH', msgPath(id, seq), { token: user.token, body: { body } });
    const del = (user: TestUser, id: string, seq: number | string) =>
      api.request('DELETE', msgPath(id, seq), { token: user.token });
    const read = (user: TestUser, id: string, seq: unknown) =>
      api.request('POST', `/api/v1/conversations/${id}/read`, { token: user.token, body: { seq } });

    it('[M1][G1][G5] a send answers 201 with the stored message, which history then holds', async () => {
      const id = await group();
      const res = await api.send(alice, id, 'hello', 'c-1');
      expectStatus(res, 201);
      const m = res.body.message;
      assert.deepEqual(Object.keys(m).sort(), [
        'attachments',
        'body',
        'clientMsgId',
        'conversationId',
        'createdAt',
        'deletedAt',
        'deletedBy',
        'editedAt',
        'id',
        'mentions',
        'mentionsAll',
        'reactions',
        'reply',
        'replyCount',
        'replyTo',
        'sender',
        'senderName',
        'seq',
        'threadRoot',
      ]);
      assert.equal(m.conversationId, id);
      assert.equal(m.seq, 2, 'seq 1 is conversation.created');
      assert.equal(m.sender, alice.id);
      assert.equal(m.senderName, alice.username);
      assert.equal(m.clientMsgId, 'c-1');
      assert.equal(m.body, 'hello');
      assert.equal(m.editedAt, null);
      assert.equal(m.deletedAt, null);
      const history = await api.history(bob, id);
      assert.deepEqual(history.body.messages, [m]);
      const next = await api.send(bob, id, 'reply');
      assert.equal(next.body.message.seq, 3);
    });

    it('[G3] a retry with the same clientMsgId answers 200 with the original (same id and seq)', async () => {
      const id = await group();
      const clientMsgId = crypto.randomUUID();
      const first = await api.send(alice, id, 'once', clientMsgId);
      expectStatus(first, 201);
      await api.send(bob, id, 'in between');
      const retry = await api.send(alice, id, 'once, different text', clientMsgId);
      expectStatus(retry, 200);
      assert.deepEqual(retry.body.message, first.body.message);
      const bodies = (await api.history(alice, id)).body.messages.map((m: any) => m.body);
      assert.deepEqual(bodies, ['once', 'in between']);
      // Unique per sender: another user may use the same id.
      expectStatus(await api.send(bob, id, 'mine', clientMsgId), 201);
    });

    it('[G3] reusing a clientMsgId for another conversation is conflict', async () => {
      const one = await group();
      const two = await group();
      const clientMsgId = crypto.randomUUID();
      expectStatus(await api.send(alice, one, 'first', clientMsgId), 201);
      expectError(await api.send(alice, two, 'first', clientMsgId), 409, 'conflict');
      assert.deepEqual((await api.history(alice, two)).body.messages, []);
    });

    it('[M1][S3] bodies are 1-4000 code points and not only whitespace; longer is message_too_long', async () => {
      const id = await group();
      expectError(await api.send(alice, id, ''), 400, 'invalid_request');
      expectError(await api.send(alice, id, ' \n\t '), 400, 'invalid_request');
      const max = await api.send(alice, id, 'x'.repeat(4000));
      expectStatus(max, 201);
      assert.equal(max.body.message.body.length, 4000);
      const tooLong = await api.send(alice, id, 'x'.repeat(4001));
      expectError(tooLong, 400, 'message_too_long');
      // Emoji outside the BMP are two UTF-16 units but one character each.
      const emoji = await api.send(alice, id, '😀'.repeat(4000));
      expectStatus(emoji, 201);
      assert.equal(emoji.body.message.body, '😀'.repeat(4000));
      expectError(await api.send(alice, id, '😀'.repeat(4001)), 400, 'message_too_long');
      assert.equal((await api.history(alice, id)).body.messages.length, 2);
    });

    it('[M1][G3][H3] clientMsgId must be 1-64 characters; wrong shapes are invalid_request', async () => {
      const id = await group();
      const post = (body: unknown) =>
        api.request('POST', `/api/v1/conversations/${id}/messages`, { token: alice.token, body });
      expectStatus(await api.send(alice, id, 'ok', 'k'.repeat(64)), 201);
      expectError(await api.send(alice, id, 'no', 'k'.repeat(65)), 400, 'invalid_request');
      expectError(await api.send(alice, id, 'no', ''), 400, 'invalid_request');
      for (const body of [
        {},
        { body: 'x' },
        { clientMsgId: 'a' },
        { clientMsgId: 1, body: 'x' },
        { clientMsgId: 'a', body: 7 },
        [],
        null,
      ]) {
        expectError(await post(body), 400, 'invalid_request');
      }
      expectError(
        await api.request('POST', `/api/v1/conversations/${id}/messages`, {
          token: alice.token,
          raw: 'hello',
        }),
        400,
        'invalid_json',
      );
      expectError(
        await api.request('POST', `/api/v1/conversations/${id}/messages`, {
          body: { clientMsgId: 'a', body: 'x' },
        }),
        401,
        'unauthorized',
      );
    });

    it('[M2] history pages: latest, before, after, both, and limit bounds', async () => {
      const id = await group();
      const seqs: number[] = [];
      for (let i = 0; i < 8; i++)
        seqs.push((await api.send(i % 2 ? bob : alice, id, `m${i}`)).body.message.seq);
      const page = async (query: string) => {
        const res = await api.history(alice, id, query);
        expectStatus(res, 200);
        return res.body.messages.map((m: any) => m.seq) as number[];
      };
      assert.deepEqual(await page(''), seqs);
      assert.deepEqual(await page('?limit=3'), seqs.slice(-3));
      assert.deepEqual(await page(`?before=${seqs[5]}&limit=2`), seqs.slice(3, 5));
      assert.deepEqual(await page(`?before=${seqs[5]}`), seqs.slice(0, 5));
      assert.deepEqual(await page(`?after=${seqs[2]}&limit=2`), seqs.slice(3, 5));
      assert.deepEqual(await page(`?after=${seqs[2]}`), seqs.slice(3));
      assert.deepEqual(await page(`?after=${seqs[1]}&before=${seqs[6]}`), seqs.slice(2, 6));
      assert.deepEqual(await page(`?after=${seqs[1]}&before=${seqs[6]}&limit=1`), seqs.slice(2, 3));
      assert.deepEqual(await page(`?after=${seqs[7]}`), []);
      assert.deepEqual(await page('?before=1'), []);
      assert.deepEqual(await page('?limit=100&after=0'), seqs);
      for (const query of [
        'limit=0',
        'limit=101',
        'limit=x',
        'before=-1',
        'after=-5',
        'after=1.5',
        'before=abc',
      ]) {
        expectError(await api.history(alice, id, `?${query}`), 400, 'invalid_request');
      }
    });

    it('[M2] history holds at most 100 per page and defaults to 50, oldest first', async () => {
      const id = await group();
      for (let i = 0; i < 105; i++) expectStatus(await api.send(alice, id, `n${i}`), 201);
      const dflt = (await api.history(alice, id)).body.messages;
      assert.equal(dflt.length, 50);
      assert.equal(dflt.at(-1).body, 'n104');
      const max = (await api.history(alice, id, '?limit=100')).body.messages;
      assert.equal(max.length, 100);
      assert.equal(max[0].body, 'n5');
      assert.ok(max.every((m: any, i: number) => i === 0 || m.seq > max[i - 1].seq));
    });

    it('[M3] editing one’s own message changes the body and sets editedAt', async () => {
      const id = await group();
      const sent = (await api.send(alice, id, 'typo')).body.message;
      const res = await edit(alice, id, sent.seq, 'fixed');
      expectStatus(res, 200);
      assert.equal(res.body.message.id, sent.id);
      assert.equal(res.body.message.seq, sent.seq);
      assert.equal(res.body.message.body, 'fixed');
      assert.equal(typeof res.body.message.editedAt, 'number');
      const [stored] = (await api.history(bob, id)).body.messages;
      assert.deepEqual(stored, res.body.message);
      const conversation = await api.request('GET', `/api/v1/conversations/${id}`, {
        token: alice.token,
      });
      assert.equal(
        conversation.body.conversation.lastSeq,
        sent.seq + 1,
        'message.edited enters the timeline',
      );
    });

    it('[M3] edits: others’ messages forbidden, deleted conflict, unknown not_found, bad input rejected', async () => {
      const id = await group();
      const seq = (await api.send(alice, id, 'original')).body.message.seq as number;
      expectError(await edit(bob, id, seq, 'hijack'), 403, 'forbidden');
      expectError(await edit(carol, id, seq, 'hijack'), 404, 'not_found');
      expectError(await edit(alice, id, 999, 'x'), 404, 'not_found');
      expectError(await edit(alice, id, seq, ''), 400, 'invalid_request');
      expectError(await edit(alice, id, seq, '   '), 400, 'invalid_request');
      expectError(await edit(alice, id, seq, 'x'.repeat(4001)), 400, 'message_too_long');
      expectStatus(await edit(alice, id, seq, 'x'.repeat(4000)), 200);
      expectError(await edit(alice, id, seq, 42), 400, 'invalid_request');
      for (const bad of ['abc', '0', '-1', '1.5'])
        expectError(await edit(alice, id, bad, 'x'), 400, 'invalid_request');
      expectError(
        await api.request('PATCH', msgPath(id, seq), { token: alice.token, raw: '{"body"' }),
        400,
        'invalid_json',
      );
      expectStatus(await del(alice, id, seq), 204);
      expectError(await edit(alice, id, seq, 'resurrect'), 409, 'conflict');
    });

    it('[M4] deleting one’s own message erases the text and keeps the seq; again is a no-op 204', async () => {
      const id = await group();
      const sent = (await api.send(alice, id, 'regret')).body.message;
      const after = (await api.send(bob, id, 'after')).body.message;
      expectStatus(await del(alice, id, sent.seq), 204);
      const [gone, kept] = (await api.history(bob, id)).body.messages;
      assert.equal(gone.id, sent.id);
      assert.equal(gone.seq, sent.seq);
      assert.equal(gone.body, '');
      assert.equal(typeof gone.deletedAt, 'number');
      assert.deepEqual(kept, after);
      const lastSeq = (
        await api.request('GET', `/api/v1/conversations/${id}`, { token: alice.token })
      ).body.conversation.lastSeq;
      expectStatus(await del(alice, id, sent.seq), 204);
      const again = (
        await api.request('GET', `/api/v1/conversations/${id}`, { token: alice.token })
      ).body.conversation;
      assert.equal(again.lastSeq, lastSeq, 'a repeated delete adds no event');
      assert.equal(again.lastMessage.id, after.id);
    });

    it('[M4] deleting: others’ messages forbidden, unknown not_found, bad seq invalid_request', async () => {
      const id = await group();
      const seq = (await api.send(alice, id, 'mine')).body.message.seq as number;
      expectError(await del(bob, id, seq), 403, 'forbidden');
      expectError(await del(carol, id, seq), 404, 'not_found');
      expectError(await del(alice, id, 12345), 404, 'not_found');
      expectError(await del(alice, id, 1), 404, 'not_found');
      expectError(await del(alice, id, 'x'), 400, 'invalid_request');
      assert.equal((await api.history(alice, id)).body.messages[0].body, 'mine');
    });

    it('[M5] the read marker rises, never falls, and is capped at the last seq', async () => {
      const id = await group();
      const s1 = (await api.send(bob, id, 'one')).body.message.seq as number;
      const s2 = (await api.send(bob, id, 'two')).body.message.seq as number;
      assert.deepEqual((await read(alice, id, s2)).body, { lastReadSeq: s2 });
      const lower = await read(alice, id, s1);
      expectStatus(lower, 200);
      assert.deepEqual(lower.body, { lastReadSeq: s2 });
      assert.deepEqual((await read(alice, id, s2 + 50)).body, { lastReadSeq: s2 });
      assert.deepEqual((await read(alice, id, 0)).body, { lastReadSeq: s2 });
      for (const bad of [-1, 1.5, 'two', null])
        expectError(await read(alice, id, bad), 400, 'invalid_request');
      expectError(await read(carol, id, s1), 404, 'not_found');
      const summary = await api.request('GET', `/api/v1/conversations/${id}`, {
        token: alice.token,
      });
      assert.equal(summary.body.conversation.lastReadSeq, s2);
      assert.equal(summary.body.conversation.unreadCount, 0);
    });

    it('[M2][M6][H2] seqs past the store’s integer range read as any seq past the end, never 5xx', async () => {
      const id = await group();
      const sent = (await api.send(alice, id, 'only')).body.message;
      const big = 2 ** 40;
      const get = (path: string) => api.request('GET', path, { token: alice.token });
      const history = await get(`/api/v1/conversations/${id}/messages?before=${big}`);
      assert.deepEqual(
        [history.status, history.body.messages.map((m: any) => m.seq)],
        [200, [sent.seq]],
      );
      const after = await get(`/api/v1/conversations/${id}/messages?after=${big}`);
      assert.deepEqual([after.status, after.body.messages], [200, []]);
      const timeline = await get(`/api/v1/conversations/${id}/timeline?after=${big}`);
      assert.deepEqual([timeline.status, timeline.body], [200, { entries: [], nextAfter: null }]);
      expectError(await edit(alice, id, big, 'x'), 404, 'not_found');
      expectError(await del(alice, id, big), 404, 'not_found');
    });

    it('[G6][M1] non-members cannot send or read; unknown conversations are not_found', async () => {
      const id = await group();
      expectError(await api.send(carol, id, 'let me in'), 404, 'not_found');
      expectError(await api.history(carol, id), 404, 'not_found');
      expectError(await api.send(alice, '01ARZ3NDEKTSV4RRFFQ69G5FAV', 'void'), 404, 'not_found');
      expectError(await api.history(alice, 'does-not-exist'), 404, 'not_found');
      assert.deepEqual((await api.history(alice, id)).body.messages, []);
    });
  });
