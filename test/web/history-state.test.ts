import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RestApi } from '../../src/client/index.js';
import type { ConversationDto, MessageDto, TimelineEventDto } from '../../src/protocol/schemas.js';
import { LoadedHistory } from '../../web/src/state/history.js';
import { Mentions } from '../../web/src/state/mentions.js';
import { systemText, type SystemEvent } from '../../web/src/state/timeline-entries.js';
import { messageDto } from '../helpers/dtos.js';

const alice = { userId: 'u-alice', username: 'alice' };
const bob = { userId: 'u-bob', username: 'bob' };

function message(seq: number, extra: Partial<MessageDto> = {}): MessageDto {
  return messageDto({
    seq,
    conversationId: 'c',
    sender: alice.userId,
    senderName: 'alice',
    ...extra,
  });
}

function reply(seq: number, parent: MessageDto, extra: Partial<MessageDto> = {}): MessageDto {
  return message(seq, {
    sender: bob.userId,
    senderName: 'bob',
    replyTo: parent.seq,
    threadRoot: parent.threadRoot ?? parent.seq,
    reply: {
      seq: parent.seq,
      sender: parent.sender,
      senderName: parent.senderName,
      snippet: parent.body,
      deleted: false,
    },
    ...extra,
  });
}

function event<T extends TimelineEventDto['type']>(
  seq: number,
  type: T,
  data: Extract<TimelineEventDto, { type: T }>['data'],
  actor = alice.userId,
): TimelineEventDto {
  return { conversationId: 'c', seq, type, actor, data, createdAt: 1000 + seq } as TimelineEventDto;
}

describe('web state: a loaded history applies what the timeline says', () => {
  it('[R2] reply previews follow their parent’s edit and deletion', () => {
    const h = new LoadedHistory();
    const root = message(1, { body: 'Where?' });
    h.merge([root, reply(2, root), reply(3, root)]);
    h.apply(event(4, 'message.edited', { seq: 1, body: 'Where **tomorrow**?', editedAt: 5 }));
    assert.deepEqual(
      h.view().messages.map((m) => m.reply?.snippet ?? null),
      [null, 'Where **tomorrow**?', 'Where **tomorrow**?'],
    );
    assert.equal(h.get(1)?.editedAt, 5);
    h.apply(event(5, 'message.deleted', { seq: 1, deletedAt: 6 }));
    assert.deepEqual(
      h.view().messages.map((m) => [m.reply?.snippet ?? null, m.reply?.deleted ?? null]),
      [
        [null, null],
        ['', true],
        ['', true],
      ],
    );
  });

  it('[R3] a live reply new to the history counts on its root once; a deleted one uncounts', () => {
    const h = new LoadedHistory();
    const root = message(1, { replyCount: 1 });
    h.merge([root, reply(2, root)]);
    const live = reply(3, root);
    h.merge([live], { live: true });
    h.merge([live], { live: true }); // the ack, then the live copy: one reply
    assert.equal(h.get(1)?.replyCount, 2);
    // A REST page never adds: its roots already count the replies of their read.
    h.merge([reply(4, root)]);
    assert.equal(h.get(1)?.replyCount, 2);
    h.apply(event(5, 'message.deleted', { seq: 3, deletedAt: 9 }));
    h.apply(event(6, 'message.deleted', { seq: 3, deletedAt: 9 })); // replayed: no change
    assert.equal(h.get(1)?.replyCount, 1);
  });

  it('[R4] reactions follow the events, idempotently; a deletion clears them', () => {
    const h = new LoadedHistory();
    h.merge([message(1)]);
    const add = (who: typeof alice, emoji: string, seq: number) =>
      h.apply(event(seq, 'reaction.added', { ...who, seq: 1, emoji }, who.userId));
    add(alice, '👍', 2);
    add(bob, '🎉', 3);
    add(bob, '👍', 4);
    add(bob, '👍', 4);
    assert.deepEqual(h.get(1)?.reactions, [
      { emoji: '👍', users: [alice, bob] },
      { emoji: '🎉', users: [bob] },
    ]);
    h.apply(event(5, 'reaction.removed', { ...bob, seq: 1, emoji: '🎉' }, bob.userId));
    assert.deepEqual(h.get(1)?.reactions, [{ emoji: '👍', users: [alice, bob] }]);
    h.apply(event(6, 'message.deleted', { seq: 1, deletedAt: 7 }));
    assert.deepEqual(h.get(1)?.reactions, []);
  });

  it('[R4] a reaction seen before its message is read (a REST read racing it) is not lost', () => {
    const h = new LoadedHistory();
    h.apply(event(5, 'reaction.added', { ...bob, seq: 1, emoji: '👍' }, bob.userId));
    h.merge([message(1)]); // read before the reaction
    assert.deepEqual(h.get(1)?.reactions, [{ emoji: '👍', users: [bob] }]);
    h.apply(event(6, 'reaction.removed', { ...bob, seq: 1, emoji: '👍' }, bob.userId));
    // A copy read between the two events: the replay ends where the events did.
    h.merge([message(1, { reactions: [{ emoji: '👍', users: [bob] }], editedAt: 0 })]);
    assert.deepEqual(h.get(1)?.reactions, []);
  });

  it('[R6] an edit replaces the mentions; system events sit among the messages by seq', () => {
    const h = new LoadedHistory();
    h.merge([message(2), message(5)]);
    h.apply(
      event(6, 'message.edited', {
        seq: 2,
        body: '@bob',
        mentions: [bob.userId],
        mentionsAll: false,
      }),
    );
    assert.deepEqual(h.get(2)?.mentions, [bob.userId]);
    h.mergeEvents([event(1, 'conversation.created', { name: 'Team', members: [alice, bob] })]);
    h.apply(event(3, 'member.added', { ...bob, role: 'member' }));
    h.apply(event(4, 'reaction.added', { ...bob, seq: 2, emoji: '👍' }));
    h.apply(event(7, 'conversation.renamed', { name: 'Crew', previous: 'Team' }));
    assert.deepEqual(
      h.view().entries.map((e) => (e.kind === 'message' ? `m${e.seq}` : e.event.type)),
      ['conversation.created', 'm2', 'member.added', 'm5', 'conversation.renamed'],
    );
  });
});

describe('web state: system line texts', () => {
  const names = new Map([
    [alice.userId, 'alice'],
    [bob.userId, 'bob'],
  ]);
  const text = (e: TimelineEventDto, me = 'u-carol') =>
    systemText(e as SystemEvent, me, (id) => names.get(id));

  it('names who did it, and the reader as you', () => {
    const carol = { userId: 'u-carol', username: 'carol' };
    assert.equal(
      text(event(3, 'member.added', { ...carol, role: 'member' })),
      'You were added by alice',
    );
    assert.equal(
      text(event(3, 'member.added', { ...bob, role: 'member' })),
      'bob was added by alice',
    );
    assert.equal(text(event(3, 'member.removed', bob), bob.userId), 'You were removed by alice');
    assert.equal(text(event(3, 'member.left', { ...bob, reason: 'left' }, bob.userId)), 'bob left');
    assert.equal(
      text(event(3, 'member.left', { ...bob, reason: 'account_deleted' }, bob.userId)),
      'bob’s account was deleted',
    );
    assert.equal(
      text(event(3, 'member.role_changed', { ...bob, role: 'admin', previous: 'member' })),
      'alice made bob an admin',
    );
    assert.equal(
      text(event(3, 'member.role_changed', { ...alice, role: 'admin', previous: 'owner' })),
      'alice is now an admin',
    );
    assert.equal(
      text(event(3, 'conversation.renamed', { name: 'Crew', previous: null }), alice.userId),
      'Group renamed to “Crew” by you',
    );
    assert.equal(
      text(event(1, 'conversation.created', { name: 'Team', members: [alice] }, 'u-unknown')),
      'Group “Team” created',
    );
    assert.equal(
      text(
        event(3, 'conversation.settings_changed', { allMentions: 'admins', previous: 'members' }),
      ),
      'alice allowed only owners and admins to mention @all',
    );
  });
});

describe('web state: unread mention counts', () => {
  const api = {} as RestApi;
  const summary = (extra: Partial<ConversationDto> = {}) =>
    ({ id: 'c', lastSeq: 10, lastReadSeq: 8, mentionCount: 1, ...extra }) as ConversationDto;

  it('[R8] seeds from the summary, adds live mentions once, resets on read and reseeds on a new read', () => {
    const mentions = new Mentions({ api, me: bob.userId, changed: () => undefined });
    const c = summary();
    mentions.saw(c);
    assert.equal(mentions.count(c), 1);
    mentions.message(message(9, { mentions: [bob.userId] }), c); // already in the summary
    mentions.message(message(11, { mentions: [bob.userId] }), c);
    mentions.message(message(11, { mentions: [bob.userId] }), c);
    mentions.message(message(12, { mentionsAll: true }), c);
    mentions.message(message(13), c);
    mentions.message(message(14, { sender: bob.userId, mentionsAll: true }), c); // my own
    assert.equal(mentions.count(c), 3);
    mentions.deleted('c', 12);
    assert.equal(mentions.count(c), 2);
    assert.equal(mentions.read('c', 11), true);
    assert.equal(mentions.count(c), 0);
    assert.equal(mentions.read('c', 11), false);
    // A fresh summary from the node (a reconnect) is the new truth.
    const fresh = summary({ lastSeq: 20, mentionCount: 4 });
    mentions.saw(fresh);
    assert.equal(mentions.count(fresh), 4);
  });
});
