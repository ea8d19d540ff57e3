import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isAppError } from '../../src/domain/errors.js';
import { mentionsOf } from '../../src/format/markdown.js';
import { DEFAULT_LIMITS, MAX_MENTIONS_PER_MESSAGE } from '../../src/domain/limits.js';
import type { User } from '../../src/domain/model.js';
import type { Store, TransactionOps } from '../../src/ports/store.js';
import { mentionCandidates } from '../../src/services/mentions.js';
import { MessageService } from '../../src/services/messages.js';
import { startWorld } from '../delivery/world.js';

/** A store whose transactions count the operations they run, by name. */
function counting(store: Store): { store: Store; calls: Map<string, number> } {
  const calls = new Map<string, number>();
  const count = (tx: TransactionOps): TransactionOps =>
    new Proxy(tx, {
      get(target, name, receiver) {
        const value = Reflect.get(target, name, receiver) as unknown;
        if (typeof value !== 'function' || typeof name !== 'string') return value;
        return (...args: unknown[]) => {
          calls.set(name, (calls.get(name) ?? 0) + 1);
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
  const wrapped = Object.create(store) as Store;
  wrapped.transaction = (fn) => store.transaction((tx) => fn(count(tx)));
  return { store: wrapped, calls };
}

describe('MessageService: mentions at send (R6, R7) and what a send reads', () => {
  it('[R6] candidates: token boundaries, trailing full stops, the username alphabet', () => {
    assert.deepEqual(
      [...mentionCandidates('@Bob, hi @carol. x@dave @@eve (@frank) @al @all `@gus` @ivy-')],
      ['bob', 'carol', 'frank', 'all', 'gus', 'ivy-'],
    );
    assert.deepEqual([...mentionCandidates('no at sign')], []);
  });

  it('[R6] outside code, the server resolves exactly the names the front ends highlight', () => {
    const bodies = [
      'hi @bob, @Carol. and @bob again',
      // Not `_@erin_`: without a Markdown parser the underscore reads as part of a word.
      '**@dave** *@erin* ~~@frank~~ > @gus',
      '- @hank\n1. @ivy\nmail x@judy.com @@kim (@leo) @al @' + 'm'.repeat(33),
      'thanks @nina... @olga-! @pete_x?',
    ];
    for (const body of bodies) {
      assert.deepEqual([...mentionCandidates(body)].sort(), mentionsOf(body).sort(), body);
    }
  });

  it(`[R6] at most ${MAX_MENTIONS_PER_MESSAGE} distinct mentions: one more is invalid_request {max}, and stores nothing`, async () => {
    const world = await startWorld();
    try {
      const owner = await world.user('owner');
      const users: User[] = [];
      for (let i = 0; i <= MAX_MENTIONS_PER_MESSAGE; i++) {
        users.push(
          await world.store.createUser({
            id: `mention-user-${i}`,
            username: `mentioned${i}`,
            passwordHash: 'x',
            createdAt: Date.now(),
            deletedAt: null,
          }),
        );
      }
      const group = await world.conversations.groups.createGroup(
        owner.user,
        'crowd',
        users.map((u) => u.username),
      );
      const names = (list: User[]) => list.map((u) => `@${u.username}`).join(' ');
      const exactly = users.slice(0, MAX_MENTIONS_PER_MESSAGE);
      const ok = await world.messages.send(owner.user, group.id, 'c-50', `${names(exactly)} @all`);
      assert.deepEqual(ok.message.mentions, exactly.map((u) => u.id).sort());
      assert.equal(ok.message.mentionsAll, true, '@all is not one of the fifty');
      const before = (await world.store.getConversation(group.id))?.lastSeq;
      await assert.rejects(
        world.messages.send(owner.user, group.id, 'c-51', `${names(users)} twice ${names(users)}`),
        (err: unknown) => {
          assert.ok(isAppError(err, 'invalid_request'), String(err));
          assert.deepEqual(err.details, { max: MAX_MENTIONS_PER_MESSAGE });
          return true;
        },
      );
      assert.equal((await world.store.getConversation(group.id))?.lastSeq, before);
      await assert.rejects(
        world.messages.edit(owner.user, group.id, ok.message.seq, names(users)),
        (err: unknown) => isAppError(err, 'invalid_request'),
      );
    } finally {
      await world.dispose();
    }
  });

  it('[R1][R6] a plain send reads no members, conversation or parent; a reply reads only its parent', async () => {
    const world = await startWorld();
    try {
      const alice = await world.user('alice');
      const bob = await world.user('bob');
      const group = await world.conversations.groups.createGroup(alice.user, 'team', [
        bob.user.username,
      ]);
      const { store, calls } = counting(world.store);
      const messages = new MessageService(
        { store, bus: world.bus, limits: DEFAULT_LIMITS, now: Date.now },
        world.conversations,
      );
      const extra = ['listMembers', 'getConversation', 'getMessageRecord', 'getMessage'];
      const reads = () => extra.map((name) => calls.get(name) ?? 0);

      const plain = await messages.send(alice.user, group.id, 'p-1', 'no mentions here');
      assert.deepEqual(reads(), [0, 0, 0, 0]);
      await messages.send(bob.user, group.id, 'p-2', 'a reply', { replyTo: plain.message.seq });
      assert.deepEqual(reads(), [0, 0, 1, 0]);
      await messages.send(bob.user, group.id, 'p-3', `hey @${alice.user.username}`);
      assert.deepEqual(reads(), [1, 0, 1, 0]);
      await messages.send(bob.user, group.id, 'p-4', 'hey @all');
      assert.deepEqual(reads(), [1, 1, 1, 0], '@all alone reads the policy, not the members');
      await messages.drained();
    } finally {
      await world.dispose();
    }
  });
});
