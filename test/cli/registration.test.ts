import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Api, type TestUser } from '../helpers/api.js';
import { UNLIMITED } from '../helpers/limits.js';
import { runCli, spawnNode, type NodeProcess } from '../helpers/process.js';

describe('CLI: registration, invites and passwords', () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-reg-'));
  const data = join(dir, 'data');
  let node: NodeProcess;
  let api: Api;
  let boss: TestUser;
  let amy: TestUser;
  const cfg = (name: string) => join(dir, `${name}.json`);
  const cli = (name: string, args: string[], input?: string) =>
    runCli([...args, '--server', node.url], {
      env: { PARLEY_CONFIG: cfg(name) },
      ...(input === undefined ? {} : { input }),
    });

  before(async () => {
    node = await spawnNode({ dataDir: data, args: UNLIMITED });
    api = new Api(node.url);
    boss = await api.signup('boss', 'boss-password');
    amy = await api.signup('amy', 'amy-password');
    for (const u of [boss, amy])
      writeFileSync(
        cfg(u.username),
        JSON.stringify({ server: node.url, token: u.token, username: u.username }),
        { mode: 0o600 },
      );
    const granted = await runCli(['admin', 'grant', 'boss', '--data', data]);
    assert.equal(granted.code, 0, granted.stderr);
  });
  after(async () => {
    await node?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('[RG1] [RG3] an admin switches to invite-only and creates an invite; a newcomer registers with it', async () => {
    assert.equal(
      (await cli('amy', ['registration'])).stdout.trim(),
      'registration: open · members can invite: no',
    );
    const refused = await cli('amy', ['registration', 'invite']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /server admins only \(forbidden\)/);
    const set = await cli('boss', ['registration', 'invite']);
    assert.equal(set.code, 0, set.stderr);
    assert.equal(set.stdout.trim(), 'registration: invite · members can invite: no');
    const bad = await cli('boss', ['registration', 'sometimes']);
    assert.equal(bad.code, 2);
    const created = await cli('boss', ['invite', 'create', '--hours', '2', '--uses', '1']);
    assert.equal(created.code, 0, created.stderr);
    const url = created.stdout.split('\n')[0]!;
    const code = /\/invite\/([A-Za-z0-9_-]+)$/.exec(url)?.[1];
    assert.ok(code, created.stdout);
    const noCode = await cli(
      'newbie',
      ['login', '--register', '--username', 'newbie', '--password-stdin'],
      'newbie-password\n',
    );
    assert.equal(noCode.code, 1);
    const joined = await cli(
      'newbie',
      ['login', '--register', '--username', 'newbie', '--password-stdin', '--invite', code],
      'newbie-password\n',
    );
    assert.equal(joined.code, 0, joined.stderr);
    assert.match(joined.stdout, /logged in as newbie/);
    const list = await cli('boss', ['invite', 'list']);
    assert.match(list.stdout, /1\/1 {2}used up {2}by boss/);
    const id = list.stdout.split(/\s+/)[0]!;
    const revoked = await cli('boss', ['invite', 'revoke', id]);
    assert.equal(revoked.code, 0, revoked.stderr);
  });

  it('[RG6] [RG8] parley passwd changes the password; parley reset-link prints a link that sets a new one', async () => {
    const changed = await cli(
      'amy',
      ['passwd', '--password-stdin'],
      'amy-password\namy-new-password\n',
    );
    assert.equal(changed.code, 0, changed.stderr);
    assert.equal(
      (
        await api.request('POST', '/api/v1/auth/login', {
          body: { username: 'amy', password: 'amy-new-password' },
        })
      ).status,
      200,
    );
    const wrong = await cli(
      'amy',
      ['passwd', '--password-stdin'],
      'not-it-at-all\nwhatever-else\n',
    );
    assert.equal(wrong.code, 1);
    const notAdmin = await cli('amy', ['reset-link', 'boss']);
    assert.equal(notAdmin.code, 1);
    const link = await cli('boss', ['reset-link', 'amy']);
    assert.equal(link.code, 0, link.stderr);
    const token = /\/reset\/([A-Za-z0-9_-]+)$/m.exec(link.stdout)?.[1];
    assert.ok(token, link.stdout);
    const reset = await api.request('POST', '/api/v1/auth/password-reset', {
      body: { token, password: 'amy-third-password' },
    });
    assert.equal(reset.status, 204);
  });
});
