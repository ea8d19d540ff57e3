import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { applyReaction, type ReactionEvent } from '../../src/client/reactions.js';
import type { ReactionGroupDto } from '../../src/protocol/schemas.js';
import { uniqueName, type Api, type TestUser } from '../helpers/api.js';
import { testModes, useDeploymentWithUsers, type Deployment } from '../helpers/deployment.js';
import type { Frame } from '../helpers/ws.js';

const isReactionFrame = (id: string) => (f: Frame) =>
  f.type === 'event' && f.event.conversationId === id && f.event.type.startsWith('reaction.');

for (const mode of testModes())
  describe(`WebSocket: reactions live and on resync [${mode}]`, () => {
    const world = useDeploymentWithUsers(mode, ['alice', 'bob', 'carol', 'dave']);
    let api: Api;
    let deployment: Deployment;
    let alice: TestUser;
    let bob: TestUser;
    let carol: TestUser;
    let dave: TestUser;
    before(() => {
      ({ api, deployment } = world());
      ({ alice, bob, carol, dave } = world().users);
    });

    const react = async (user: TestUser, id: string, seq: number, emoji: string, add = true) => {
      const path = `/api/v1/conversations/${id}/messages/${seq}/reactions/${encodeURIComponent(emoji)}`;
      const res = await api.request(add ? 'PUT' : 'DELETE', path, { token: user.token });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body.reactions as ReactionGroupDto[];
    };
    const messageBySeq = async (user: TestUser, id: string, seq: number) => {
      const res = await api.request('GET', `/api/v1/conversations/${id}/messages/${seq}`, {
        token: user.token,
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body.message;
    };

    it('[R4][G4][W5] a client offline during reactions gets them on resync, in seq order, and converges to GET …/messages/:seq', async () => {
      const id = await api.group(alice, uniqueName('g'), [
        bob.username,
        carol.username,
        dave.username,
      ]);
      const sent = await api.send(alice, id, 'react while bob is away');
      const seq = sent.body.message.seq as number;
      // Bob's client has the message with no reactions, then goes offline.
      const first = await deployment.open(bob);
      const cursor = (first.ready.cursors as Record<string, number>)[id]!;
      assert.equal(cursor, seq);
      await first.client.close();
      const known: ReactionGroupDto[] = [];

      // Adds, removes, a no-op, a group emptied and refilled, a group's first reaction removed.
      await react(carol, id, seq, '🎉');
      await react(alice, id, seq, '👍');
      await react(dave, id, seq, '🎉');
      await react(dave, id, seq, '🎉'); // no-op: no event
      await react(carol, id, seq, '🎉', false); // 🎉's first reaction goes: the group stays first
      await react(dave, id, seq, '🙂');
      await react(carol, id, seq, '👨‍👩‍👧‍👦');
      await react(dave, id, seq, '🙂', false); // 🙂 empties
      await react(carol, id, seq, '🙂'); // and comes back last
      await react(alice, id, seq, '🎉');
      const lastSeq = (await api.send(alice, id, 'after the reactions')).body.message.seq as number;

      const { client } = await deployment.open(bob, { [id]: cursor });
      try {
        await client.waitFor((f) => f.type === 'message' && f.message.seq === lastSeq);
        const events = client.frames.filter(isReactionFrame(id)).map((f) => f.event);
        assert.deepEqual(
          events.map((e) => [e.type, e.data.emoji, e.data.userId]),
          [
            ['reaction.added', '🎉', carol.id],
            ['reaction.added', '👍', alice.id],
            ['reaction.added', '🎉', dave.id],
            ['reaction.removed', '🎉', carol.id],
            ['reaction.added', '🙂', dave.id],
            ['reaction.added', '👨‍👩‍👧‍👦', carol.id],
            ['reaction.removed', '🙂', dave.id],
            ['reaction.added', '🙂', carol.id],
            ['reaction.added', '🎉', alice.id],
          ],
        );
        const seqs = events.map((e) => e.seq as number);
        assert.deepEqual(
          seqs,
          seqs.map((_, i) => seq + 1 + i),
          'consecutive seqs right after the message',
        );
        const converged = events.reduce<ReactionGroupDto[]>(
          (groups, e) => applyReaction(groups, e as ReactionEvent),
          known,
        );
        const server = await messageBySeq(bob, id, seq);
        assert.deepEqual(converged, server.reactions);
        assert.deepEqual(
          server.reactions.map((g: ReactionGroupDto) => [g.emoji, g.users.map((u) => u.userId)]),
          [
            ['🎉', [dave.id, alice.id]],
            ['👍', [alice.id]],
            ['👨‍👩‍👧‍👦', [carol.id]],
            ['🙂', [carol.id]],
          ],
        );
        // The history page agrees with the message read.
        const history = await api.history(bob, id);
        const inHistory = (history.body.messages as any[]).find((m) => m.seq === seq);
        assert.deepEqual(inHistory.reactions, server.reactions);
      } finally {
        await client.close();
      }
    });

    it('[R4][W5] an online member gets each reaction live as an event frame, the reactor’s other socket too', async () => {
      const id = await api.group(alice, uniqueName('g'), [bob.username]);
      const seq = (await api.send(bob, id, 'live')).body.message.seq as number;
      const bobWs = (await deployment.open(bob)).client;
      const aliceWs = (await deployment.open(alice)).client;
      try {
        const answer = await react(alice, id, seq, '🚀');
        for (const socket of [bobWs, aliceWs]) {
          const frame = await socket.next(isReactionFrame(id));
          assert.deepEqual(frame.event.data, {
            seq,
            emoji: '🚀',
            userId: alice.id,
            username: alice.username,
          });
          assert.equal(frame.event.type, 'reaction.added');
          assert.equal(frame.event.actor, alice.id);
        }
        assert.deepEqual(answer, [
          { emoji: '🚀', users: [{ userId: alice.id, username: alice.username }] },
        ]);
        await react(alice, id, seq, '🚀', false);
        const removed = await bobWs.next(isReactionFrame(id));
        assert.equal(removed.event.type, 'reaction.removed');
      } finally {
        await bobWs.close();
        await aliceWs.close();
      }
    });
  });
