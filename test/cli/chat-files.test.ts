import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Bell, parseDnd } from '../../src/cli/chat/bell.js';
import { completeLine, type CompletionSource } from '../../src/cli/chat/completer.js';
import { splitPath } from '../../src/cli/chat/file-commands.js';
import {
  formatConversation,
  formatMessage,
  formatSearchHit,
  messageSnippet,
} from '../../src/cli/chat/format.js';
import { listFiles } from '../../src/cli/chat/paths.js';
import { renderHighlights } from '../../src/format/ansi.js';
import type { AttachmentDto, MessageDto } from '../../src/protocol/schemas.js';
import { messageDto } from '../helpers/dtos.js';

const file = (extra: Partial<AttachmentDto> = {}): AttachmentDto => ({
  id: 'f1',
  name: 'my_report_v2.pdf',
  contentType: 'application/pdf',
  size: 1536,
  width: null,
  height: null,
  thumbnail: null,
  ...extra,
});

const message = (extra: Partial<MessageDto> = {}): MessageDto =>
  messageDto({
    seq: 13,
    sender: 'u-bob',
    senderName: 'bob',
    body: 'see attached',
    createdAt: new Date(2026, 11, 1, 14, 2).getTime(),
    ...extra,
  });

const source = (extra: Partial<CompletionSource> = {}): CompletionSource => ({
  commands: () => ['upload', 'unmute', 'dnd', 'search'],
  members: () => [],
  conversations: () => [],
  allowAll: () => false,
  ...extra,
});

describe('terminal client: files, search results, mute and do-not-disturb', () => {
  it('[F3][CLI4] a message lists its files with size, type, dimensions and URL; files alone take the first line', () => {
    const url = (id: string) => `http://node.test/api/v1/files/${id}`;
    const lines = formatMessage(
      message({
        attachments: [
          file(),
          file({
            id: 'f2',
            name: 'cat.png',
            contentType: 'image/png',
            size: 2 * 1024 * 1024,
            width: 800,
            height: 600,
          }),
        ],
      }),
      { color: false, fileUrl: url },
    ).split('\n');
    assert.deepEqual(lines, [
      '[14:02] #13 bob: see attached',
      '    📎 my_report_v2.pdf (1.5 KB, application/pdf) http://node.test/api/v1/files/f1',
      '    📎 cat.png (2 MB, image/png, 800×600) http://node.test/api/v1/files/f2',
    ]);
    const alone = formatMessage(message({ body: '', attachments: [file()] }), { color: false });
    assert.equal(
      alone,
      '[14:02] #13 bob: 📎 my_report_v2.pdf (1.5 KB, application/pdf) /api/v1/files/f1',
    );
    const deleted = formatMessage(message({ deletedAt: 5, attachments: [file()] }));
    assert.equal(deleted, '[14:02] #13 bob: (deleted)', 'a deleted message shows no files');
    const sneaky = formatMessage(
      message({ body: '', attachments: [file({ name: 'a\x1b[31mb\nc' })] }),
      { color: false },
    );
    assert.ok(
      !sneaky.includes('\x1b') && !sneaky.includes('\n'),
      'a name cannot style or break lines',
    );
    assert.equal(
      messageSnippet(message({ body: '', attachments: [file(), file()] })),
      '📎 my_report_v2.pdf +1',
    );
  });

  it('[Q3][CLI4] a search result names its conversation, time and sender; highlights are bold inverse on a TTY only', () => {
    const hit = {
      message: message({ body: 'we deploy on friday' }),
      snippet: { text: 'we deploy on\nfriday', highlights: [[3, 9]] as Array<[number, number]> },
    };
    assert.equal(
      formatSearchHit(hit, '#team'),
      '#team [2026-12-01 14:02] #13 bob: we deploy on friday',
    );
    const styled = formatSearchHit(hit, '#team', { color: true });
    assert.ok(styled.includes('we \x1b[1m\x1b[7mdeploy\x1b[0m on friday'), JSON.stringify(styled));
    assert.equal(
      renderHighlights(
        'ab cd ef',
        [
          [6, 8],
          [0, 2],
          [1, 4],
        ],
        { color: true },
      ),
      '\x1b[1m\x1b[7mab\x1b[0m\x1b[1m\x1b[7m c\x1b[0md \x1b[1m\x1b[7mef\x1b[0m',
      'ranges sorted, overlaps not doubled',
    );
    assert.equal(renderHighlights('a\x07b', [[0, 1]], { color: false }), 'a b');
  });

  it('[N2][N3][N4][CLI4] the bell: DMs and mentions of me, not my own, not muted, not during DND', () => {
    let now = 1_000;
    const bell = new Bell(() => now);
    const dm = { kind: 'dm' as const, muted: false };
    const group = { kind: 'group' as const, muted: false };
    assert.equal(bell.rings(message(), dm, 'u-me'), true, 'a DM to me');
    assert.equal(bell.rings(message(), group, 'u-me'), false, 'a group message without mention');
    assert.equal(bell.rings(message({ mentions: ['u-me'] }), group, 'u-me'), true);
    assert.equal(bell.rings(message({ mentionsAll: true }), group, 'u-me'), true, '@all');
    assert.equal(bell.rings(message({ sender: 'u-me' }), dm, 'u-me'), false, 'my own');
    assert.equal(
      bell.rings(message({ mentions: ['u-me'] }), { ...group, muted: true }, 'u-me'),
      false,
    );
    assert.equal(bell.rings(message(), { ...dm, muted: true }, 'u-me'), false, 'a muted DM');
    bell.dndUntil = 2_000;
    assert.equal(bell.rings(message(), dm, 'u-me'), false, 'during DND');
    now = 2_000;
    assert.equal(bell.rings(message(), dm, 'u-me'), true, 'DND over at its end');
    assert.equal(bell.dndActive, false);
  });

  it('[N4] /dnd understands durations, a clock time and off; anything else says what it takes', () => {
    const now = new Date(2026, 11, 1, 14, 0).getTime();
    assert.equal(parseDnd('1h', now), now + 3_600_000);
    assert.equal(parseDnd('1h30m', now), now + 5_400_000);
    assert.equal(parseDnd('2D', now), now + 2 * 86_400_000);
    assert.equal(parseDnd('off', now), null);
    assert.equal(parseDnd('18:30', now), new Date(2026, 11, 1, 18, 30).getTime());
    assert.equal(parseDnd('9:00', now), new Date(2026, 11, 2, 9, 0).getTime(), 'the next 9:00');
    assert.equal(parseDnd('30d', now), now + 30 * 86_400_000, 'the longest');
    for (const bad of ['31d', '0m', 'soon', '25:00', '1x', ''])
      assert.throws(() => parseDnd(bad, now), /usage: \/dnd|not a time of day/, bad);
  });

  it('[CLI4] /upload takes a path (quoted if it has spaces, ~ is home) and the text after it', () => {
    assert.deepEqual(splitPath('a.txt hello there'), { path: 'a.txt', text: 'hello there' });
    assert.deepEqual(splitPath('"my file.pdf" the report'), {
      path: 'my file.pdf',
      text: 'the report',
    });
    assert.deepEqual(splitPath("'x y'"), { path: 'x y', text: '' });
    assert.deepEqual(splitPath('~/f.png'), { path: join(homedir(), 'f.png'), text: '' });
    assert.deepEqual(splitPath(''), { path: '', text: '' });
  });

  it('[CLI4] Tab completes the new commands, /dnd choices and /upload paths from the disk', () => {
    assert.deepEqual(completeLine('/unm', source()), [['/unmute '], '/unm']);
    assert.deepEqual(completeLine('/dnd o', source()), [['off '], 'o']);
    assert.deepEqual(completeLine('/dnd 1', source()), [['1h', '1d'], '1']);
    const dir = mkdtempSync(join(tmpdir(), 'parley-paths-'));
    try {
      mkdirSync(join(dir, 'photos'));
      writeFileSync(join(dir, 'plan.txt'), 'x');
      writeFileSync(join(dir, '.hidden'), 'x');
      const files = { files: listFiles };
      assert.deepEqual(completeLine(`/upload ${dir}/p`, source(files)), [
        [`${dir}/photos/`, `${dir}/plan.txt`],
        `${dir}/p`,
      ]);
      assert.deepEqual(
        completeLine(`/upload ${dir}/ph`, source(files)),
        [[`${dir}/photos/`], `${dir}/ph`],
        'a directory gets no space',
      );
      assert.deepEqual(completeLine(`/upload ${dir}/pl`, source(files)), [
        [`${dir}/plan.txt `],
        `${dir}/pl`,
      ]);
      assert.deepEqual(listFiles(`${dir}/.h`), [`${dir}/.hidden`], 'dot files when asked for');
      assert.deepEqual(listFiles(`${dir}/nowhere/x`), []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('[N3] the conversation list says which conversations are muted', () => {
    const line = formatConversation({
      id: 'c1',
      kind: 'group',
      name: 'team',
      createdBy: 'ann',
      createdAt: 1,
      lastSeq: 3,
      lastMessageAt: 1,
      allMentions: 'members',
      visibility: 'private',
      history: 'all',
      role: 'member',
      lastReadSeq: 1,
      unreadCount: 2,
      mentionCount: 0,
      memberCount: 3,
      peer: null,
      muted: true,
      lastMessage: message({ body: '', attachments: [file()] }),
    });
    assert.equal(line, '#team (2 unread, muted) — bob: 📎 my_report_v2.pdf');
  });
});
