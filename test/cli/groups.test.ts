import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Api, type TestUser } from '../helpers/api.js';
import { ChatProcess } from '../helpers/cli.js';
import { UNLIMITED } from '../helpers/limits.js';
import { runCli, spawnNode, type NodeProcess } from '../helpers/process.js';

describe('terminal client: public groups and moderation', () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-groups-'));
  const chats: ChatProcess[] = [];
  let node: NodeProcess;
  let api: Api;
  let rosa: TestUser;
  let tom: TestUser;
  let ida: TestUser;
  const cfg = (name: string) => join(dir, `${name}.json`);
  const cli = (name: string, args: string[]) =>
    runCli([...args, '--server', node.url], { env: { PARLEY_CONFIG: cfg(name) } });

  before(async () => {
    node = await spawnNode({ dataDir: join(dir, 'data'), args: UNLIMITED });
    api = new Api(node.url);
    rosa = await api.signup('rosa', 'rosa-password');
    tom = await api.signup('tom', 'tom-password');
    ida = await api.signup('ida', 'ida-password');
    for (const u of [rosa, tom, ida])
      writeFileSync(
        cfg(u.username),
        JSON.stringify({ server: node.url, token: u.token, username: u.username }),
        { mode: 0o600 },
      );
    const created = await api.request('POST', '/api/v1/groups', {
      token: rosa.token,
      body: { name: 'Bookclub', members: [], visibility: 'public' },
    });
    assert.equal(created.status, 201);
    await api.request('POST', '/api/v1/groups', {
      token: rosa.token,
      body: { name: 'Secretclub', members: [] },
    });
  });
  after(async () => {
    for (const c of chats) await c.kill();
    await node?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('[PG2][PG4] parley groups --public lists public groups; parley join joins one by name', async () => {
    const listed = await cli('tom', ['groups', '--public', 'club']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.equal(listed.stdout, '  Bookclub (1 members)\n');
    const joined = await cli('tom', ['join', 'bookclub']);
    assert.equal(joined.code, 0, joined.stderr);
    assert.match(joined.stdout, /^joined Bookclub$/m);
    const again = await cli('tom', ['groups', '--public', '--json']);
    assert.equal(JSON.parse(again.stdout)[0].joined, true);
    const hidden = await cli('tom', ['join', 'Secretclub']);
    assert.notEqual(hidden.code, 0);
    assert.match(hidden.stderr, /no public group named Secretclub/);
    const plain = await cli('tom', ['groups']);
    assert.notEqual(plain.code, 0);
  });

  it('[PG2][PG4][PG8][PG10] parley chat: /groups, /join, /mute, /unmute and /remove #SEQ', async () => {
    const ir = new ChatProcess(['chat', '--server', node.url], { PARLEY_CONFIG: cfg('ida') });
    chats.push(ir);
    await ir.waitFor(/\[online\]|Hello ida/);
    ir.type('/groups book');
    await ir.waitFor(/^\s+#Bookclub \(\d members\)$/);
    ir.type('/join Bookclub');
    await ir.waitFor(/ida joined/);
    ir.type('hello club');
    await ir.waitFor(/#\d+ ida: hello club/);

    const ro = new ChatProcess(['chat', '--server', node.url], { PARLEY_CONFIG: cfg('rosa') });
    chats.push(ro);
    await ro.waitFor(/\[online\]|Hello rosa/);
    ro.type('/open #Bookclub');
    const line = await ro.waitFor(/#(\d+) ida: hello club/);
    const seq = /#(\d+) ida/.exec(line)![1];
    ro.type('/mute ida 10');
    await ro.waitFor(/ida is muted until/);
    ir.type('still here?');
    await ir.waitFor(/muted/i);
    ro.type('/members');
    await ro.waitFor(/ida \(member, muted\)/);
    ro.type('/unmute ida');
    await ro.waitFor(/ida can write again/);
    ro.type(`/remove #${seq}`);
    await ro.waitFor(/removed|deleted/i);
    ro.type('/mute ida 0');
    await ro.waitFor(/usage: \/mute USER MINUTES/);
    for (const c of [ro, ir]) {
      c.type('/quit');
      assert.equal(await c.exited, 0);
    }
  });
});
