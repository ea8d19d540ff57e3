import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  applyCompletion,
  completionAt,
  emojiCompletions,
  mentionCompletions,
} from '../../src/format/completion.js';
import { EMOJI_GROUPS, searchEmoji } from '../../src/format/emoji-catalog.js';
import {
  emojiForShortcode,
  isSingleEmoji,
  replaceShortcodes,
  searchShortcodes,
  shortcodesOf,
} from '../../src/format/emoji.js';

describe('emoji shortcodes (src/format/emoji.ts)', () => {
  it('knows GitHub/Slack shortcodes, with the emoji presentation', () => {
    assert.equal(emojiForShortcode('thumbsup'), '👍');
    assert.equal(emojiForShortcode('+1'), '👍');
    assert.equal(emojiForShortcode('TADA'), '🎉');
    // Text-default code points get U+FE0F, so they draw as emoji.
    assert.equal(emojiForShortcode('heart'), '\u2764\uFE0F');
    assert.equal(emojiForShortcode('sunny'), '\u2600\uFE0F');
    assert.equal(emojiForShortcode('hash'), '#\uFE0F\u20E3');
    assert.equal(emojiForShortcode('no_such_emoji'), undefined);
  });

  it('every shortcode stands for exactly one emoji', () => {
    const seen = searchShortcodes('a', 10_000).concat(searchShortcodes('s', 10_000));
    assert.ok(seen.length > 300);
    for (const { shortcode, emoji } of seen) assert.ok(isSingleEmoji(emoji), shortcode);
  });

  it('searches by prefix (shortest first), then by a word of the name', () => {
    const thu = searchShortcodes('thu', 3).map((m) => m.shortcode);
    assert.deepEqual(thu.slice(0, 2), ['thumbsup', 'thumbsdown']);
    const up = searchShortcodes('up', 50).map((m) => m.shortcode);
    assert.equal(up[0], 'up');
    assert.ok(up.includes('arrow_up'), 'a word after _ matches');
    assert.equal(searchShortcodes('s', 5).length, 5);
    assert.deepEqual(searchShortcodes('', 5), []);
    assert.deepEqual(searchShortcodes('zzzz', 5), []);
  });

  it('replaces complete known shortcodes, outside code spans and blocks', () => {
    assert.equal(replaceShortcodes(':thumbsup: :tada::tada: :nope:'), '👍 🎉🎉 :nope:');
    assert.equal(replaceShortcodes('at 12:30:45, a:smile: b'), 'at 12:30:45, a:smile: b');
    assert.equal(
      replaceShortcodes('`:smile:` :smile: ``a`:smile:`b``'),
      '`:smile:` 😄 ``a`:smile:`b``',
    );
    assert.equal(replaceShortcodes('```\n:smile:\n```\n:smile:'), '```\n:smile:\n```\n😄');
    assert.equal(replaceShortcodes('~~~\n:smile: unclosed'), '~~~\n:smile: unclosed');
    // An unclosed backtick is no code span.
    assert.equal(replaceShortcodes('a ` :smile:'), 'a ` 😄');
  });

  it('[R4] isSingleEmoji: one RGI emoji, sequences included; text or two emoji are not', () => {
    for (const one of ['👍', '👍🏽', '👨‍👩‍👧', '🇫🇷', '#️⃣', '❤️', '🏳️‍🌈']) {
      assert.ok(isSingleEmoji(one), one);
    }
    for (const not of ['', 'a', ':)', '👍👍', ' 👍', '👍 ', '❤', '1', '👍a']) {
      assert.ok(!isSingleEmoji(not), JSON.stringify(not));
    }
  });
});

describe('composer completion (src/format/completion.ts)', () => {
  it('finds a shortcode from two characters on, not glued to a word', () => {
    assert.deepEqual(completionAt('hi :thu', 7), { kind: 'emoji', query: 'thu', start: 3, end: 7 });
    assert.equal(completionAt('hi :t', 5), null);
    assert.equal(completionAt('at 12:30', 8), null);
    assert.equal(completionAt('a:thu', 5), null);
    assert.equal(completionAt(':thu x', 6), null);
    // The caret inside the word: the word's end is past it.
    assert.deepEqual(completionAt(':thumbs', 4), { kind: 'emoji', query: 'thu', start: 0, end: 7 });
  });

  it('finds a mention from the @ on', () => {
    assert.deepEqual(completionAt('@', 1), { kind: 'mention', query: '', start: 0, end: 1 });
    assert.deepEqual(completionAt('hey (@Al', 8), {
      kind: 'mention',
      query: 'Al',
      start: 5,
      end: 8,
    });
    assert.equal(completionAt('bob@ex', 6), null);
  });

  it('offers members by prefix then by substring, and @all only when allowed', () => {
    const members = [{ username: 'alice' }, { username: 'bob' }, { username: 'malia' }];
    const token = completionAt('@al', 3)!;
    assert.deepEqual(mentionCompletions(token, members, { limit: 5 }), ['alice', 'malia']);
    assert.deepEqual(mentionCompletions(token, members, { limit: 5, allowAll: true }), [
      'alice',
      'all',
      'malia',
    ]);
    assert.deepEqual(mentionCompletions(token, members, { limit: 1, allowAll: true }), ['alice']);
    assert.deepEqual(mentionCompletions(token, [], { limit: 5 }), []);
    assert.deepEqual(emojiCompletions(token, 5), []);
    assert.equal(emojiCompletions(completionAt(':thumbsu', 8)!, 5)[0]?.emoji, '👍');
  });

  it('applies a pick with one space after it, the caret past the space', () => {
    const token = completionAt('hi :thu there', 7)!;
    assert.deepEqual(applyCompletion('hi :thu there', token, '👍'), {
      text: 'hi 👍 there',
      caret: 'hi 👍 '.length,
    });
    const end = completionAt('@bo', 3)!;
    assert.deepEqual(applyCompletion('@bo', end, '@bob'), { text: '@bob ', caret: 5 });
  });
});

describe('emoji picker catalog (src/format/emoji-catalog.ts)', () => {
  it('groups every base emoji in Unicode order, each one RGI emoji, no skin tones', () => {
    assert.deepEqual(
      EMOJI_GROUPS.map((g) => g.key),
      [
        'smileys-emotion',
        'people-body',
        'animals-nature',
        'food-drink',
        'travel-places',
        'activities',
        'objects',
        'symbols',
        'flags',
      ],
    );
    const all = EMOJI_GROUPS.flatMap((g) => g.emojis);
    assert.ok(all.length > 1800);
    assert.deepEqual(EMOJI_GROUPS[0]!.emojis[0], {
      emoji: '😀',
      label: 'grinning face',
      shortcodes: ['grinning'],
      tags: EMOJI_GROUPS[0]!.emojis[0]!.tags,
    });
    for (const e of all) assert.ok(isSingleEmoji(e.emoji), e.label);
    assert.ok(!all.some((e) => /\u{1F3FB}|\u{1F3FF}/u.test(e.emoji)), 'no skin-tone variants');
    assert.equal(new Set(all.map((e) => e.emoji)).size, all.length);
    assert.deepEqual(shortcodesOf('👍'), ['+1', 'thumbsup']);
  });

  it('searches shortcodes, names and tags, the exact shortcode first', () => {
    assert.equal(searchEmoji('thumbsup', 5)[0]?.emoji, '👍');
    assert.equal(searchEmoji(':fire:', 5)[0]?.emoji, '🔥');
    assert.equal(searchEmoji('red heart', 5)[0]?.emoji, '❤️');
    assert.ok(
      searchEmoji('like', 20).some((e) => e.emoji === '👍'),
      'by tag',
    );
    assert.equal(searchEmoji('heart', 3).length, 3);
    assert.deepEqual(searchEmoji('   ', 5), []);
  });
});
