import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ParleyClient } from '../../src/client/client.js';
import { ConversationCache } from '../../src/client/conversation-cache.js';
import { mentionsUser } from '../../src/client/mentions.js';
import { Outbox } from '../../src/client/outbox.js';
import { applyReaction, type ReactionEvent } from '../../src/client/reactions.js';
import { conversationDto } from '../helpers/dtos.js';
import { fakeNetwork, messageFrame, readyFrame } from './fake-socket.js';

const noRest: typeof fetch = () =>
  Promise.resolve(new Response(JSON.stringify({ conversations: [] }), { status: 200 }));

function client() {
  const net = fakeNetwork();
  const c = new ParleyClient({
    urls: ['http://a.test'],
    token: 'tok',
    webSocket: net.factory,
    fetch: noRest,
    backoff: { baseMs: 1, maxMs: 4, random: () => 1 },
    retryDelayMs: 1,
    discover: false,
  });
  return { c, net };
}

function reaction(
  type: ReactionEvent['type'],
  seq: number,
  emoji: string,
  user: string,
  messageSeq = 1,
): ReactionEvent {
  return {
    type,
    conversationId: 'c1',
    seq,
    actor: user,
    createdAt: seq,
    data: { seq: messageSeq, emoji, userId: user, username: user },
  };
}

describe('client library: replies, reactions, mentions and receipts', () => {
  it('[R1][G3] a reply keeps its replyTo in the outbox: written with it, and again after a reconnect with the same clientMsgId', async () => {
    const { c, net } = client();
    const { entry, done } = c.send('c1', 'a reply', { replyTo: 12 });
    assert.equal(entry.replyTo, 12);
    const plain = c.send('c1', 'not a reply');
    c.connect();
    net.last().open();
    net.last().push(readyFrame({ c1: 20 }));
    const first = net.last().frames('send');
    assert.deepEqual(first[0], {
      type: 'send',
      conversationId: 'c1',
      clientMsgId: entry.clientMsgId,
      body: 'a reply',
      replyTo: 12,
    });
    assert.ok(!('replyTo' in first[1]), 'a message that is no reply carries no replyTo');
    net.last().close(1006, 'drop');
    await new Promise<void>((resolve) => c.on('state', (s) => s === 'connecting' && resolve()));
    net.last().open();
    net.last().push(readyFrame({ c1: 20 }));
    const again = net.last().frames('send');
    assert.equal(again[0].clientMsgId, entry.clientMsgId);
    assert.equal(again[0].replyTo, 12);
    net.last().push({
      type: 'ack',
      clientMsgId: entry.clientMsgId,
      message: messageFrame('c1', 21, { replyTo: 12, threadRoot: 12 }).message,
      created: true,
    });
    assert.equal((await done).replyTo, 12);
    assert.equal(plain.entry.replyTo, undefined);
    c.close();
  });

  it('[R1] a clientMsgId given twice to the outbox is refused; replyTo stays with its own entry', () => {
    const outbox = new Outbox({ newId: () => 'x', now: () => 1 });
    outbox.add('c1', 'one', { clientMsgId: 'k1', replyTo: 3 });
    assert.throws(() => outbox.add('c1', 'two', { clientMsgId: 'k1' }), /already in the outbox/);
    assert.equal(outbox.get('k1')?.replyTo, 3);
  });

  it('[R4][R9] reaction events are timeline items in seq order; a receipt is a side event that moves no cursor', async () => {
    const { c, net } = client();
    const controller = new AbortController();
    const seen: string[] = [];
    const reading = (async () => {
      for await (const event of c.events(controller.signal)) {
        if (event.type === 'timeline')
          seen.push(
            event.data.kind === 'event'
              ? `${event.data.event.type}@${event.data.event.seq}`
              : `message@${event.data.message.seq}`,
          );
        if (event.type === 'receipt') {
          seen.push(`receipt ${event.data.userId}@${event.data.seq}`);
          controller.abort();
        }
      }
    })();
    c.connect();
    net.last().open();
    net.last().push(readyFrame({ c1: 0 }));
    net.last().push(messageFrame('c1', 1));
    net.last().push({ type: 'event', event: reaction('reaction.added', 2, '👍', 'u-bob') });
    net.last().push({ type: 'event', event: reaction('reaction.added', 2, '👍', 'u-bob') });
    net.last().push({ type: 'event', event: reaction('reaction.removed', 3, '👍', 'u-bob') });
    net.last().push({
      type: 'event',
      event: { type: 'receipt', conversationId: 'c1', userId: 'u-bob', seq: 3 },
    });
    await reading;
    assert.deepEqual(seen, [
      'message@1',
      'reaction.added@2',
      'reaction.removed@3',
      'receipt u-bob@3',
    ]);
    assert.equal(c.cursors.get('c1'), 3, 'the receipt did not move the cursor');
    net.last().push(messageFrame('c1', 4));
    assert.equal(c.cursors.get('c1'), 4, 'and the next seq is delivered');
    c.close();
  });

  it('[R4] applyReaction keeps groups by first reaction and users by time; repeats change nothing', () => {
    let groups = applyReaction([], reaction('reaction.added', 2, '👍', 'ann'));
    groups = applyReaction(groups, reaction('reaction.added', 3, '❤️', 'ben'));
    groups = applyReaction(groups, reaction('reaction.added', 4, '👍', 'ben'));
    groups = applyReaction(groups, reaction('reaction.added', 5, '👍', 'ann'));
    assert.deepEqual(
      groups.map((g) => [g.emoji, g.users.map((u) => u.username)]),
      [
        ['👍', ['ann', 'ben']],
        ['❤️', ['ben']],
      ],
    );
    const before = groups;
    groups = applyReaction(groups, reaction('reaction.removed', 6, '❤️', 'ben'));
    groups = applyReaction(groups, reaction('reaction.removed', 7, '🎉', 'ben'));
    groups = applyReaction(groups, reaction('reaction.removed', 8, '👍', 'ann'));
    assert.deepEqual(
      groups.map((g) => [g.emoji, g.users.map((u) => u.username)]),
      [['👍', ['ben']]],
    );
    assert.equal(before.length, 2, 'the groups given are not changed');
  });

  it('[R6][R7][R8] mentions: by id or @all, never the own message nor a deleted one; the cache counts unread mentions and follows my role and the @all policy', () => {
    const m = (extra: Record<string, unknown>) => ({ ...messageFrame('c1', 4).message, ...extra });
    assert.equal(mentionsUser(m({ mentions: ['me'] }), 'me'), true);
    assert.equal(mentionsUser(m({ mentionsAll: true }), 'me'), true);
    assert.equal(mentionsUser(m({ mentionsAll: true, sender: 'me' }), 'me'), false);
    assert.equal(mentionsUser(m({ mentions: ['me'], deletedAt: 5 }), 'me'), false);
    assert.equal(mentionsUser(m({ mentions: ['you'] }), 'me'), false);

    const summary = conversationDto();
    const cache = new ConversationCache([['c1', summary]]);
    cache.applyTimeline({ kind: 'message', message: m({ seq: 4, mentions: ['me'] }) }, 'me');
    cache.applyTimeline({ kind: 'message', message: m({ seq: 5 }) }, 'me');
    cache.applyTimeline({ kind: 'message', message: m({ seq: 6, mentionsAll: true }) }, 'me');
    assert.deepEqual([summary.unreadCount, summary.mentionCount], [3, 2]);
    cache.applyTimeline(
      {
        kind: 'event',
        event: {
          type: 'conversation.settings_changed',
          conversationId: 'c1',
          seq: 7,
          actor: 'ann',
          createdAt: 7,
          data: { allMentions: 'admins', previous: 'members' },
        },
      },
      'me',
    );
    assert.equal(summary.allMentions, 'admins');
    const promoted = {
      type: 'member.role_changed' as const,
      conversationId: 'c1',
      actor: 'ann',
      createdAt: 8,
      data: { userId: 'me', username: 'me', role: 'admin' as const, previous: 'member' as const },
    };
    cache.applyTimeline({ kind: 'event', event: { ...promoted, seq: 8 } }, 'me');
    cache.applyTimeline(
      { kind: 'event', event: { ...promoted, seq: 9, data: { ...promoted.data, userId: 'you' } } },
      'me',
    );
    assert.equal(summary.role, 'admin', 'my own role follows (and decides who may mention @all)');
    cache.markRead('c1', 9);
    assert.deepEqual([summary.unreadCount, summary.mentionCount], [0, 0]);
  });
});
