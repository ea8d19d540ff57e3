import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import type { MessageDto } from '../../src/protocol/schemas.js';
import {
  DEFAULT_FREQUENT,
  FREQUENT_COUNT,
  RECENT_COUNT,
  emojiRows,
  recordEmojiUse,
} from '../../web/src/lib/emoji-usage.js';
import { chunk, moveInGrid } from '../../web/src/lib/grid-nav.js';
import { whoReacted } from '../../web/src/lib/reactions.js';
import { seenTarget } from '../../web/src/lib/receipts.js';
import { messageDto } from '../helpers/dtos.js';

const user = (userId: string) => ({ userId, username: userId });

function message(seq: number, sender: string, extra: Partial<MessageDto> = {}): MessageDto {
  return messageDto({ seq, conversationId: 'c', sender, senderName: sender, ...extra });
}

describe('web: who reacted (a chip’s tooltip)', () => {
  it('names the user first as You, then up to two names and how many others', () => {
    assert.equal(whoReacted([user('me')], 'me'), 'You');
    assert.equal(whoReacted([user('alice')], 'me'), 'alice');
    assert.equal(whoReacted([user('alice'), user('me')], 'me'), 'You and alice');
    assert.equal(whoReacted([user('alice'), user('bob')], 'me'), 'alice and bob');
    assert.equal(
      whoReacted([user('alice'), user('bob'), user('me')], 'me'),
      'You, alice and 1 other',
    );
    assert.equal(
      whoReacted(['alice', 'bob', 'carol', 'dave', 'erin'].map(user), 'me'),
      'alice, bob and 3 others',
    );
  });
});

describe('web: where the read receipt goes (rule R9)', () => {
  const reader = (userId: string, lastReadSeq: number) => ({ ...user(userId), lastReadSeq });
  const history = [
    message(1, 'me'),
    message(2, 'bob'),
    message(3, 'me'),
    message(4, 'me', { deletedAt: 9 }),
    message(5, 'me'),
  ];

  it('is under the newest own message someone read, with everyone who read that far', () => {
    assert.deepEqual(seenTarget(history, 'me', [reader('bob', 3), reader('carol', 5)]), {
      seq: 5,
      names: ['carol'],
    });
    assert.deepEqual(seenTarget(history, 'me', [reader('bob', 4), reader('carol', 3)]), {
      seq: 3,
      names: ['bob', 'carol'],
    });
  });

  it('skips deleted and unsent messages, and the user’s own marker', () => {
    assert.deepEqual(seenTarget(history, 'me', [reader('bob', 4), reader('me', 5)]), {
      seq: 3,
      names: ['bob'],
    });
    const unsent = [...history, message(0, 'me')];
    assert.equal(seenTarget(unsent, 'me', [reader('bob', 5)])?.seq, 5);
  });

  it('is nowhere while the markers load, when no one read, or no one shares (0)', () => {
    assert.equal(seenTarget(history, 'me', undefined), null);
    assert.equal(seenTarget(history, 'me', []), null);
    assert.equal(seenTarget(history, 'me', [reader('bob', 0), reader('carol', 0)]), null);
    assert.equal(seenTarget([message(2, 'bob')], 'me', [reader('bob', 2)]), null);
  });
});

describe('web: moving in the emoji grid (ARIA grid keys)', () => {
  // Rows of 3, 3 and a short last row of 1.
  const rows = [3, 3, 1];
  const at = (row: number, col: number) => ({ row, col });

  it('moves with the arrows, wrapping at the ends of rows, and up out of the grid', () => {
    assert.deepEqual(moveInGrid(rows, at(0, 0), 'ArrowRight'), at(0, 1));
    assert.deepEqual(moveInGrid(rows, at(0, 2), 'ArrowRight'), at(1, 0));
    assert.deepEqual(moveInGrid(rows, at(2, 0), 'ArrowRight'), at(2, 0));
    assert.deepEqual(moveInGrid(rows, at(1, 0), 'ArrowLeft'), at(0, 2));
    assert.deepEqual(moveInGrid(rows, at(0, 0), 'ArrowLeft'), at(0, 0));
    assert.deepEqual(moveInGrid(rows, at(1, 2), 'ArrowDown'), at(2, 0), 'into a short row');
    assert.deepEqual(moveInGrid(rows, at(2, 0), 'ArrowDown'), at(2, 0));
    assert.deepEqual(moveInGrid(rows, at(1, 2), 'ArrowUp'), at(0, 2));
    assert.equal(moveInGrid(rows, at(0, 1), 'ArrowUp'), 'above');
  });

  it('goes to the ends with Home/End (Ctrl: of the grid) and jumps with the page keys', () => {
    assert.deepEqual(moveInGrid(rows, at(1, 1), 'Home'), at(1, 0));
    assert.deepEqual(moveInGrid(rows, at(1, 1), 'End'), at(1, 2));
    assert.deepEqual(moveInGrid(rows, at(1, 1), 'Home', true), at(0, 0));
    assert.deepEqual(moveInGrid(rows, at(0, 1), 'End', true), at(2, 0));
    assert.deepEqual(moveInGrid(rows, at(0, 2), 'PageDown'), at(2, 0));
    assert.deepEqual(moveInGrid(rows, at(2, 0), 'PageUp'), at(0, 0));
    assert.equal(moveInGrid(rows, at(0, 0), 'a'), null);
    assert.equal(moveInGrid([], at(0, 0), 'ArrowDown'), null);
  });

  it('cuts items into rows', () => {
    assert.deepEqual(chunk([1, 2, 3, 4, 5], 2), [[1, 2], [3, 4], [5]]);
    assert.deepEqual(chunk([], 8), []);
  });
});

describe('web: the picker’s recent and frequent emoji (localStorage)', () => {
  const store = new Map<string, string>();
  beforeEach(() => {
    store.clear();
    Object.assign(globalThis, {
      localStorage: {
        getItem: (key: string) => store.get(key) ?? null,
        setItem: (key: string, value: string) => void store.set(key, value),
      },
    });
  });

  it('starts with no recent emoji and the default frequent ones', () => {
    assert.deepEqual(emojiRows('u1'), { recent: [], frequent: DEFAULT_FREQUENT });
  });

  it('keeps recent by last use and frequent by count, per user, topped up with the defaults', () => {
    recordEmojiUse('u1', '🚀', 1);
    recordEmojiUse('u1', '🍕', 2);
    recordEmojiUse('u1', '🚀', 3);
    recordEmojiUse('u1', '🍕', 4);
    recordEmojiUse('u1', '🍕', 5);
    recordEmojiUse('u1', '👍', 6);
    const rows = emojiRows('u1');
    assert.deepEqual(rows.recent, ['👍', '🍕', '🚀']);
    assert.deepEqual(rows.frequent.slice(0, 3), ['🍕', '🚀', '👍']);
    assert.equal(rows.frequent.length, FREQUENT_COUNT);
    assert.equal(new Set(rows.frequent).size, FREQUENT_COUNT, 'no emoji twice');
    assert.deepEqual(emojiRows('u2').recent, [], 'another user’s are their own');
  });

  it('shows at most a row of recent emoji and ignores what is not one emoji', () => {
    const many = [...'😀😃😄😁😆😅🤣😂🙂🙃'];
    many.forEach((e, i) => recordEmojiUse('u1', e, i));
    recordEmojiUse('u1', 'not an emoji', 99);
    assert.deepEqual(emojiRows('u1').recent, many.reverse().slice(0, RECENT_COUNT));
  });

  it('reads unreadable storage as no use', () => {
    store.set('parley:emoji-usage:u1', '{not json');
    assert.deepEqual(emojiRows('u1').recent, []);
    store.set(
      'parley:emoji-usage:u1',
      JSON.stringify({ '👍': { count: 'x' }, x: { count: 1, last: 1 } }),
    );
    assert.deepEqual(emojiRows('u1').recent, []);
    recordEmojiUse('u1', '👍', 1);
    assert.deepEqual(emojiRows('u1').recent, ['👍']);
  });
});
