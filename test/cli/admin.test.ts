import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Api, type TestUser } from '../helpers/api.js';
import { UNLIMITED } from '../helpers/limits.js';
import { runCli, spawnNode, type NodeProcess } from '../helpers/process.js';

describe('CLI: parley admin', () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-admin-'));
  const data = join(dir, 'data');
  let node: NodeProcess;
  let api: Api;
  let boss: TestUser;
  let mallory: TestUser;
  const cfg = (name: string) => join(dir, `${name}.json`);
  /** A client command as `name` (its saved session) against the node. */
  const cli = (name: string, args: string[]) =>
    runCli([...args, '--server', node.url], { env: { PARLEY_CONFIG: cfg(name) } });
  /** An operator command on the server host, against the node's data directory. */
  const local = (args: string[]) => runCli([...args, '--data', data]);

  before(async () => {
    node = await spawnNode({ dataDir: data, args: UNLIMITED });
    api = new Api(node.url);
    boss = await api.signup('boss', 'boss-password');
    mallory = await api.signup('mallory', 'mallory-password');
    for (const u of [boss, mallory])
      writeFileSync(
        cfg(u.username),
        JSON.stringify({ server: node.url, token: u.token, username: u.username }),
        { mode: 0o600 },
      );
  });
  after(async () => {
    await node?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('[AD1] grant, list and revoke on the store while the node runs; unknown users and data dirs fail', async () => {
    assert.match((await local(['admin', 'list'])).stdout, /no server admin/);
    const granted = await local(['admin', 'grant', 'BOSS']);
    assert.equal(granted.code, 0, granted.stderr);
    assert.equal(granted.stdout.trim(), 'boss is a server admin');
    assert.equal((await local(['admin', 'list'])).stdout.trim(), 'boss');
    const me = await api.request('GET', '/api/v1/me', { token: boss.token });
    assert.equal(me.body.admin, true);
    const unknown = await local(['admin', 'grant', 'nobody']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /user "nobody" not found/);
    const wrongDir = await runCli(['admin', 'list', '--data', join(dir, 'nowhere')]);
    assert.equal(wrongDir.code, 1);
    assert.match(wrongDir.stderr, /no database at/);
    const tmp = await local(['admin', 'grant', 'mallory']);
    assert.equal(tmp.code, 0, tmp.stderr);
    const revoked = await local(['admin', 'revoke', 'mallory']);
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.equal((await local(['admin', 'list'])).stdout.trim(), 'boss');
  });

  it('[AD10] users, suspend, unsuspend, audit and delete over HTTP as the logged-in admin', async () => {
    const users = await cli('boss', ['admin', 'users', '--status', 'active']);
    assert.equal(users.code, 0, users.stderr);
    assert.match(users.stdout, /^boss \[admin\] {2}active/m);
    assert.match(users.stdout, /^mallory {2}active/m);
    const suspended = await cli('boss', ['admin', 'suspend', 'mallory', '--reason', 'spam']);
    assert.equal(suspended.code, 0, suspended.stderr);
    assert.equal(suspended.stdout.trim(), 'suspended mallory');
    const listed = await cli('boss', ['admin', 'users', '--status', 'suspended', '--json']);
    const rows = JSON.parse(listed.stdout) as Array<{ username: string; suspendedReason: string }>;
    assert.deepEqual(
      rows.map((u) => [u.username, u.suspendedReason]),
      [['mallory', 'spam']],
    );
    // Mallory's saved session ended with the suspension.
    const gone = await cli('mallory', ['conversations']);
    assert.equal(gone.code, 3);
    const refused = await cli('mallory', ['admin', 'users']);
    assert.equal(refused.code, 3);
    assert.equal((await cli('boss', ['admin', 'unsuspend', 'mallory'])).code, 0);
    const audit = await cli('boss', ['admin', 'audit']);
    assert.equal(audit.code, 0, audit.stderr);
    const lines = audit.stdout.trim().split('\n');
    assert.match(lines[0]!, / boss {2}user\.unsuspended mallory$/);
    assert.match(lines[1]!, / boss {2}user\.suspended mallory \{"reason":"spam"\}$/);
    assert.ok(
      lines.some((l) => /\(operator\) {2}admin\.granted boss$/.test(l)),
      audit.stdout,
    );
    const badLimit = await cli('boss', ['admin', 'audit', '--limit', '0']);
    assert.equal(badLimit.code, 2);
    const deleted = await cli('boss', ['admin', 'delete', 'mallory', '--erase']);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.equal(deleted.stdout.trim(), 'deleted mallory and erased their messages');
    const missing = await cli('boss', ['admin', 'suspend', 'mallory']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no user named "mallory"/);
  });

  it('[AD2] a plain user is refused by the node (forbidden, exit 1)', async () => {
    const carl = await api.signup('carl', 'carl-password');
    writeFileSync(
      cfg('carl'),
      JSON.stringify({ server: node.url, token: carl.token, username: 'carl' }),
      { mode: 0o600 },
    );
    const res = await cli('carl', ['admin', 'users']);
    assert.equal(res.code, 1);
    assert.match(res.stderr, /\(forbidden\)/);
  });
});
