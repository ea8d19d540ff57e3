import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { uniqueName, type Api, type TestUser } from '../helpers/api.js';
import { testModes, useDeploymentWithUsers } from '../helpers/deployment.js';
import { expectError, expectStatus } from './support.js';

/** 25 distinct single emoji, more than a message may carry. */
const FACES = [...'😀😁😂🤣😃😄😅😆😉😊😋😎😍😘🥰😗😙😚🙂🤗🤩🤔🤨😐😑'];

/** What counts as one emoji (rule R4): each is accepted as exactly one reaction. */
const ONE_EMOJI: Record<string, string> = {
  'a plain emoji': '👍',
  'a ZWJ sequence': '👨‍👩‍👧‍👦',
  'a skin tone': '👍🏽',
  'a flag': '🇫🇷',
  'a keycap': '1️⃣',
  'a ZWJ sequence with a variation selector': '🏳️‍🌈',
};
/** What does not (sent percent-encoded, as the client library does). */
const NOT_ONE_EMOJI: Record<string, string> = {
  'two emoji': '👍👍',
  text: 'ok',
  'a letter': 'a',
  'an emoji and a space': '👍 ',
  'an emoji and text': '👍a',
  'a heart without its variation selector (text presentation)': '❤',
  'a lone regional indicator': '🇫',
  'a ZWJ alone': '\u200d',
  'NUL (rule S6)': '\u0000',
  'a slash': '/',
  'a malformed percent escape': '%ZZ',
  '65 characters': 'x'.repeat(65),
  '32 emoji (64 UTF-16 units)': '😀'.repeat(32),
};

for (const mode of testModes())
  describe(`REST: reactions [${mode}]`, () => {
    const world = useDeploymentWithUsers(mode, ['alice', 'bob', 'carol', 'mallory']);
    let api: Api;
    let alice: TestUser;
    let bob: TestUser;
    let carol: TestUser;
    let mallory: TestUser;
    before(() => {
      ({ api } = world());
      ({ alice, bob, carol, mallory } = world().users);
    });

    const path = (id: string, seq: number | string, emoji: string, encode = true) =>
      `/api/v1/conversations/${id}/messages/${seq}/reactions/${encode ? encodeURIComponent(emoji) : emoji}`;
    const react = (user: TestUser, id: string, seq: number | string, emoji: string, raw = false) =>
      api.request('PUT', path(id, seq, emoji, !raw), { token: user.token });
    const unreact = (user: TestUser, id: string, seq: number | string, emoji: string) =>
      api.request('DELETE', path(id, seq, emoji), { token: user.token });
    const ref = (u: TestUser) => ({ userId: u.id, username: u.username });
    /** A group of alice, bob and carol with one message of alice's; answers its id and seq. */
    async function message(): Promise<{ id: string; seq: number }> {
      const id = await api.group(alice, uniqueName('g'), [bob.username, carol.username]);
      const sent = await api.send(alice, id, 'react to me');
      expectStatus(sent, 201);
      return { id, seq: sent.body.message.seq as number };
    }
    async function events(user: TestUser, id: string, after = 0) {
      const res = await api.request('GET', `/api/v1/conversations/${id}/timeline?after=${after}`, {
        token: user.token,
      });
      expectStatus(res, 200);
      return (res.body.entries as any[])
        .filter((e) => e.kind === 'event' && e.event.type.startsWith('reaction.'))
        .map((e) => e.event);
    }

    it('[R4] PUT adds a reaction and answers the groups; again is a no-op with the same answer and no event', async () => {
      const { id, seq } = await message();
      const first = await react(bob, id, seq, '👍');
      expectStatus(first, 200);
      assert.deepEqual(first.body, { reactions: [{ emoji: '👍', users: [ref(bob)] }] });
      const again = await react(bob, id, seq, '👍');
      expectStatus(again, 200);
      assert.deepEqual(again.body, first.body);
      const added = await events(alice, id);
      assert.equal(added.length, 1, 'one event for one change');
      assert.equal(added[0].type, 'reaction.added');
      assert.equal(added[0].actor, bob.id);
      assert.deepEqual(added[0].data, { seq, emoji: '👍', ...ref(bob) });
    });

    it('[R4] DELETE removes only your reaction; again is a no-op with no event', async () => {
      const { id, seq } = await message();
      expectStatus(await react(bob, id, seq, '👍'), 200);
      expectStatus(await react(carol, id, seq, '👍'), 200);
      const removed = await unreact(bob, id, seq, '👍');
      expectStatus(removed, 200);
      assert.deepEqual(removed.body, { reactions: [{ emoji: '👍', users: [ref(carol)] }] });
      const again = await unreact(bob, id, seq, '👍');
      expectStatus(again, 200);
      assert.deepEqual(again.body, removed.body);
      const never = await unreact(alice, id, seq, '🎉');
      assert.deepEqual(never.body, removed.body, 'removing what is not there is a no-op');
      assert.deepEqual(
        (await events(alice, id)).map((e) => [e.type, e.actor]),
        [
          ['reaction.added', bob.id],
          ['reaction.added', carol.id],
          ['reaction.removed', bob.id],
        ],
      );
    });

    it('[R4] groups are ordered by first reaction, users by reaction time; events take consecutive seqs in order', async () => {
      const { id, seq } = await message();
      await react(carol, id, seq, '🎉');
      await react(alice, id, seq, '👍');
      await react(bob, id, seq, '🎉');
      await react(bob, id, seq, '👍');
      const res = await react(alice, id, seq, '🎉');
      assert.deepEqual(res.body.reactions, [
        { emoji: '🎉', users: [ref(carol), ref(bob), ref(alice)] },
        { emoji: '👍', users: [ref(alice), ref(bob)] },
      ]);
      const all = await events(bob, id);
      assert.deepEqual(
        all.map((e) => [e.data.emoji, e.data.userId]),
        [
          ['🎉', carol.id],
          ['👍', alice.id],
          ['🎉', bob.id],
          ['👍', bob.id],
          ['🎉', alice.id],
        ],
      );
      for (let i = 1; i < all.length; i++) assert.equal(all[i].seq, all[i - 1].seq + 1);
      assert.ok(all.every((e) => e.data.seq === seq));
    });

    for (const [what, emoji] of Object.entries(ONE_EMOJI))
      it(`[R4] ${what} counts as one emoji (${emoji})`, async () => {
        const { id, seq } = await message();
        const res = await react(bob, id, seq, emoji);
        expectStatus(res, 200);
        assert.deepEqual(res.body.reactions, [{ emoji, users: [ref(bob)] }]);
        expectStatus(await unreact(bob, id, seq, emoji), 200);
      });

    it('[R4] anything but exactly one emoji is invalid_request, and nothing is written', async () => {
      const { id, seq } = await message();
      for (const [what, emoji] of Object.entries(NOT_ONE_EMOJI)) {
        const raw = what === 'a malformed percent escape';
        const put = await react(bob, id, seq, emoji, raw);
        expectError(put, 400, 'invalid_request');
        expectError(await unreact(bob, id, seq, emoji), 400, 'invalid_request');
      }
      assert.deepEqual(await events(alice, id), []);
    });

    it('[R4] an empty emoji names no route: 404 not_found, nothing written', async () => {
      const { id, seq } = await message();
      expectError(await react(bob, id, seq, ''), 404, 'not_found');
      assert.deepEqual(await events(alice, id), []);
    });

    it('[R4] a 21st distinct emoji is too_many_reactions (details.max 20); one already there is still allowed', async () => {
      const { id, seq } = await message();
      for (const [i, face] of FACES.slice(0, 20).entries())
        expectStatus(await react(i % 2 ? bob : carol, id, seq, face), 200);
      const refused = await react(alice, id, seq, FACES[20]!);
      expectError(refused, 400, 'too_many_reactions');
      assert.deepEqual(refused.body.error.details, { max: 20 });
      const same = await react(alice, id, seq, FACES[0]!);
      expectStatus(same, 200);
      assert.equal(same.body.reactions.length, 20);
      assert.deepEqual(same.body.reactions[0], {
        emoji: FACES[0],
        users: [ref(carol), ref(alice)],
      });
      // Freeing a slot makes room for a new emoji.
      expectStatus(await unreact(bob, id, seq, FACES[1]!), 200);
      expectStatus(await react(alice, id, seq, FACES[20]!), 200);
      assert.equal((await events(alice, id)).length, 23);
    });

    it('[R4] concurrent reactions of two members (on two nodes in a cluster) never pass 20 distinct emoji', async () => {
      const { id, seq } = await message();
      const answers = await Promise.all(
        FACES.map((face, i) => react(i % 2 ? bob : carol, id, seq, face)),
      );
      const ok = answers.filter((r) => r.status === 200).length;
      const refused = answers.filter(
        (r) => r.status === 400 && r.body.error.code === 'too_many_reactions',
      ).length;
      assert.equal(ok, 20, JSON.stringify(answers.map((r) => r.status)));
      assert.equal(refused, FACES.length - 20);
      assert.equal((await events(alice, id)).length, 20, 'one event per reaction stored');
      // A no-op answers the aggregate: exactly the 20 accepted emoji.
      const aggregate = await unreact(alice, id, seq, FACES[0]!);
      const accepted = FACES.filter((_, i) => answers[i]!.status === 200);
      assert.deepEqual(
        (aggregate.body.reactions as any[]).map((g) => g.emoji).sort(),
        accepted.sort(),
      );
    });

    it('[R5] reactions have no rate limit of their own: 45 at once (past the send burst of 40) all succeed', async () => {
      const { id, seq } = await message();
      const more = [seq];
      for (let i = 0; i < 2; i++)
        more.push((await api.send(alice, id, `more ${i}`)).body.message.seq as number);
      const answers = await Promise.all(
        more.flatMap((s) => FACES.slice(0, 15).map((face) => react(bob, id, s, face))),
      );
      assert.deepEqual(
        answers.map((r) => r.status),
        answers.map(() => 200),
      );
      assert.equal((await events(alice, id)).length, 45);
    });

    it('[R4][G6] a non-member, an unknown conversation, an event seq and an unknown seq are not_found', async () => {
      const { id, seq } = await message();
      expectError(await react(mallory, id, seq, '👍'), 404, 'not_found');
      expectError(await unreact(mallory, id, seq, '👍'), 404, 'not_found');
      expectError(await react(bob, 'no-such-conversation', seq, '👍'), 404, 'not_found');
      expectError(await react(bob, id, 1, '👍'), 404, 'not_found'); // seq 1: conversation.created
      expectError(await react(bob, id, 999, '👍'), 404, 'not_found');
      expectError(await unreact(bob, id, 999, '👍'), 404, 'not_found');
      expectError(await react(bob, id, 'abc', '👍'), 400, 'invalid_request');
      // Past the store's integer range: no message, on every engine (never a 5xx).
      expectError(await react(bob, id, 2_147_483_648, '👍'), 404, 'not_found');
      expectError(await unreact(bob, id, '99999999999999', '👍'), 404, 'not_found');
      expectError(await react(bob, id, '1e400', '👍'), 400, 'invalid_request');
      assert.deepEqual(await events(alice, id), []);
    });

    it('[R4] a deleted message refuses reactions with conflict, and its reactions are gone', async () => {
      const { id, seq } = await message();
      expectStatus(await react(bob, id, seq, '👍'), 200);
      const del = await api.request('DELETE', `/api/v1/conversations/${id}/messages/${seq}`, {
        token: alice.token,
      });
      expectStatus(del, 204);
      expectError(await react(carol, id, seq, '🎉'), 409, 'conflict');
      expectError(await unreact(bob, id, seq, '👍'), 409, 'conflict');
      const history = await api.history(bob, id);
      const deleted = (history.body.messages as any[]).find((m) => m.seq === seq);
      assert.deepEqual(deleted.reactions, []);
      // The events stay in the timeline (front ends clear reactions on message.deleted).
      assert.equal((await events(alice, id)).length, 1);
    });

    it('[R4] reactions racing the message’s deletion (two nodes in a cluster) leave none on it', async () => {
      for (let round = 0; round < 4; round++) {
        const { id, seq } = await message();
        const [r1, r2, del, r3, r4] = await Promise.all([
          react(bob, id, seq, FACES[0]!),
          react(carol, id, seq, FACES[1]!),
          api.request('DELETE', `/api/v1/conversations/${id}/messages/${seq}`, {
            token: alice.token,
          }),
          react(bob, id, seq, FACES[2]!),
          react(carol, id, seq, FACES[3]!),
        ]);
        expectStatus(del, 204);
        // Each reaction came before the deletion (200) or after it (conflict), never a 5xx.
        for (const res of [r1, r2, r3, r4])
          assert.ok(
            res.status === 200 || (res.status === 409 && res.body.error.code === 'conflict'),
            JSON.stringify(res.body),
          );
        const read = await api.request('GET', `/api/v1/conversations/${id}/messages/${seq}`, {
          token: bob.token,
        });
        expectStatus(read, 200);
        assert.notEqual(read.body.message.deletedAt, null);
        assert.deepEqual(read.body.message.reactions, []);
      }
    });

    it('[R4] reactions do not count as unread and move no message time', async () => {
      const { id, seq } = await message();
      const before = (await api.request('GET', `/api/v1/conversations/${id}`, { token: bob.token }))
        .body.conversation;
      await react(carol, id, seq, '👍');
      await react(alice, id, seq, '🎉');
      const after = (await api.request('GET', `/api/v1/conversations/${id}`, { token: bob.token }))
        .body.conversation;
      assert.equal(after.unreadCount, before.unreadCount);
      assert.equal(after.lastMessageAt, before.lastMessageAt);
      assert.equal(after.lastSeq, before.lastSeq + 2);
    });

    it('[R4] history and the ack carry reactions; a DM works the same', async () => {
      const dm = await api.dm(alice, bob.username);
      const sent = await api.send(bob, dm, 'hi');
      const seq = sent.body.message.seq as number;
      assert.deepEqual(sent.body.message.reactions, []);
      expectStatus(await react(alice, dm, seq, '👋'), 200);
      const history = await api.history(bob, dm);
      const m = (history.body.messages as any[]).find((x) => x.seq === seq);
      assert.deepEqual(m.reactions, [{ emoji: '👋', users: [ref(alice)] }]);
    });
  });
