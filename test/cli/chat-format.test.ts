import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  completeLine,
  type Completion,
  type CompletionSource,
} from '../../src/cli/chat/completer.js';
import {
  formatConversation,
  formatEvent,
  formatMessage,
  formatReactions,
} from '../../src/cli/chat/format.js';
import { toEmoji } from '../../src/cli/chat/message-commands.js';
import type { ConversationDto, MessageDto } from '../../src/protocol/schemas.js';
import { messageDto } from '../helpers/dtos.js';

const me = { id: 'u-ann', username: 'ann' };

const message = (extra: Partial<MessageDto> = {}): MessageDto =>
  messageDto({
    id: 'm1',
    seq: 13,
    sender: 'u-bob',
    senderName: 'bob',
    clientMsgId: 'k1',
    body: 'hello **there**',
    createdAt: Date.UTC(2026, 0, 1, 12, 0),
    ...extra,
  });

const source = (extra: Partial<CompletionSource> = {}): CompletionSource => ({
  commands: () => ['react', 'reply', 'remove', 'unreact', 'mentions', 'me', 'open'],
  members: () => [{ username: 'bob' }, { username: 'bella' }, { username: 'carl' }],
  conversations: () => ['#team', '#travel', '@bob'],
  allowAll: () => true,
  ...extra,
});

describe('terminal client: how messages look and what Tab completes', () => {
  it('[R2][R4][CLI1] a reply shows its quote above, reactions below, Markdown without its marks when plain', () => {
    const text = formatMessage(
      message({
        reply: {
          seq: 12,
          sender: 'u-cat',
          senderName: 'cat',
          snippet: 'the *plan*\nfor today',
          deleted: false,
        },
        reactions: [
          {
            emoji: '👍',
            users: [
              { userId: 'u-ann', username: 'ann' },
              { userId: 'u-cat', username: 'cat' },
            ],
          },
          { emoji: '❤️', users: [{ userId: 'u-dan', username: 'dan' }] },
        ],
        replyCount: 2,
      }),
    ).split('\n');
    assert.equal(text.length, 3);
    assert.equal(text[0], '  ↳ re #12 cat: the plan for today');
    assert.match(text[1]!, /^\[\d\d:\d\d\] #13 bob: hello there \[2 replies\]$/);
    assert.equal(text[2], '    #13 reactions: 👍 2 (ann, cat) ❤️ 1 (dan)');
    assert.ok(!text.join('').includes('\x1b'), 'no escape sequence when plain');
  });

  it('[R6][R7] a message that mentions me says so (plain) or is highlighted (colour); mine never does', () => {
    const mention = message({ body: 'hi @ann', mentions: ['u-ann'] });
    assert.match(
      formatMessage(mention, { color: false, me }),
      /#13 bob: hi @ann \(mentions you\)$/,
    );
    const colored = formatMessage(mention, { color: true, me });
    assert.ok(colored.includes('\x1b[1;33;7m'), 'the header is highlighted');
    assert.ok(!colored.includes('(mentions you)'));
    const all = message({ body: '@all lunch', mentionsAll: true });
    assert.match(formatMessage(all, { color: false, me }), /\(mentions you\)$/);
    const own = message({ sender: 'u-ann', senderName: 'ann', mentionsAll: true });
    assert.ok(!formatMessage(own, { color: false, me }).includes('mentions you'));
  });

  it('[M4] a deleted message reads (deleted), not (deleted) (edited), and shows no reactions', () => {
    const deleted = message({ deletedAt: 5, editedAt: 4, body: '', reactions: [] });
    assert.match(formatMessage(deleted), /#13 bob: \(deleted\)$/);
    assert.equal(formatReactions(13, []), '#13 reactions: none');
  });

  it('[C4][C8][R4][R7] system lines name who did it when known', () => {
    const base = { conversationId: 'c1', seq: 9, createdAt: 1, actor: 'u-ann' };
    const names = (id: string) => (id === 'u-ann' ? 'ann' : undefined);
    assert.equal(
      formatEvent(
        {
          ...base,
          type: 'member.added',
          data: { userId: 'u-bob', username: 'bob', role: 'member' },
        },
        names,
      ),
      '• bob was added by ann',
    );
    assert.equal(
      formatEvent({ ...base, type: 'member.removed', data: { userId: 'u-bob', username: 'bob' } }),
      '• bob was removed',
    );
    assert.equal(
      formatEvent(
        {
          ...base,
          type: 'conversation.settings_changed',
          data: { allMentions: 'admins', previous: 'members' },
        },
        names,
      ),
      '• only owners and admins may mention @all now by ann',
    );
  });

  it('[R8] the conversation list shows unread mentions beside unread messages', () => {
    const c: ConversationDto = {
      id: 'c1',
      kind: 'group',
      name: 'team',
      createdBy: 'u-ann',
      createdAt: 1,
      lastSeq: 3,
      lastMessageAt: 1,
      allMentions: 'members',
      visibility: 'private',
      history: 'all',
      role: 'member',
      lastReadSeq: 0,
      unreadCount: 3,
      mentionCount: 1,
      memberCount: 3,
      peer: null,
      muted: false,
      lastMessage: message({ body: 'see `this`' }),
    };
    assert.equal(formatConversation(c), '#team (3 unread, 1 mention) — bob: see this');
  });

  it('[CLI1] Tab: commands, @members of the open conversation, #conversations, :shortcodes:', () => {
    assert.deepEqual(completeLine('/unr', source()), [['/unreact '], '/unr']);
    assert.deepEqual(completeLine('/re', source()), [['/react', '/reply', '/remove'], '/re']);
    assert.deepEqual(completeLine('hi @ca', source()), [['@carl '], '@ca']);
    assert.deepEqual(completeLine('hi @b', source()), [['@bob', '@bella'], '@b']);
    assert.deepEqual(completeLine('@al', source()), [['@all '], '@al'], '@all where allowed');
    assert.deepEqual(completeLine('@al', source({ allowAll: () => false })), [[], '@al']);
    assert.deepEqual(completeLine('see #tr', source()), [['#travel '], '#tr']);
    assert.deepEqual(completeLine('/open te', source()), [['#team '], 'te']);
    assert.deepEqual(completeLine('/open @b', source()), [['@bob '], '@b']);
    const [emoji, replaced] = completeLine('nice :thumbsu', source()) as Completion;
    assert.equal(replaced, ':thumbsu');
    assert.ok(emoji.includes(':thumbsup:'), emoji.join(' '));
    assert.deepEqual(completeLine('nice :thumbsup:', source()), [['👍'], ':thumbsup:']);
    assert.deepEqual(completeLine('plain words', source()), [[], 'plain words'], 'no tab inserted');
    assert.deepEqual(completeLine('at 12:30', source()), [[], 'at 12:30']);
  });

  it('[CLI1] Tab on a user argument: /dm, /add and /group create search the server, /role, /mute, /unmute and /remove offer members', async () => {
    const asked: string[] = [];
    const users = (prefix: string) => {
      asked.push(prefix);
      return Promise.resolve(['alice', 'alina', 'bob'].filter((name) => name.startsWith(prefix)));
    };
    const withUsers = source({ users });
    assert.deepEqual(await completeLine('/dm al', withUsers), [['alice', 'alina'], 'al']);
    assert.deepEqual(await completeLine('/dm ali', withUsers), [['alice', 'alina'], 'ali']);
    assert.deepEqual(await completeLine('/dm alic', withUsers), [['alice '], 'alic']);
    assert.deepEqual(await completeLine('/add @bo', withUsers), [['@bob '], '@bo']);
    assert.deepEqual(
      await completeLine('/group create trip alice b', withUsers),
      [['bob '], 'b'],
      'every user after the group name',
    );
    assert.deepEqual(asked, ['al', 'ali', 'alic', 'bo', 'b'], 'the search gets the bare prefix');
    const failing = source({ users: () => Promise.reject(new Error('offline')) });
    assert.deepEqual(await completeLine('/dm al', failing), [[], 'al'], 'a failed search: nothing');
    assert.deepEqual(completeLine('/role be', source()), [['bella '], 'be']);
    assert.deepEqual(completeLine('/mute c', source()), [['carl '], 'c']);
    assert.deepEqual(completeLine('/unmute @b', source()), [['@bob', '@bella'], '@b']);
    assert.deepEqual(completeLine('/remove ca', source()), [['carl '], 'ca']);
    assert.deepEqual(completeLine('/remove #1', source()), [[], '#1'], 'a seq is no user');
    assert.deepEqual(completeLine('/dm bo', source()), [['bob '], 'bo'], 'no search: members');
    assert.deepEqual(completeLine('/role bob ad', source()), [[], '/role bob ad']);
  });

  it('[R4] /react takes an emoji, a :shortcode: or a bare shortcode; anything else is refused', () => {
    assert.equal(toEmoji('👍', 'u'), '👍');
    assert.equal(toEmoji(':tada:', 'u'), '🎉');
    assert.equal(toEmoji('heart', 'u'), '❤️');
    assert.throws(() => toEmoji('👍👍', 'u'), /not one emoji/);
    assert.throws(() => toEmoji(':nope_not_one:', 'u'), /not one emoji/);
    assert.throws(() => toEmoji(undefined, '/react SEQ EMOJI'), /usage: \/react SEQ EMOJI/);
  });
});
