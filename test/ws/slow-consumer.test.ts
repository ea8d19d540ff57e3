import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CLOSE_CODES } from '../../src/domain/errors.js';
import type { TestUser } from '../helpers/api.js';
import { testModes, useDeploymentWithUsers } from '../helpers/deployment.js';
import type { Frame, WsClient } from '../helpers/ws.js';

/**
 * The per-socket limit in these tests (8 MiB in production): small, so a few MB trigger it, yet
 * well above what the socket that keeps reading may have queued at once (its acks and its own
 * messages: ~400 KB a round, twice that if one round's echoes are late).
 */
const LIMIT = 2 * 1024 * 1024;
const ROUND = 50;
const BODY = 'x'.repeat(3_900);

for (const mode of testModes())
  describe(`WebSocket slow consumers [${mode}]`, () => {
    const world = useDeploymentWithUsers(mode, ['alice', 'bob'], {
      tweak: (config) => (config.maxSocketBufferBytes = LIMIT),
    });

    /** The slow-consumer closes counted by the node `user` is connected to. */
    async function slowConsumerCloses(user: TestUser): Promise<number> {
      const url = world().deployment.urlOf(user);
      const text = await (await fetch(`${url}/metrics`)).text();
      const match = /^parley_slow_consumers_total (\d+)$/m.exec(text);
      assert.ok(match, 'the metric is exported');
      return Number(match[1]);
    }

    /** Sends `ROUND` messages over `socket` and resolves with their seqs once all are acked. */
    async function sendRound(socket: WsClient, dm: string, round: number): Promise<number[]> {
      const acks: Array<Promise<Frame>> = [];
      for (let i = 0; i < ROUND; i++) {
        const clientMsgId = `r${round}-${i}`;
        acks.push(socket.waitFor((f) => f.type === 'ack' && f.clientMsgId === clientMsgId));
        socket.send({ type: 'send', conversationId: dm, clientMsgId, body: BODY });
      }
      return (await Promise.all(acks)).map((ack) => ack.message.seq as number);
    }

    it('[W7] a socket that stops reading is closed with 4013 past the limit; on reconnect it gets the rest once, in order', async () => {
      const {
        deployment: d,
        api,
        users: { alice, bob },
      } = world();
      const dm = await api.dm(alice, bob.username);
      const before = await slowConsumerCloses(bob);

      const stalled = (await d.open(bob)).client;
      stalled.pause();
      const sender = (await d.open(alice)).client;
      const sent: number[] = [];
      // Send until the node gives up on the stalled socket (the kernel's buffers fill first, so
      // how many rounds that takes varies); bounded, so a node that never closes it fails.
      for (let round = 0; (await slowConsumerCloses(bob)) === before; round++) {
        assert.ok(round < 200, 'the stalled socket was never closed'); // ~40 MB: 3x the kernel's buffers and the limit
        sent.push(...(await sendRound(sender, dm, round)));
      }
      assert.equal(await slowConsumerCloses(bob), before + 1);

      // What was queued before the close arrives in order, then the close frame.
      stalled.resume();
      assert.equal(await stalled.closed(), CLOSE_CODES.slowConsumer);
      const first = stalled.all('message').map((f) => f.message.seq as number);
      assert.ok(first.length < sent.length, 'the node stopped sending to the stalled socket');
      assert.deepEqual(first, sent.slice(0, first.length), 'a gap-free prefix, in order');

      // Reconnecting from its cursor, the client receives everything after it exactly once.
      const lastSeq = first.at(-1) ?? 0;
      const again = (await d.open(bob, { [dm]: lastSeq })).client;
      try {
        await again.waitFor((f) => f.type === 'message' && f.message.seq === sent.at(-1));
        await again.roundTrip();
        const rest = again.all('message').map((f) => f.message.seq as number);
        assert.deepEqual([...first, ...rest], sent);
      } finally {
        await again.close();
        await sender.close();
      }
    });
  });
