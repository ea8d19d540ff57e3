import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ConversationDto, MessageDto } from '../../src/protocol/schemas.js';
import { notificationText, notifyKind } from '../../web/src/lib/notifications.js';
import { LoadedHistory } from '../../web/src/state/history.js';
import { messageDto } from '../helpers/dtos.js';

function message(seq: number, extra: Partial<MessageDto> = {}): MessageDto {
  return messageDto({ seq, conversationId: 'c', sender: 'u-alice', senderName: 'alice', ...extra });
}

const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => message(from + i));
const seqs = (h: LoadedHistory) => h.view().messages.map((m) => m.seq);

describe('web state: a history loaded around a jump', () => {
  it('[UI6] holds live messages past its end until newer pages reach them, then keeps each once', () => {
    const h = new LoadedHistory();
    h.hasNewer = true;
    // A live message arrives while the pages around seq 10 are being read: held.
    h.merge([message(30)], { live: true });
    assert.deepEqual(seqs(h), []);
    h.extend(range(5, 15), [], true);
    assert.deepEqual(
      seqs(h),
      range(5, 15).map((m) => m.seq),
    );
    assert.equal(h.view().hasNewer, true);
    // Past the end still: held. Inside it now (a page brought it too): kept once.
    h.merge([message(31)], { live: true });
    h.extend(range(16, 30), [], true);
    assert.deepEqual(
      seqs(h),
      range(5, 30).map((m) => m.seq),
    );
    // The last page: the end is reached, what was held joins.
    h.extend([], [], false);
    assert.deepEqual(
      seqs(h),
      range(5, 31).map((m) => m.seq),
    );
    assert.equal(h.view().hasNewer, false);
    h.merge([message(32)], { live: true });
    assert.equal(seqs(h).at(-1), 32);
  });

  it('[UI6] system events past its end wait likewise', () => {
    const h = new LoadedHistory();
    h.hasNewer = true;
    h.extend(range(1, 3), [], true);
    const renamed = {
      conversationId: 'c',
      seq: 9,
      actor: 'u-alice',
      createdAt: 1,
      type: 'conversation.renamed' as const,
      data: { name: 'New name', previous: 'Old' },
    };
    h.apply(renamed);
    assert.equal(h.view().entries.length, 3);
    h.extend(range(4, 8), [], false);
    assert.deepEqual(
      h.view().entries.map((e) => `${e.kind}:${e.seq}`),
      [...range(1, 8).map((m) => `message:${m.seq}`), 'event:9'],
    );
  });
});

describe('web: which messages notify (rule N2, computed by the page)', () => {
  const me = 'u-bob';
  const now = 1_000_000;
  const dm = { id: 'd', kind: 'dm', muted: false, name: null } as unknown as ConversationDto;
  const group = {
    id: 'g',
    kind: 'group',
    muted: false,
    name: 'Team',
  } as unknown as ConversationDto;
  const options = { me, dndUntil: null, now };

  it('[UI7][N2] DMs and mentions of me or @all; never my own, a deleted one, a muted conversation, or in DND', () => {
    assert.equal(notifyKind(message(1), dm, options), 'dm');
    assert.equal(notifyKind(message(1), group, options), null);
    assert.equal(notifyKind(message(1, { mentions: [me] }), group, options), 'mention');
    assert.equal(notifyKind(message(1, { mentionsAll: true }), group, options), 'mention');
    assert.equal(notifyKind(message(1, { sender: me }), dm, options), null);
    assert.equal(notifyKind(message(1, { deletedAt: 5 }), dm, options), null);
    assert.equal(notifyKind(message(1), { ...dm, muted: true }, options), null);
    assert.equal(notifyKind(message(1), dm, { ...options, dndUntil: now + 1 }), null);
    assert.equal(notifyKind(message(1), dm, { ...options, dndUntil: now }), 'dm', 'DND ended');
    assert.equal(notifyKind(message(1), undefined, options), null);
  });

  it('[UI7][N7] title and preview as the push payload has them', () => {
    assert.deepEqual(notificationText(message(1, { body: 'hi **there**' }), dm, 'dm'), {
      title: 'alice',
      body: 'hi there',
    });
    assert.equal(notificationText(message(1), group, 'mention').title, 'alice in Team');
    const long = notificationText(message(1, { body: 'x'.repeat(500) }), dm, 'dm').body;
    assert.equal([...long].length, 140);
    assert.ok(long.endsWith('…'));
    const file = {
      id: 'f',
      name: 'plan.pdf',
      contentType: 'application/pdf',
      size: 1,
      width: null,
      height: null,
      thumbnail: null,
    };
    assert.equal(
      notificationText(message(1, { body: '', attachments: [file] }), dm, 'dm').body,
      '📎 plan.pdf',
    );
  });
});
