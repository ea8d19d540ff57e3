import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Api } from './helpers/api.js';
import { runCli, spawnNode, type NodeProcess } from './helpers/process.js';
import { WsClient } from './helpers/ws.js';
import { UNLIMITED } from './helpers/limits.js';

describe('operations', () => {
  const root = mkdtempSync(join(tmpdir(), 'parley-ops-'));
  const procs: NodeProcess[] = [];
  /** A node process on `dataDir` with alice and bob signed up and their DM. */
  const pairOn = async (dataDir: string) => {
    const node = await spawnNode({ dataDir, args: UNLIMITED });
    procs.push(node);
    const api = new Api(node.url);
    const alice = await api.signup('alice');
    const bob = await api.signup('bob');
    return { node, api, alice, bob, dm: await api.dm(alice, bob.username) };
  };
  after(async () => {
    for (const p of procs) await p.kill();
    rmSync(root, { recursive: true, force: true });
  });

  it('[O5] parley backup snapshots a running node under write load; a node on the snapshot has everything', async () => {
    const dataDir = join(root, 'live');
    const { node, api, alice, bob, dm } = await pairOn(dataDir);
    const group = await api.group(alice, 'team', [bob.username]);
    const before: number[] = [];
    for (let i = 0; i < 30; i++)
      before.push((await api.send(bob, dm, `before ${i}`)).body.message.seq);

    // Keep writing while the backup runs: the snapshot must be consistent, the node unaffected.
    let writing = true;
    const writer = (async () => {
      let n = 0;
      while (writing) assert.equal((await api.send(alice, group, `during ${n++}`)).status, 201);
      return n;
    })();
    const out = join(root, 'snapshot.db');
    const backup = await runCli(['backup', '--data', dataDir, '--out', out]);
    writing = false;
    const duringCount = await writer;
    assert.equal(backup.code, 0, backup.stderr);
    assert.match(backup.stdout, /backup written/);
    assert.ok(duringCount > 0);

    const again = await runCli(['backup', '--data', dataDir, '--out', out]);
    assert.notEqual(again.code, 0, 'refuses to overwrite');
    assert.match(again.stderr, /already exists/);

    const restoredDir = join(root, 'restored');
    mkdirSync(restoredDir);
    copyFileSync(out, join(restoredDir, 'parley.db'));
    const restored = await spawnNode({ dataDir: restoredDir, args: UNLIMITED });
    procs.push(restored);
    const api2 = new Api(restored.url);
    const alice2 = await api2.login('alice');
    const list = await api2.request('GET', '/api/v1/conversations', { token: alice2.token });
    assert.deepEqual(list.body.conversations.map((c: any) => c.id).sort(), [dm, group].sort());
    const history = await api2.fullHistory(alice2, dm);
    assert.deepEqual(
      history.map((m: any) => m.seq),
      before,
    );
    const bodies = (await api2.fullHistory(alice2, group)).map((m: any) => m.body);
    // A prefix of the concurrent writes: consistent, no holes.
    assert.deepEqual(
      bodies,
      bodies.map((_: string, i: number) => `during ${i}`),
    );
    await restored.kill('SIGTERM');
    await node.kill('SIGTERM');
  });

  it('[O4] SIGTERM: in-flight sends are acked, sockets close with 1001, the process exits 0', async () => {
    const dataDir = join(root, 'shutdown');
    const { node, alice, dm } = await pairOn(dataDir);
    const { client } = await WsClient.open(node.url, alice.token);
    for (let i = 0; i < 50; i++)
      client.send({ type: 'send', conversationId: dm, clientMsgId: `s${i}`, body: `m${i}` });
    await client.next((f) => f.type === 'ack');
    node.proc.kill('SIGTERM');
    const code = await client.closed();
    assert.equal(code, 1001);
    const exit = await node.exited;
    assert.equal(exit.code, 0);
    const acked = client.all('ack').map((f) => f.clientMsgId as string);

    const again = await spawnNode({ dataDir, args: UNLIMITED });
    procs.push(again);
    const api2 = new Api(again.url);
    const alice2 = await api2.login('alice');
    const stored = new Set((await api2.fullHistory(alice2, dm)).map((m: any) => m.clientMsgId));
    for (const id of acked) assert.ok(stored.has(id), `acked ${id} was stored`);
    await again.kill('SIGTERM');
  });

  it('[O2][S4] logs are JSON lines with node id, request id and user id, and never a password or token', async () => {
    const dataDir = join(root, 'logs');
    // request lines of successful requests are debug (rule O2)
    const node = await spawnNode({ dataDir, args: [...UNLIMITED, '--log-level', 'debug'] });
    procs.push(node);
    const api = new Api(node.url);
    const password = 'very-secret-password';
    const alice = await api.signup('alice', password);
    await api.request('GET', '/api/v1/me', { token: alice.token });
    await api.request('POST', '/api/v1/auth/login', {
      body: { username: 'alice', password: 'wrong-password-here' },
    });
    await node.kill('SIGTERM');
    const entries = node.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.ok(entries.every((e) => e.node === 'proc'));
    const me = entries.find((e) => e.event === 'http' && e.path === '/api/v1/me');
    assert.ok(me?.requestId);
    assert.equal(me?.userId, alice.id);
    assert.ok(entries.some((e) => e.event === 'user.registered'));
    assert.ok(entries.some((e) => e.event === 'login.failed'));
    const text = node.lines.join('\n');
    assert.ok(!text.includes(password));
    assert.ok(!text.includes('wrong-password-here'));
    assert.ok(!text.includes(alice.token));
  });

  it('[O1] invalid configuration stops the node at start with a message naming the option', async () => {
    const result = await runCli([
      'serve',
      '--port',
      'eighty',
      '--log-level',
      'loud',
      '--data',
      join(root, 'x'),
    ]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--port \/ PARLEY_PORT/);
    assert.match(result.stderr, /--log-level \/ PARLEY_LOG_LEVEL/);
    const env = await runCli(['serve', '--data', join(root, 'x')], {
      env: { PARLEY_MAX_MESSAGE_CHARS: '-5' },
    });
    assert.equal(env.code, 2);
    assert.match(env.stderr, /PARLEY_MAX_MESSAGE_CHARS/);
  });
});
