import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Api } from '../helpers/api.js';
import { uniqueName, type TestUser } from '../helpers/api.js';
import { startDeployment, testModes, type Deployment } from '../helpers/deployment.js';
import { WsClient, type Frame } from '../helpers/ws.js';

/** A counter of the node's /metrics (rule O6). */
async function counter(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return Number(line?.split(' ')[1] ?? 0);
}

for (const mode of testModes())
  describe(`WebSocket protocol [${mode}]`, () => {
    let d: Deployment;
    let api: Api;
    let alice: TestUser;
    let bob: TestUser;
    let dm: string;

    before(async () => {
      d = await startDeployment(mode, { tweak: (c) => (c.helloTimeoutMs = 300) });
      api = d.api;
      alice = await api.signup(uniqueName('alice'));
      bob = await api.signup(uniqueName('bob'));
      dm = await api.dm(alice, bob.username);
    });
    after(() => d.dispose());

    it('[W1] ready carries the user, node id and the latest seq of every conversation', async () => {
      await api.send(alice, dm, 'before hello');
      const { client, ready } = await d.open(alice);
      assert.equal(ready.protocol, 1);
      assert.equal(ready.user.username, alice.username);
      assert.equal(ready.nodeId, d.nodes.find((n) => n.url === d.urlOf(alice))?.config.nodeId);
      assert.ok(ready.cursors[dm] >= 1);
      await client.close();
    });

    it('[W1] the Authorization header on the upgrade authenticates; hello needs no token then', async () => {
      const client = await WsClient.connect(d.url, {
        headers: { authorization: `Bearer ${alice.token}` },
      });
      client.send({ type: 'hello', protocol: 1 });
      const ready = await client.next((f) => f.type === 'ready');
      assert.equal(ready.user.id, alice.id);
      await client.close();
    });

    it('[W1] an invalid token on the upgrade is refused with 401', async () => {
      await assert.rejects(
        WsClient.connect(d.url, { headers: { authorization: 'Bearer nope' } }),
        (err: Error) => err.cause === 401,
      );
    });

    it('[W1][W8] hello with a bad token: error unauthorized, close 4001', async () => {
      const client = await WsClient.connect(d.url);
      client.send({ type: 'hello', protocol: 1, token: 'not-a-token' });
      const error = await client.next((f) => f.type === 'error');
      assert.equal(error.code, 'unauthorized');
      assert.equal(await client.closed(), 4001);
    });

    it('[W1][W8] hello without any token: close 4001', async () => {
      const client = await WsClient.connect(d.url);
      client.send({ type: 'hello', protocol: 1 });
      assert.equal((await client.next((f) => f.type === 'error')).code, 'unauthorized');
      assert.equal(await client.closed(), 4001);
    });

    it('[W1][W8] an unsupported protocol version: error unsupported_protocol, close 4002', async () => {
      const client = await WsClient.connect(d.url);
      client.send({ type: 'hello', protocol: 99, token: alice.token });
      assert.equal((await client.next((f) => f.type === 'error')).code, 'unsupported_protocol');
      assert.equal(await client.closed(), 4002);
    });

    it('[W1][W8] no hello within the timeout: close 4008', async () => {
      const client = await WsClient.connect(d.url);
      assert.equal(await client.closed(), 4008);
    });

    it('[W1] frames other than hello and ping before hello get unauthorized; the socket stays', async () => {
      const client = await WsClient.connect(d.url);
      client.send({ type: 'send', conversationId: dm, clientMsgId: 'x', body: 'early' });
      assert.equal((await client.next((f) => f.type === 'error')).code, 'unauthorized');
      await client.roundTrip();
      client.send({ type: 'hello', protocol: 1, token: alice.token });
      await client.next((f) => f.type === 'ready');
      await client.close();
    });

    it('[W3] malformed frames get stable error codes with a ref, and the connection stays open', async () => {
      const { client } = await d.open(alice);
      try {
        client.sendRaw('{not json');
        assert.equal((await client.next((f) => f.type === 'error')).code, 'invalid_json');
        client.sendRaw('[1,2]');
        assert.equal((await client.next((f) => f.type === 'error')).code, 'invalid_request');
        client.send({ nope: true });
        assert.equal((await client.next((f) => f.type === 'error')).code, 'invalid_request');
        client.send({ type: 'launch-missiles' });
        assert.equal((await client.next((f) => f.type === 'error')).code, 'unknown_frame');
        client.send({ type: 'send', conversationId: dm, clientMsgId: 'r1', body: 42 });
        const wrongType = await client.next((f) => f.type === 'error');
        assert.equal(wrongType.code, 'invalid_request');
        assert.equal(wrongType.ref, 'r1');
        client.sendRaw(Buffer.from([1, 2, 3]));
        assert.equal((await client.next((f) => f.type === 'error')).code, 'invalid_request');
        client.send({ type: 'hello', protocol: 1, token: alice.token });
        assert.equal((await client.next((f) => f.type === 'error')).code, 'invalid_request');
        await client.roundTrip();
        assert.equal(client.closeCode, null);
      } finally {
        await client.close();
      }
    });

    it('[W3][W8][S3] a frame over 64 KiB closes the socket with 1009', async () => {
      const { client } = await d.open(alice);
      client.send({
        type: 'send',
        conversationId: dm,
        clientMsgId: 'big',
        body: 'x'.repeat(70 * 1024),
      });
      assert.equal(await client.closed(), 1009);
    });

    it('[W4][M1] send errors come back as error frames with the clientMsgId as ref', async () => {
      const carol = await api.signup(uniqueName('carol'));
      const { client } = await d.open(carol);
      try {
        client.send({ type: 'send', conversationId: dm, clientMsgId: 'nm', body: 'hi' });
        const notMember = await client.next((f) => f.type === 'error');
        assert.deepEqual([notMember.code, notMember.ref], ['not_found', 'nm']);
        const own = await api.dm(carol, alice.username);
        client.send({
          type: 'send',
          conversationId: own,
          clientMsgId: 'long',
          body: 'x'.repeat(4001),
        });
        const tooLong = await client.next((f) => f.type === 'error');
        assert.deepEqual([tooLong.code, tooLong.ref], ['message_too_long', 'long']);
        client.send({ type: 'send', conversationId: own, clientMsgId: 'blank', body: '   ' });
        assert.equal((await client.next((f) => f.type === 'error')).code, 'invalid_request');
      } finally {
        await client.close();
      }
    });

    it('[G3][W4] a retried send is acked with the original message and created: false', async () => {
      const { client } = await d.open(alice);
      try {
        client.send({ type: 'send', conversationId: dm, clientMsgId: 'once', body: 'only once' });
        const first = await client.next((f) => f.type === 'ack');
        client.send({ type: 'send', conversationId: dm, clientMsgId: 'once', body: 'only once' });
        const second = await client.next((f) => f.type === 'ack');
        assert.equal(first.created, true);
        assert.equal(second.created, false);
        assert.deepEqual(second.message, first.message);
        const history = await api.history(alice, dm);
        assert.equal(history.body.messages.filter((m: any) => m.clientMsgId === 'once').length, 1);
      } finally {
        await client.close();
      }
    });

    it('[W5] the sender’s own socket receives its message once, in order with the rest', async () => {
      const { client } = await d.open(alice);
      try {
        for (let i = 0; i < 5; i++)
          client.send({ type: 'send', conversationId: dm, clientMsgId: `own-${i}`, body: `n${i}` });
        for (let i = 0; i < 5; i++)
          await client.next((f) => f.type === 'ack' && f.clientMsgId === `own-${i}`);
        await client.roundTrip();
        const seqs = client.all('message').map((f) => f.message.seq);
        assert.equal(new Set(seqs).size, seqs.length);
        assert.deepEqual(
          seqs,
          [...seqs].sort((a, b) => a - b),
        );
        assert.equal(seqs.length, 5);
      } finally {
        await client.close();
      }
    });

    it('[G7] typing reaches the other member, not the typist; non-members get not_found', async () => {
      const a = (await d.open(alice)).client;
      const b = (await d.open(bob)).client;
      try {
        a.send({ type: 'typing', conversationId: dm });
        const typing = await b.next((f) => f.type === 'typing');
        assert.deepEqual([typing.conversationId, typing.username], [dm, alice.username]);
        await a.roundTrip();
        assert.equal(a.all('typing').length, 0);
        a.send({ type: 'typing', conversationId: 'nope' });
        assert.equal((await a.next((f) => f.type === 'error')).code, 'not_found');
      } finally {
        await a.close();
        await b.close();
      }
    });

    it('[G7] typing is relayed at most once per 2 s per socket and conversation', async () => {
      const a = (await d.open(alice)).client;
      const b = (await d.open(bob)).client;
      try {
        const before = b.all('typing').length;
        for (let i = 0; i < 3; i++) a.send({ type: 'typing', conversationId: dm });
        await a.roundTrip();
        // Published after the typing signals by the same node, so it arrives after any of them.
        const sent = await api.send(alice, dm, 'after typing');
        await b.waitFor((f) => f.type === 'message' && f.message.seq === sent.body.message.seq);
        assert.equal(b.all('typing').length - before, 1);
      } finally {
        await a.close();
        await b.close();
      }
    });

    it('[G7] presence: the other member sees a user come online and go offline', async () => {
      const dave = await api.signup(uniqueName('dave'));
      const erin = await api.signup(uniqueName('erin'));
      await api.dm(dave, erin.username);
      const dv = (await d.open(dave)).client;
      const e = (await d.open(erin)).client;
      const online = await dv.next((f) => f.type === 'presence' && f.userId === erin.id);
      assert.equal(online.online, true);
      const members = await api.request('GET', `/api/v1/users/${erin.username}`, {
        token: dave.token,
      });
      assert.equal(members.body.user.online, true);
      await e.close();
      const offline = await dv.next((f) => f.type === 'presence' && f.userId === erin.id);
      assert.equal(offline.online, false);
      await dv.close();
    });

    it('[M5][W6] a read marker reaches the user’s other sockets', async () => {
      const one = (await d.open(bob)).client;
      const two = (await d.open(bob)).client;
      try {
        const sent = await api.send(alice, dm, 'read me');
        one.send({ type: 'read', conversationId: dm, seq: sent.body.message.seq });
        const read = await two.next((f) => f.type === 'event' && f.event.type === 'read');
        assert.deepEqual([read.event.conversationId, read.event.seq], [dm, sent.body.message.seq]);
      } finally {
        await one.close();
        await two.close();
      }
    });

    it('[C6][W6] being added to a group arrives live as conversation.added, then its timeline', async () => {
      const frank = await api.signup(uniqueName('frank'));
      const { client } = await d.open(frank);
      try {
        const group = await api.group(alice, uniqueName('g'), []);
        await api.send(alice, group, 'before frank');
        const add = await api.request('POST', `/api/v1/conversations/${group}/members`, {
          token: alice.token,
          body: { username: frank.username },
        });
        assert.equal(add.status, 201);
        const added = await client.next(
          (f) => f.type === 'event' && f.event.type === 'conversation.added',
        );
        assert.equal(added.event.conversation.id, group);
        const joined = await client.next(
          (f) => f.type === 'event' && f.event.type === 'member.added',
        );
        assert.equal(joined.event.data.username, frank.username);
        await api.send(alice, group, 'welcome');
        const welcome = await client.next((f) => f.type === 'message');
        assert.equal(welcome.message.body, 'welcome');
        assert.equal(welcome.message.seq, joined.event.seq + 1);
      } finally {
        await client.close();
      }
    });

    it('[C5][W6] deleting a group reaches members as conversation.deleted; a later sync says removed', async () => {
      const group = await api.group(alice, uniqueName('g'), [bob.username]);
      const { client } = await d.open(bob);
      try {
        const del = await api.request('DELETE', `/api/v1/conversations/${group}`, {
          token: alice.token,
        });
        assert.equal(del.status, 204);
        const deleted = await client.next(
          (f) => f.type === 'event' && f.event.type === 'conversation.deleted',
        );
        assert.equal(deleted.event.conversationId, group);
        client.send({ type: 'sync', cursors: { [group]: 0 } });
        const removed = await client.next(
          (f) => f.type === 'event' && f.event.type === 'conversation.removed',
        );
        assert.equal(removed.event.conversationId, group);
        await client.next((f) => f.type === 'synced');
      } finally {
        await client.close();
      }
    });

    it('[G4][M4] sync replays messages, edits, deletions and membership changes after the cursor, then synced', async () => {
      const group = await api.group(alice, uniqueName('g'), [bob.username]);
      const m1 = await api.send(alice, group, 'one');
      await api.send(alice, group, 'two');
      await api.request('PATCH', `/api/v1/conversations/${group}/messages/${m1.body.message.seq}`, {
        token: alice.token,
        body: { body: 'one!' },
      });
      await api.request(
        'DELETE',
        `/api/v1/conversations/${group}/messages/${m1.body.message.seq}`,
        {
          token: alice.token,
        },
      );
      const gus = await api.signup(uniqueName('gus'));
      await api.request('POST', `/api/v1/conversations/${group}/members`, {
        token: alice.token,
        body: { username: gus.username },
      });
      await api.request('PATCH', `/api/v1/conversations/${group}`, {
        token: alice.token,
        body: { name: 'renamed' },
      });

      const { client } = await d.open(bob);
      try {
        client.send({ type: 'sync', cursors: { [group]: 0 } });
        const synced = await client.next((f) => f.type === 'synced');
        const kinds = client.frames
          .filter(
            (f) => f.type === 'message' || (f.type === 'event' && typeof f.event.seq === 'number'),
          )
          .map((f) => (f.type === 'message' ? `message:${f.message.body}` : f.event.type));
        assert.deepEqual(kinds, [
          'conversation.created',
          'message:',
          'message:two',
          'message.edited',
          'message.deleted',
          'member.added',
          'conversation.renamed',
        ]);
        assert.equal(synced.cursors[group], 7);
        // [M4] the deleted message's edited text is erased from the edit event too.
        const edit = client.frames.find(
          (f) => f.type === 'event' && f.event.type === 'message.edited',
        );
        assert.equal(edit?.event.data.body, '');
        assert.ok(!JSON.stringify(client.frames).includes('one!'));
      } finally {
        await client.close();
      }
    });

    it('[G4][W5] hello with cursors: only conversations it is behind in are read from the store; then live, once each', async () => {
      const behind = await api.group(alice, uniqueName('g'), [bob.username]);
      const current = await api.group(alice, uniqueName('g'), [bob.username]);
      await api.send(alice, behind, 'missed one');
      await api.send(alice, behind, 'missed two');
      const first = await d.open(bob);
      await first.client.close();
      const positions = first.ready.cursors as Record<string, number>;
      const url = d.urlOf(bob);
      const resyncs = await counter(url, 'parley_resyncs_total');
      const { client } = await d.open(bob, {
        [behind]: positions[behind]! - 2,
        [current]: positions[current]!,
      });
      try {
        const synced = await client.next((f) => f.type === 'synced');
        assert.deepEqual(
          client.all('message').map((f: Frame) => f.message.body),
          ['missed one', 'missed two'],
        );
        assert.deepEqual(synced.cursors, {
          [behind]: positions[behind],
          [current]: positions[current],
        });
        assert.equal(
          (await counter(url, 'parley_resyncs_total')) - resyncs,
          1,
          'one catch-up read, for the conversation it was behind in',
        );
        const live = await api.send(alice, current, 'live after synced');
        const got = await client.next((f) => f.type === 'message');
        assert.equal(got.message.id, live.body.message.id);
        await client.roundTrip();
        assert.equal(client.all('message').length, 3, 'nothing twice');
      } finally {
        await client.close();
      }
    });

    it('[W2] ping is answered with pong carrying the ref', async () => {
      const client = await WsClient.connect(d.url);
      client.send({ type: 'ping', ref: 'abc' });
      assert.equal((await client.next((f) => f.type === 'pong')).ref, 'abc');
      await client.close();
    });
  });
