import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConversationCache } from '../../src/client/conversation-cache.js';
import { conversationDto, messageDto } from '../helpers/dtos.js';
import type { ConversationDto, MessageDto, TimelineEventDto } from '../../src/protocol/schemas.js';

const group = (): ConversationDto => conversationDto();

const message = (seq: number, sender: string): MessageDto =>
  messageDto({
    seq,
    sender,
    senderName: sender,
    clientMsgId: `k${seq}`,
    body: `hello ${seq}`,
    createdAt: 100 + seq,
  });

const base = { conversationId: 'c1', actor: 'ann', createdAt: 50 };

describe('client library: the conversation cache follows the timeline', () => {
  it('[PG3][PG4] a join counts once (not again when replayed), access changes set visibility and history', () => {
    const cache = new ConversationCache([['c1', group()]]);
    const joined: TimelineEventDto = {
      ...base,
      seq: 4,
      type: 'member.joined',
      data: { userId: 'u-eve', username: 'eve' },
    };
    cache.applyTimeline({ kind: 'event', event: joined }, 'me');
    cache.applyTimeline({ kind: 'event', event: joined }, 'me');
    const access: TimelineEventDto = {
      ...base,
      seq: 5,
      type: 'conversation.access_changed',
      data: {
        visibility: 'public',
        history: 'joined',
        previousVisibility: 'private',
        previousHistory: 'all',
      },
    };
    cache.applyTimeline({ kind: 'event', event: access }, 'me');
    const c = cache.get('c1')!;
    assert.equal(c.memberCount, 4);
    assert.equal(c.visibility, 'public');
    assert.equal(c.history, 'joined');
  });

  it('[M5] messages move the last seq and message; only other people’s unread ones count', () => {
    const cache = new ConversationCache([['c1', group()]]);
    cache.applyTimeline({ kind: 'message', message: message(4, 'ben') }, 'me');
    cache.applyTimeline({ kind: 'message', message: message(5, 'me') }, 'me');
    const c = cache.get('c1')!;
    assert.equal(c.lastSeq, 5);
    assert.equal(c.lastMessage?.id, 'm5');
    assert.equal(c.lastMessageAt, 105);
    assert.equal(c.unreadCount, 1, 'my own message is not unread');
    assert.equal(cache.markRead('c1', 5)?.unreadCount, 0);
    assert.equal(c.lastReadSeq, 5);
    assert.equal(cache.markRead('c1', 2)?.lastReadSeq, 5, 'a read marker never moves back');
  });

  it('[C4][C6][C7][C9] renames, joins and departures change the summary; unknown ids are left alone', () => {
    const cache = new ConversationCache([['c1', group()]]);
    const events: TimelineEventDto[] = [
      { ...base, seq: 4, type: 'conversation.renamed', data: { name: 'crew', previous: 'team' } },
      {
        ...base,
        seq: 5,
        type: 'member.added',
        data: { userId: 'dan', username: 'dan', role: 'member' },
      },
      { ...base, seq: 6, type: 'member.removed', data: { userId: 'ben', username: 'ben' } },
      {
        ...base,
        seq: 7,
        type: 'member.left',
        data: { userId: 'cat', username: 'cat', reason: 'left' },
      },
    ];
    for (const event of events) assert.ok(cache.applyTimeline({ kind: 'event', event }, 'me'));
    const c = cache.get('c1')!;
    assert.deepEqual([c.name, c.memberCount, c.lastSeq, c.unreadCount], ['crew', 2, 7, 0]);
    const elsewhere = { ...events[0]!, conversationId: 'c2' };
    assert.equal(cache.applyTimeline({ kind: 'event', event: elsewhere }, 'me'), undefined);
  });
});
