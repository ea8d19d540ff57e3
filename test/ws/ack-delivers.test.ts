import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Api } from '../helpers/api.js';
import { uniqueName, type TestUser } from '../helpers/api.js';
import { startDeployment, testModes, type Deployment } from '../helpers/deployment.js';
import { WsClient, type Frame } from '../helpers/ws.js';

/** Opens a socket whose `hello` offers `protocols`; resolves with it and its `ready`. */
async function openWith(
  d: Deployment,
  user: TestUser,
  hello: { protocol: number; protocols?: number[] },
): Promise<{ client: WsClient; ready: Frame }> {
  const client = await WsClient.connect(d.urlOf(user));
  client.send({ type: 'hello', token: user.token, ...hello });
  const ready = await client.next((f) => f.type === 'ready' || f.type === 'error');
  if (ready.type !== 'ready') throw new Error(`hello failed: ${JSON.stringify(ready)}`);
  return { client, ready };
}

const v2 = { protocol: 1, protocols: [1, 2] };
const isEntry = (f: Frame) => f.type === 'message' || f.type === 'event';
/** A frame a send causes (presence and typing come and go on their own, rule G7). */
const isWrite = (f: Frame) => isEntry(f) || f.type === 'ack';

for (const mode of testModes())
  describe(`protocol 2: the ack delivers the sender's message [${mode}]`, () => {
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

    it('[W1] hello negotiates: the newest offered version the node speaks, in ready', async () => {
      const cases: Array<[{ protocol: number; protocols?: number[] }, number]> = [
        [{ protocol: 1 }, 1],
        [{ protocol: 1, protocols: [1] }, 1],
        [v2, 2],
        [{ protocol: 1, protocols: [2, 1, 7] }, 2],
        [{ protocol: 2 }, 2],
      ];
      for (const [hello, chosen] of cases) {
        const { client, ready } = await openWith(d, alice, hello);
        assert.equal(ready.protocol, chosen, JSON.stringify(hello));
        await client.close();
      }
      const odd = await WsClient.connect(d.urlOf(alice));
      odd.send({ type: 'hello', protocol: 3, protocols: [3, 4], token: alice.token });
      const refused = await odd.next((f) => f.type === 'error');
      assert.equal(refused.code, 'unsupported_protocol');
      assert.equal(await odd.closed(), 4002);
      const empty = await WsClient.connect(d.urlOf(alice));
      empty.send({ type: 'hello', protocol: 1, protocols: [], token: alice.token });
      assert.equal((await empty.next((f) => f.type === 'error')).code, 'invalid_request');
      await empty.close();
    });

    it('[W5] a 1:1 send writes two frames: the ack (with the message) and the peer’s message', async () => {
      const conversationId = await api.dm(alice, bob.username);
      const a = (await openWith(d, alice, v2)).client;
      const b = (await openWith(d, bob, v2)).client;
      try {
        const before = { a: a.frames.length, b: b.frames.length };
        a.send({ type: 'send', conversationId, clientMsgId: 'two-1', body: 'hello bob' });
        const ack = await a.next((f) => f.type === 'ack');
        assert.equal(ack.clientMsgId, 'two-1');
        assert.equal(ack.created, true);
        assert.equal(ack.delivered, true);
        assert.equal(ack.message.body, 'hello bob');
        assert.equal(ack.message.clientMsgId, 'two-1');
        const got = await b.next((f) => f.type === 'message');
        assert.deepEqual(got.message, ack.message);
        // Bob answers: by W5 an echo of alice's own message would reach her socket before it.
        b.send({ type: 'send', conversationId, clientMsgId: 'two-2', body: 'hi alice' });
        const reply = await a.next((f) => f.type === 'message');
        assert.equal(reply.message.seq, ack.message.seq + 1);
        const bAck = await b.next((f) => f.type === 'ack');
        assert.equal(bAck.delivered, true);
        assert.deepEqual(
          a.frames
            .slice(before.a)
            .filter(isWrite)
            .map((f) => f.type),
          ['ack', 'message'],
          'alice: her ack, then bob’s message; no echo of her own',
        );
        assert.deepEqual(
          b.frames
            .slice(before.b)
            .filter(isWrite)
            .map((f) => f.type),
          ['message', 'ack'],
          'bob: alice’s message, then his own ack; no echo',
        );
      } finally {
        await a.close();
        await b.close();
      }
    });

    it('[W5][W6] the user’s other sockets, v1 and v2, get the message frame; a v1 sender gets the echo and a plain ack', async () => {
      const conversationId = await api.group(alice, uniqueName('g'), [bob.username]);
      const phone = (await openWith(d, alice, v2)).client;
      const laptop = (await openWith(d, alice, v2)).client;
      const old = (await openWith(d, alice, { protocol: 1 })).client;
      try {
        phone.send({ type: 'send', conversationId, clientMsgId: 'multi-1', body: 'from phone' });
        const ack = await phone.next((f) => f.type === 'ack');
        assert.equal(ack.delivered, true);
        for (const other of [laptop, old]) {
          const got = await other.next((f) => f.type === 'message');
          assert.deepEqual(got.message, ack.message);
          assert.equal(other.all('ack').length, 0);
        }
        // The v1 socket sends: it gets its message frame and a plain ack (no `delivered`).
        old.send({ type: 'send', conversationId, clientMsgId: 'multi-2', body: 'from old' });
        const echo = await old.next((f) => f.type === 'message');
        assert.equal(echo.message.clientMsgId, 'multi-2');
        const oldAck = await old.waitFor((f) => f.type === 'ack');
        assert.equal(oldAck.created, true);
        assert.equal('delivered' in oldAck, false);
        assert.deepEqual(oldAck.message, echo.message);
        // The v2 sockets get it as a message frame, in order after the first.
        for (const other of [phone, laptop]) {
          const got = await other.next((f) => f.type === 'message');
          assert.equal(got.message.seq, ack.message.seq + 1);
          assert.equal(got.message.clientMsgId, 'multi-2');
        }
        assert.equal(phone.frames.filter(isEntry).length, 1, 'phone: no echo of its own send');
      } finally {
        await phone.close();
        await laptop.close();
        await old.close();
      }
    });

    it('[G3] a retry on a v2 socket answers with the original, created false, and delivers nothing again', async () => {
      const conversationId = await api.dm(alice, bob.username);
      const a = (await openWith(d, alice, v2)).client;
      try {
        a.send({ type: 'send', conversationId, clientMsgId: 'retry-1', body: 'once' });
        const first = await a.next((f) => f.type === 'ack');
        assert.equal(first.delivered, true);
        a.send({ type: 'send', conversationId, clientMsgId: 'retry-1', body: 'once' });
        const again = await a.next((f) => f.type === 'ack');
        assert.equal(again.created, false);
        assert.equal('delivered' in again, false);
        assert.deepEqual(again.message, first.message);
        // A retry over REST is the same original; a new socket's retry too.
        const rest = await api.send(alice, conversationId, 'once', 'retry-1');
        assert.equal(rest.status, 200);
        assert.equal(rest.body.message.id, first.message.id);
        const fresh = (await openWith(d, alice, v2)).client;
        fresh.send({ type: 'send', conversationId, clientMsgId: 'retry-1', body: 'once' });
        const third = await fresh.next((f) => f.type === 'ack');
        assert.equal(third.created, false);
        assert.equal(third.message.seq, first.message.seq);
        await fresh.roundTrip();
        assert.equal(fresh.frames.filter(isEntry).length, 0);
        await fresh.close();
        await a.roundTrip();
        assert.equal(a.frames.filter(isEntry).length, 0, 'the retries delivered nothing');
      } finally {
        await a.close();
      }
    });

    it('[W5] a burst of pipelined sends from a v2 socket: acks in seq order, no gap, no echo', async () => {
      const conversationId = await api.dm(alice, bob.username);
      const a = (await openWith(d, alice, v2)).client;
      const b = (await openWith(d, bob, v2)).client;
      try {
        const n = 30;
        const frames = Array.from({ length: n }, (_, i) => ({
          type: 'send',
          conversationId,
          clientMsgId: `burst-${i}`,
          body: `#${i}`,
        }));
        // Bob sends at the same time, so alice's entries interleave with his.
        a.sendTogether(frames);
        b.sendTogether(frames.map((f) => ({ ...f, clientMsgId: `b-${f.clientMsgId}` })));
        for (const c of [a, b]) {
          const mine = c === a ? 'burst-' : 'b-burst-';
          await c.waitFor((f) => f.type === 'ack' && f.clientMsgId === `${mine}${n - 1}`);
          await c.waitFor(
            (f) =>
              f.type === 'message' &&
              f.message.clientMsgId.endsWith(`-${n - 1}`) &&
              !f.message.clientMsgId.startsWith(mine),
          );
          const seqs = c.frames
            .filter((f) => f.type === 'message' || (f.type === 'ack' && f.delivered))
            .map((f) => f.message.seq as number);
          const first = seqs[0]!;
          assert.deepEqual(
            seqs,
            Array.from({ length: 2 * n }, (_, i) => first + i),
            'every seq once, in order',
          );
          const own = c.frames.filter(
            (f) => f.type === 'message' && f.message.clientMsgId.startsWith(mine),
          );
          assert.equal(own.length, 0, 'no echo of the socket’s own sends');
        }
      } finally {
        await a.close();
        await b.close();
      }
    });

    it('[W1] no timeline frame or ack before ready: frames between the token check and ready are refused', async () => {
      const conversationId = await api.dm(alice, bob.username);
      await api.send(bob, conversationId, 'before');
      await api.send(bob, conversationId, 'before, too');
      // The token comes with the upgrade, so the session opens in the hello's own turn and the
      // frames written with it find it subscribing, not yet ready.
      const client = await WsClient.connect(d.urlOf(alice), {
        headers: { authorization: `Bearer ${alice.token}` },
      });
      try {
        client.sendTogether([
          { type: 'hello', ...v2 },
          { type: 'sync', cursors: { [conversationId]: 0 }, ref: 'early-sync' },
          { type: 'send', conversationId, clientMsgId: 'early-send', body: 'too early' },
        ]);
        await client.waitFor((f) => f.type === 'ready');
        const refusals = await Promise.all(
          ['early-sync', 'early-send'].map((ref) =>
            client.waitFor((f) => f.type === 'error' && f.ref === ref),
          ),
        );
        for (const refusal of refusals) assert.equal(refusal.code, 'unauthorized');
        const readyAt = client.frames.findIndex((f) => f.type === 'ready');
        assert.deepEqual(
          client.frames.slice(0, readyAt).filter((f) => f.type !== 'error'),
          [],
          'nothing but errors before ready',
        );
        await client.roundTrip();
        assert.equal(client.frames.filter((f) => isEntry(f) || f.type === 'ack').length, 0);
        const history = await api.fullHistory(alice, conversationId);
        assert.equal(
          history.some((m) => m.clientMsgId === 'early-send'),
          false,
        );
      } finally {
        await client.close();
      }
    });
  });
