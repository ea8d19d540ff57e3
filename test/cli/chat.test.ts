import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Api } from '../helpers/api.js';
import { ChatProcess } from '../helpers/cli.js';
import { runCli, spawnNode, type NodeProcess } from '../helpers/process.js';
import { UNLIMITED } from '../helpers/limits.js';

describe('terminal client (parley chat)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-chat-'));
  const procs: NodeProcess[] = [];
  const chats: ChatProcess[] = [];
  let node: NodeProcess;
  const cfg = (name: string) => join(dir, `${name}.json`);
  const chat = (name: string) => {
    const c = new ChatProcess(['chat', '--server', node.url], { PARLEY_CONFIG: cfg(name) });
    chats.push(c);
    return c;
  };

  before(async () => {
    node = await spawnNode({ dataDir: join(dir, 'data'), args: UNLIMITED });
    procs.push(node);
  });
  after(async () => {
    for (const c of chats) await c.kill();
    for (const p of procs) await p.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('[CLI1] register, find each other, DM live, group chat, and delete an account', async () => {
    const bob = chat('bob');
    await bob.waitFor(/Do you have an account/);
    for (const line of ['n', 'bob', 'bob-password', 'bob-password']) bob.type(line);
    await bob.waitFor(/Logged in as bob/);
    await bob.waitFor(/\[online\]/);
    const mode = statSync(cfg('bob')).mode & 0o777;
    assert.equal(mode, 0o600, 'token file readable by the user only');
    assert.ok(
      !readFileSync(cfg('bob'), 'utf8').includes('bob-password'),
      'the password is never stored',
    );

    const alice = chat('alice');
    for (const line of ['n', 'alice', 'alice-password', 'alice-password']) alice.type(line);
    await alice.waitFor(/Logged in as alice/);
    await alice.waitFor(/\[online\]/);
    alice.type('/users b*');
    await alice.waitFor(/^ {2}[●○] bob$/);
    alice.type('/dm bob');
    await alice.waitFor(/— @bob —/);
    alice.type('hello bob');
    await alice.waitFor(/#1 alice: hello bob/);

    await bob.waitFor(/new message in @alice from alice/);
    bob.type('/open alice');
    await bob.waitFor(/#1 alice: hello bob/);
    bob.type('hi alice');
    await alice.waitFor(/#2 bob: hi alice/);

    alice.type('/group create team bob');
    await alice.waitFor(/— #team —/);
    alice.type('welcome to the team');
    await bob.waitFor(/new message in #team from alice/);
    bob.type('/open team');
    await bob.waitFor(/alice: welcome to the team/);
    bob.type('/members');
    await bob.waitFor(/alice \(owner\)/);
    bob.type('thanks');
    await alice.waitFor(/bob: thanks/);

    bob.type('/delete-account');
    bob.type('y');
    bob.type('bob-password');
    await bob.waitFor(/Account deleted/);
    assert.equal(await bob.exited, 0);
    assert.ok(!readFileSync(cfg('bob'), 'utf8').includes('token'), 'the token is forgotten');
    await alice.waitFor(/bob deleted their account/);
    alice.type('/quit');
    assert.equal(await alice.exited, 0);
  });

  it('[CLI1][M3][M4][C4][C8][C9] edit, delete, rename, roles, older messages and leaving by slash command, each shown as its event', async () => {
    const cleo = chat('cleo');
    for (const line of ['n', 'cleo', 'cleo-password', 'cleo-password']) cleo.type(line);
    await cleo.waitFor(/\[online\]/);
    const dirk = chat('dirk');
    for (const line of ['n', 'dirk', 'dirk-password', 'dirk-password']) dirk.type(line);
    await dirk.waitFor(/\[online\]/);

    cleo.type('/group create crew dirk'); // seq 1
    await cleo.waitFor(/— #crew —/);
    for (let i = 1; i <= 22; i++) cleo.type(`line ${i}`); // seqs 2-23
    await cleo.waitFor(/#23 cleo: line 22/);
    cleo.type('/edit #2 line 1, edited'); // 24
    await cleo.waitFor(/✎ #2 edited: line 1, edited/);
    cleo.type('/delete'); // 25: the latest, #23
    await cleo.waitFor(/✗ #23 deleted/);
    cleo.type('/rename crew2'); // 26
    await cleo.waitFor(/• group renamed to "crew2"/);
    cleo.type('/role dirk admin'); // 27
    await cleo.waitFor(/• dirk is now admin/);

    dirk.type('/open crew2');
    await dirk.waitFor(/#22 cleo: line 21/);
    dirk.type('/more');
    await dirk.waitFor(/— older —/);
    await dirk.waitFor(/#2 cleo: line 1, edited \(edited\)/);
    dirk.type('/leave');
    await dirk.waitFor(/You left #crew2\./);
    await cleo.waitFor(/• dirk left/);
    cleo.end();
    dirk.end();
    assert.equal(await cleo.exited, 0);
    assert.equal(await dirk.exited, 0);
  });

  it('[CLI1][G4] a user who was offline sees the messages on next start', async () => {
    const api = new Api(node.url);
    await api.signup('carol', 'carol-password');
    const sent = await runCli(['send', '--server', node.url, '--to', 'carol', 'are you there?'], {
      env: { PARLEY_CONFIG: cfg('alice') },
    });
    assert.equal(sent.code, 0, sent.stderr);
    await runCli(['send', '--server', node.url, '--to', 'carol', 'second one'], {
      env: { PARLEY_CONFIG: cfg('alice') },
    });

    const carol = chat('carol');
    for (const line of ['y', 'carol', 'carol-password']) carol.type(line);
    await carol.waitFor(/@alice \(2 unread\) — alice: second one/);
    carol.type('/open alice');
    await carol.waitFor(/#1 alice: are you there\?/);
    await carol.waitFor(/#2 alice: second one/);
    carol.type('/quit');
    assert.equal(await carol.exited, 0);
  });

  it('[CLI2] bad input gets a one-line explanation and the client keeps going', async () => {
    const alice = chat('alice');
    await alice.waitFor(/Hello alice/);
    alice.type('/frobnicate');
    await alice.waitFor(/Unknown command \/frobnicate/);
    alice.type('/dm nobody');
    await alice.waitFor(/error: user "nobody" not found \(not_found\)/);
    alice.type('no conversation is open');
    await alice.waitFor(/No conversation open/);
    alice.type('/dm carol');
    await alice.waitFor(/— @carol —/);
    alice.type('x'.repeat(4001));
    await alice.waitFor(/✗ not sent: .* \(message_too_long\)/);
    alice.type('/remove carol');
    await alice.waitFor(/error: this is a direct message, not a group/);
    alice.type('/help');
    await alice.waitFor(/\/delete-account/);
    alice.type('/quit');
    assert.equal(await alice.exited, 0);
  });

  it('[CLI1][G1][G4] the node killed and restarted while two clients run: both reconnect, nothing typed is lost, nothing twice', async () => {
    const api = new Api(node.url);
    await api.signup('dora', 'dora-password');
    await api.signup('emil', 'emil-password');
    for (const [name, password] of [
      ['dora', 'dora-password'],
      ['emil', 'emil-password'],
    ] as const) {
      const login = await runCli(
        ['login', '--server', node.url, '--username', name, '--password-stdin'],
        {
          env: { PARLEY_CONFIG: cfg(name) },
          input: `${password}\n`,
        },
      );
      assert.equal(login.code, 0, login.stderr);
    }
    const dora = chat('dora');
    const emil = chat('emil');
    // Two clients starting at once on a loaded machine can take more than the default 15 s.
    await dora.waitFor(/\[online\]/, 60_000);
    await emil.waitFor(/\[online\]/, 60_000);
    dora.type('/dm emil');
    await dora.waitFor(/— @emil —/);
    dora.type('before the crash');
    await emil.waitFor(/new message in @dora/);
    emil.type('/open dora');
    await emil.waitFor(/#1 dora: before the crash/);

    const port = new URL(node.url).port;
    await node.kill('SIGKILL');
    await dora.waitFor(/\[reconnecting…\]/);
    await emil.waitFor(/\[reconnecting…\]/);
    dora.type('typed while the node was down');
    await dora.waitFor(/queued: will send when/);
    dora.type('and one more');

    node = await spawnNode({ dataDir: join(dir, 'data'), args: [...UNLIMITED, '--port', port] });
    procs.push(node);
    await emil.waitFor(/#2 dora: typed while the node was down/, 30_000);
    await emil.waitFor(/#3 dora: and one more/);
    emil.type('/quit');
    dora.type('/quit');
    assert.equal(await emil.exited, 0);
    assert.equal(await dora.exited, 0);
    for (const c of [dora, emil])
      assert.equal(c.matching(/\[reconnecting…\]/).length, 1, 'one status line per outage');
    for (const text of ['before the crash', 'typed while the node was down', 'and one more']) {
      assert.equal(
        emil.matching(new RegExp(`#\\d+ dora: ${text}$`)).length,
        1,
        `"${text}" shown once`,
      );
    }
  });
});
