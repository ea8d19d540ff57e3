import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { uniqueName, type Api, type TestUser } from '../helpers/api.js';
import { testModes, useDeploymentWithUsers } from '../helpers/deployment.js';
import { expectError, expectStatus } from './support.js';

for (const mode of testModes())
  describe(`REST and WebSocket: replies and threads [${mode}]`, () => {
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
    const base = (id: string) => `/api/v1/conversations/${id}/messages`;
    const reply = (user: TestUser, id: string, replyTo: unknown, body = 'a reply') =>
      api.request('POST', base(id), {
        token: user.token,
        body: { clientMsgId: crypto.randomUUID(), body, replyTo },
      });
    const message = (user: TestUser, id: string, seq: number | string) =>
      api.request('GET', `${base(id)}/${seq}`, { token: user.token });
    const thread = (user: TestUser, id: string, seq: number | string, query = '') =>
      api.request('GET', `${base(id)}/${seq}/thread${query}`, { token: user.token });

    it('[R1][R2] a reply quotes its parent; a reply to a reply joins the root’s thread', async () => {
      const id = await group();
      const root = (await api.send(bob, id, 'the **root** message')).body.message;
      const first = await reply(alice, id, root.seq, 'first');
      expectStatus(first, 201);
      const preview = {
        seq: root.seq,
        sender: bob.id,
        senderName: bob.username,
        snippet: 'the **root** message',
        deleted: false,
      };
      assert.equal(first.body.message.replyTo, root.seq);
      assert.equal(first.body.message.threadRoot, root.seq);
      assert.deepEqual(first.body.message.reply, preview);
      assert.equal(first.body.message.replyCount, 0);

      const nested = (await reply(bob, id, first.body.message.seq, 'nested')).body.message;
      assert.equal(nested.replyTo, first.body.message.seq, 'keeps the message it quoted');
      assert.equal(nested.threadRoot, root.seq, 'but joins the root’s thread');
      assert.equal(nested.reply.snippet, 'first');

      const history = (await api.history(alice, id)).body.messages;
      assert.deepEqual(
        history.map((m: any) => [m.body, m.replyTo, m.threadRoot, m.replyCount]),
        [
          ['the **root** message', null, null, 2],
          ['first', root.seq, root.seq, 0],
          ['nested', first.body.message.seq, root.seq, 0],
        ],
      );
      assert.deepEqual(history[1].reply, preview);
      const one = await message(bob, id, root.seq);
      expectStatus(one, 200);
      assert.deepEqual(one.body.message, history[0]);
    });

    it('[R1] replyTo must name a live message of the same conversation', async () => {
      const id = await group();
      const other = await api.group(alice, uniqueName('g'), []);
      const here = (await api.send(alice, id, 'here')).body.message;
      const gone = (await api.send(alice, id, 'gone')).body.message;
      expectStatus(
        await api.request('DELETE', `${base(id)}/${gone.seq}`, { token: alice.token }),
        204,
      );
      expectError(await reply(alice, id, 1), 404, 'not_found'); // seq 1: conversation.created
      expectError(await reply(alice, id, gone.seq + 5), 404, 'not_found');
      expectError(await reply(alice, other, here.seq), 404, 'not_found');
      expectError(await reply(alice, id, gone.seq), 409, 'conflict');
      expectError(await reply(alice, id, 2 ** 40), 404, 'not_found');
      for (const bad of [0, -1, 2.5, '3', null, 2 ** 60])
        expectError(await reply(alice, id, bad), 400, 'invalid_request');
      // Nothing was stored by the refused sends.
      assert.equal((await api.history(alice, id)).body.messages.length, 2);
    });

    it('[R1][G3] a retry of a reply answers the original, whatever its replyTo says', async () => {
      const id = await group();
      const a = (await api.send(alice, id, 'a')).body.message;
      const b = (await api.send(alice, id, 'b')).body.message;
      const send = (replyTo: number | undefined) =>
        api.request('POST', base(id), {
          token: bob.token,
          body: { clientMsgId: 'retry-1', body: 'answer', replyTo },
        });
      const original = await send(a.seq);
      expectStatus(original, 201);
      for (const replyTo of [b.seq, undefined, 9999]) {
        const retry = await send(replyTo);
        expectStatus(retry, 200);
        assert.deepEqual(retry.body.message, original.body.message);
      }
    });

    it('[R2][R3] previews and counts follow the parent’s edits and deletions', async () => {
      const id = await group();
      const root = (await api.send(bob, id, 'x'.repeat(250))).body.message;
      const r1 = (await reply(alice, id, root.seq, 'one')).body.message;
      const r2 = (await reply(alice, id, root.seq, 'two')).body.message;
      assert.equal(r1.reply.snippet, 'x'.repeat(200), 'cut to 200 characters');
      expectStatus(
        await api.request('PATCH', `${base(id)}/${root.seq}`, {
          token: bob.token,
          body: { body: 'edited root' },
        }),
        200,
      );
      assert.equal((await message(alice, id, r1.seq)).body.message.reply.snippet, 'edited root');
      expectStatus(
        await api.request('DELETE', `${base(id)}/${r2.seq}`, { token: alice.token }),
        204,
      );
      assert.equal((await message(alice, id, root.seq)).body.message.replyCount, 1);
      expectStatus(
        await api.request('DELETE', `${base(id)}/${root.seq}`, { token: bob.token }),
        204,
      );
      const after = (await message(alice, id, r1.seq)).body.message;
      assert.deepEqual(after.reply, {
        seq: root.seq,
        sender: bob.id,
        senderName: bob.username,
        snippet: '',
        deleted: true,
      });
      // A deleted root keeps its thread: its replies are still there.
      assert.equal((await message(alice, id, root.seq)).body.message.replyCount, 1);
    });

    it('[R3] a thread page: the root, its replies in seq order after `after`, nextAfter', async () => {
      const id = await group();
      const root = (await api.send(alice, id, 'root')).body.message;
      const seqs: number[] = [];
      for (let i = 0; i < 5; i++) {
        await api.send(bob, id, `noise ${i}`);
        seqs.push((await reply(i % 2 ? alice : bob, id, root.seq, `r${i}`)).body.message.seq);
      }
      const whole = await thread(bob, id, root.seq);
      expectStatus(whole, 200);
      assert.equal(whole.body.root.seq, root.seq);
      assert.equal(whole.body.root.replyCount, 5);
      assert.deepEqual(
        whole.body.replies.map((m: any) => m.seq),
        seqs,
      );
      assert.equal(whole.body.nextAfter, null);
      const viaReply = await thread(bob, id, seqs[2]!, '?limit=2');
      assert.equal(viaReply.body.root.seq, root.seq, 'a reply answers its root’s thread');
      assert.deepEqual(
        viaReply.body.replies.map((m: any) => m.seq),
        seqs.slice(0, 2),
      );
      assert.equal(viaReply.body.nextAfter, seqs[1]);
      const next = await thread(bob, id, root.seq, `?after=${seqs[1]}&limit=2`);
      assert.deepEqual(
        next.body.replies.map((m: any) => m.seq),
        seqs.slice(2, 4),
      );
      const last = await thread(bob, id, root.seq, `?after=${seqs[3]}&limit=2`);
      assert.deepEqual([last.body.replies.length, last.body.nextAfter], [1, null]);
      const lonely = await thread(alice, id, seqs.at(-1)! - 1); // a noise message
      assert.deepEqual([lonely.body.root.body, lonely.body.replies], ['noise 4', []]);
      const far = await thread(alice, id, root.seq, `?after=${2 ** 40}`);
      assert.deepEqual([far.status, far.body.replies], [200, []]);
    });

    it('[R3] thread and message reads refuse what is not a message, and bad queries', async () => {
      const id = await group();
      const root = (await api.send(alice, id, 'root')).body.message;
      for (const seq of [1, root.seq + 1, 2 ** 40]) {
        expectError(await message(alice, id, seq), 404, 'not_found');
        expectError(await thread(alice, id, seq), 404, 'not_found');
      }
      for (const seq of [0, -1, 'x', '1.5', 2 ** 60])
        expectError(await message(alice, id, seq), 400, 'invalid_request');
      for (const query of ['?limit=0', '?limit=101', '?after=-1', '?after=x', '?limit=1.5'])
        expectError(await thread(alice, id, root.seq, query), 400, 'invalid_request');
      expectError(await message(carol, id, root.seq), 404, 'not_found');
      expectError(await thread(carol, id, root.seq), 404, 'not_found');
      expectError(await message(alice, 'no-such-conversation', 2), 404, 'not_found');
    });

    it('[R1][R2] over the socket: send with replyTo; the ack and the others’ message frame quote the parent', async () => {
      const id = await group();
      const root = (await api.send(bob, id, 'socket root')).body.message;
      const a = (await world().deployment.open(alice)).client;
      const b = (await world().deployment.open(bob)).client;
      try {
        a.send({
          type: 'send',
          conversationId: id,
          clientMsgId: 'ws-r1',
          body: 'via socket',
          replyTo: root.seq,
        });
        const ack = await a.next((f) => f.type === 'ack' && f.clientMsgId === 'ws-r1');
        assert.equal(ack.message.replyTo, root.seq);
        assert.equal(ack.message.reply.snippet, 'socket root');
        const got = await b.next((f) => f.type === 'message' && f.message.clientMsgId === 'ws-r1');
        assert.deepEqual(got.message, ack.message);

        a.send({ type: 'send', conversationId: id, clientMsgId: 'ws-r2', body: 'x', replyTo: 1 });
        const refused = await a.next((f) => f.type === 'error' && f.ref === 'ws-r2');
        assert.equal(refused.code, 'not_found');
        a.send({ type: 'send', conversationId: id, clientMsgId: 'ws-r3', body: 'x', replyTo: 0 });
        assert.equal(
          (await a.next((f) => f.type === 'error' && f.ref === 'ws-r3')).code,
          'invalid_request',
        );
      } finally {
        await a.close();
        await b.close();
      }
    });
  });
