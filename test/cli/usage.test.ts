import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runCli } from '../helpers/process.js';

/**
 * One-shot commands refuse bad input themselves, before any request (exit 2, a message naming
 * the option and what it takes), instead of passing the server's validation text on. No node
 * runs here: a command that reached the network would fail with another code and message.
 */
describe('one-shot commands: bad input is refused by the CLI (exit 2)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-terminal-usage-'));
  const env = { PARLEY_CONFIG: join(dir, 'none.json') };
  // Nothing listens on port 9 (discard) on the loopback: a request would exit 4, not 2.
  const server = ['--server', 'http://127.0.0.1:9'];
  after(() => rmSync(dir, { recursive: true, force: true }));

  const cases: Array<[args: string[], message: RegExp]> = [
    [
      ['history', '--with', 'bob', '--limit', 'abc'],
      /--limit must be a whole number from 1 to 100, not "abc"/,
    ],
    [
      ['history', '--with', 'bob', '--limit', '0'],
      /--limit must be a whole number from 1 to 100, not "0"/,
    ],
    [
      ['history', '--with', 'bob', '--limit', '101'],
      /--limit must be a whole number from 1 to 100, not "101"/,
    ],
    [
      ['history', '--with', 'bob', '--before', '1.5'],
      /--before must be a whole number of at least 1, not "1.5"/,
    ],
    [['search', 'hi', '--limit', 'ten'], /--limit must be a whole number from 1 to 50, not "ten"/],
    [['mentions', '--limit', '-3'], /--limit must be a whole number from 1 to 100, not "-3"/],
    [['thread', '--with', 'bob', 'x'], /SEQ must be a whole number of at least 1, not "x"/],
    [
      ['thread', '--with', 'bob', '2', '--limit', '1e3'],
      /--limit must be a whole number from 1 to 100, not "1e3"/,
    ],
    [
      ['thread', '--with', 'bob', '2', '--after', 'later'],
      /--after must be a whole number of at least 0, not "later"/,
    ],
    [['react', '--with', 'bob', '#x', '👍'], /SEQ must be a whole number of at least 1, not "#x"/],
    [
      ['send', '--with', 'bob', '--reply-to', 'abc', 'hi'],
      /--reply-to must be a whole number of at least 1, not "abc"/,
    ],
    [
      ['invite', 'create', '--hours', '0x10'],
      /--hours must be a whole number from 1 to 720, not "0x10"/,
    ],
    [
      ['invite', 'create', '--uses', '1001'],
      /--uses must be a whole number from 1 to 1000, not "1001"/,
    ],
    [
      ['admin', 'audit', '--limit', 'all'],
      /--limit must be a whole number from 1 to 100, not "all"/,
    ],
    // The target flag is named as it is spelled: --with (not --to).
    [['history'], /say where: --with USER or --group NAME/],
    [['history', '--with', 'bob', '--group', 'team'], /say one place: --with USER or --group NAME/],
  ];

  it('[CLI2] every numeric option and a missing target: a clear message naming the flag, exit 2, no request', async () => {
    // Two at a time: the machine is shared.
    for (let i = 0; i < cases.length; i += 2) {
      await Promise.all(
        cases.slice(i, i + 2).map(async ([args, message]) => {
          const result = await runCli([...args, ...server], { env });
          assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
          assert.match(result.stderr, message, args.join(' '));
          assert.doesNotMatch(result.stderr, /--to USER|invalid_request|not logged in/);
        }),
      );
    }
  });

  it('[CLI2] login --username without a terminal and without --password-stdin: no account question, exit 2', async () => {
    const result = await runCli(['login', '--username', 'bob', ...server], { env });
    assert.equal(result.code, 2, result.stderr);
    assert.match(
      result.stderr,
      /no terminal to ask the password on: pipe it in with --password-stdin/,
    );
    assert.doesNotMatch(result.stdout + result.stderr, /Do you have an account|cancelled/);
  });
});
