import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { formatProfile } from '../../src/cli/chat/profile-format.js';
import { formatMessage } from '../../src/cli/chat/format.js';
import { Api, type TestUser } from '../helpers/api.js';
import { ChatProcess } from '../helpers/cli.js';
import { messageDto } from '../helpers/dtos.js';
import { UNLIMITED } from '../helpers/limits.js';
import { runCli, spawnNode, type NodeProcess } from '../helpers/process.js';

describe('terminal client: profiles', () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-profiles-'));
  const chats: ChatProcess[] = [];
  let node: NodeProcess;
  let api: Api;
  let rosa: TestUser;
  let tom: TestUser;
  const cfg = (name: string) => join(dir, `${name}.json`);
  const cli = (name: string, args: string[]) =>
    runCli([...args, '--server', node.url], { env: { PARLEY_CONFIG: cfg(name) } });

  before(async () => {
    node = await spawnNode({ dataDir: join(dir, 'data'), args: UNLIMITED });
    api = new Api(node.url);
    rosa = await api.signup('rosa', 'rosa-password');
    tom = await api.signup('tom', 'tom-password');
    for (const u of [rosa, tom])
      writeFileSync(
        cfg(u.username),
        JSON.stringify({ server: node.url, token: u.token, username: u.username }),
        { mode: 0o600 },
      );
  });
  after(async () => {
    for (const c of chats) await c.kill();
    await node?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('[PR7] formatting: a display name in headers as "Name (username)", a profile as lines', () => {
    const m = messageDto({
      seq: 3,
      sender: 'u-rosa',
      senderName: 'rosa',
      body: 'hi',
      createdAt: new Date(2026, 11, 1, 9, 5).getTime(),
    });
    const names = (id: string) => (id === 'u-rosa' ? 'Rosa Parks' : null);
    assert.equal(
      formatMessage(m, { color: false, displayName: names }),
      '[09:05] #3 Rosa Parks (rosa): hi',
    );
    assert.equal(formatMessage(m, { color: false }), '[09:05] #3 rosa: hi');
    const profile = {
      userId: 'u-rosa',
      username: 'rosa',
      displayName: 'Rosa Parks',
      statusText: 'On the bus',
      avatarUrl: '/api/v1/users/u-rosa/avatar?v=1',
      lastSeenAt: null,
      online: true,
    };
    assert.deepEqual(
      formatProfile(profile, (p) => `http://n${p}`),
      [
        'Rosa Parks (@rosa) ● online',
        '  status: On the bus',
        '  picture: http://n/api/v1/users/u-rosa/avatar?v=1',
      ],
    );
    assert.deepEqual(
      formatProfile({
        ...profile,
        displayName: null,
        statusText: null,
        avatarUrl: null,
        online: false,
      }),
      ['@rosa ○ offline'],
    );
  });

  it('[PR3][PR4][PR7] parley profile changes and shows profiles; refusals exit non-zero with the reason', async () => {
    const set = await cli('rosa', ['profile', '--name', 'Rosa Parks', '--status', 'On the bus']);
    assert.equal(set.code, 0, set.stderr);
    assert.match(set.stdout, /^Rosa Parks \(@rosa\) ○ offline\n {2}status: On the bus\n/);
    const png = await sharp({ create: { width: 50, height: 80, channels: 3, background: '#123' } })
      .png()
      .toBuffer();
    writeFileSync(join(dir, 'me.png'), png);
    const pic = await cli('rosa', ['profile', '--avatar', join(dir, 'me.png'), '--json']);
    assert.equal(pic.code, 0, pic.stderr);
    assert.match(JSON.parse(pic.stdout).avatarUrl, /^\/api\/v1\/users\/.+\/avatar\?v=/);
    const shown = await cli('tom', ['profile', 'rosa']);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /^Rosa Parks \(@rosa\)/);
    assert.match(shown.stdout, /picture: http:\/\/.+\/avatar\?v=/);
    const long = await cli('rosa', ['profile', '--name', 'x'.repeat(65)]);
    assert.notEqual(long.code, 0);
    assert.match(long.stderr, /displayName must be at most 64 characters/);
    const other = await cli('tom', ['profile', 'rosa', '--name', 'Not Rosa']);
    assert.equal(other.code, 2);
    const bad = await cli('tom', ['profile', '--avatar', join(dir, 'cfg-missing.png')]);
    assert.notEqual(bad.code, 0);
  });

  it('[PR7] parley chat: /profile USER, /profile set, and display names in message headers', async () => {
    await api.dm(rosa, tom.username);
    await api.send(rosa, await api.dm(rosa, tom.username), 'first from rosa');
    const chat = new ChatProcess(['chat', '--server', node.url], { PARLEY_CONFIG: cfg('tom') });
    chats.push(chat);
    await chat.waitFor(/\[online\]|Hello tom/);
    chat.type('/open @rosa');
    await chat.waitFor(/#1 Rosa Parks \(rosa\): first from rosa/);
    chat.type('/profile rosa');
    await chat.waitFor(/^Rosa Parks \(@rosa\) [●○]/);
    await chat.waitFor(/^ {2}status: On the bus$/);
    chat.type('/profile set status Reading');
    await chat.waitFor(/^@tom ● online$/);
    await chat.waitFor(/^ {2}status: Reading$/);
    chat.type('/profile set name Tom Thumb');
    await chat.waitFor(/^Tom Thumb \(@tom\) ● online$/);
    chat.type('/profile set colour red');
    await chat.waitFor(/usage: \/profile \[USER\]/);
    chat.type('/quit');
    assert.equal(await chat.exited, 0);
  });
});
