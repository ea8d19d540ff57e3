import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { exportToFile, importFromFile } from '../../src/cli/export.js';
import { ARCHIVE_TABLES, readTable } from '../../src/adapters/sql/archive.js';
import { openSource, type ArchiveLocation } from '../../src/node/archive-stores.js';
import { startPostgres, type PostgresServer } from '../../src/supervisor/postgres-server.js';
import { Api, uniqueName, type TestUser } from '../helpers/api.js';
import { runCli } from '../helpers/process.js';
import { startTestNode, type TestNode } from '../helpers/node.js';

/** Every row of every archived table of a store, keyed by table then primary key. */
async function snapshot(where: ArchiveLocation): Promise<Map<string, Map<string, unknown>>> {
  const source = openSource(where);
  try {
    const out = new Map<string, Map<string, unknown>>();
    for (const table of ARCHIVE_TABLES) {
      const rows = new Map<string, unknown>();
      for await (const row of readTable(source.db, table)) {
        const clean: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(row)) {
          if (k === 'search_vector') continue;
          clean[k] = v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v;
        }
        rows.set(JSON.stringify(table.key.map((k) => row[k])), clean);
      }
      out.set(table.name, rows);
    }
    return out;
  } finally {
    await source.close();
  }
}

describe('parley export / import: SQLite to PostgreSQL round trip', () => {
  const work = mkdtempSync(join(tmpdir(), 'parley-export-'));
  let pgServer: PostgresServer;
  let node: TestNode;
  let api: Api;
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;
  let dm: string;
  let group: string;
  let fileId: string;
  let image: Buffer;
  const archive = join(work, 'parley.ndjson');

  before(async () => {
    pgServer = await startPostgres();
    node = await startTestNode();
    api = new Api(node.url);
    alice = await api.signup(uniqueName('alice'), 'alice password 1');
    bob = await api.signup(uniqueName('bob'), 'bob password 2');
    carol = await api.signup(uniqueName('carol'), 'carol password 3');
    dm = await api.dm(alice, bob.username);
    group = await api.group(alice, uniqueName('g'), [bob.username, carol.username]);

    const ok = (res: { status: number; body: unknown }, ...statuses: number[]) =>
      assert.ok(statuses.includes(res.status), `${res.status} ${JSON.stringify(res.body)}`);
    const msgPath = (id: string, seq: number) => `/api/v1/conversations/${id}/messages/${seq}`;
    const first = await api.send(alice, dm, 'hello bob');
    ok(first, 201);
    ok(await api.send(bob, dm, 'hi alice, café ünïcode 🎉'), 201);
    const edited = await api.send(alice, dm, 'a typo');
    ok(
      await api.request('PATCH', msgPath(dm, edited.body.message.seq), {
        token: alice.token,
        body: { body: 'no typo' },
      }),
      200,
    );
    const gone = await api.send(bob, dm, 'regret this');
    ok(
      await api.request('DELETE', msgPath(dm, gone.body.message.seq), { token: bob.token }),
      200,
      204,
    );
    const reply = await api.request('POST', `/api/v1/conversations/${dm}/messages`, {
      token: bob.token,
      body: { clientMsgId: 'reply-1', body: 'answering', replyTo: first.body.message.seq },
    });
    ok(reply, 201);
    ok(
      await api.request(
        'PUT',
        `${msgPath(dm, first.body.message.seq)}/reactions/${encodeURIComponent('👍')}`,
        { token: bob.token },
      ),
      200,
      201,
      204,
    );
    ok(await api.send(alice, group, `hey @${bob.username} and @${carol.username}, lunch?`), 201);
    ok(await api.send(carol, group, 'deploy is green'), 201);

    image = await sharp({ create: { width: 320, height: 200, channels: 3, background: '#36c' } })
      .png()
      .toBuffer();
    const up = await fetch(`${node.url}/api/v1/files?name=${encodeURIComponent('chart.png')}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${carol.token}`, 'content-type': 'image/png' },
      body: new Uint8Array(image),
    });
    assert.equal(up.status, 201);
    fileId = ((await up.json()) as { file: { id: string } }).file.id;
    ok(
      await api.request('POST', `/api/v1/conversations/${group}/messages`, {
        token: carol.token,
        body: { clientMsgId: crypto.randomUUID(), body: 'the chart', attachments: [fileId] },
      }),
      201,
    );
    ok(
      await api.request('POST', `/api/v1/conversations/${group}/read`, {
        token: bob.token,
        body: { seq: first.body.message.seq },
      }),
      200,
      204,
    );
    ok(
      await api.request('PUT', `/api/v1/conversations/${group}/mute`, {
        token: carol.token,
        body: { muted: true },
      }),
      200,
    );
  });

  after(async () => {
    await node?.dispose();
    await pgServer?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  const sqliteAt = (): ArchiveLocation => ({ dataDir: node.dataDir, store: 'sqlite' });

  it('[EX1][EX3][EX4][EX5] exports while the node runs, imports into PostgreSQL, every row identical', async () => {
    const { counts } = await exportToFile(sqliteAt(), archive);
    assert.equal(counts.users, 3);
    assert.ok((counts.blob_chunks ?? 0) >= 1);
    const lines = readFileSync(archive, 'utf8').trimEnd().split('\n');
    const header = JSON.parse(lines[0]!);
    assert.equal(header.format, 'parley-export');
    assert.equal(header.version, 1);
    assert.equal(header.engine, 'sqlite');
    assert.match(header.schemaMigration, /^0\d{3}_/);
    assert.deepEqual(JSON.parse(lines.at(-1)!), { end: true, counts });
    assert.ok(
      !lines.some((l) => l.startsWith('{"t":"sessions"')),
      'sessions are not exported (EX2)',
    );

    const url = await pgServer.createDatabase('roundtrip');
    const imported = await importFromFile({ dataDir: work, store: url }, archive);
    assert.deepEqual(imported, counts);

    const before = await snapshot(sqliteAt());
    const after = await snapshot({ dataDir: work, store: url });
    for (const table of ARCHIVE_TABLES) {
      const a = before.get(table.name)!;
      const b = after.get(table.name)!;
      assert.equal(b.size, a.size, `${table.name}: row count`);
      for (const [key, row] of a) assert.deepEqual(b.get(key), row, `${table.name} ${key}`);
    }
    assert.equal(before.get('messages')!.size, 8);
  });

  it('[EX4] refuses a store that is not empty, and a truncated or foreign archive', async () => {
    const url = pgServer.urlFor('roundtrip');
    await assert.rejects(importFromFile({ dataDir: work, store: url }, archive), /not empty/);

    const lines = readFileSync(archive, 'utf8').trimEnd().split('\n');
    const cut = join(work, 'cut.ndjson');
    writeFileSync(cut, lines.slice(0, -1).join('\n') + '\n');
    const empty = mkdtempSync(join(work, 'empty-'));
    await assert.rejects(importFromFile({ dataDir: empty, store: 'sqlite' }, cut), /truncated/);
    // The failed import left nothing behind: the store is still empty and takes the archive.
    const foreign = join(work, 'foreign.ndjson');
    writeFileSync(foreign, '{"hello":"world"}\n');
    await assert.rejects(
      importFromFile({ dataDir: empty, store: 'sqlite' }, foreign),
      /not a Parley export/,
    );
    const counts = await importFromFile({ dataDir: empty, store: 'sqlite' }, archive);
    assert.equal(counts.users, 3);
  });

  it('[EX5] a node on the PostgreSQL store serves the same history; old passwords log in', async () => {
    const url = pgServer.urlFor('roundtrip');
    const histories = new Map<string, unknown[]>();
    for (const [user, id] of [
      [alice, dm],
      [bob, dm],
      [alice, group],
      [carol, group],
    ] as const)
      histories.set(`${user.username}/${id}`, await api.fullHistory(user, id));
    const summaries = await api.request('GET', '/api/v1/conversations', { token: bob.token });

    const pgNode = await startTestNode({ config: { store: url } });
    try {
      const pgApi = new Api(pgNode.url);
      const users = {
        alice: await pgApi.login(alice.username, alice.password),
        bob: await pgApi.login(bob.username, bob.password),
        carol: await pgApi.login(carol.username, carol.password),
      };
      for (const [who, user] of Object.entries(users)) {
        for (const id of [dm, group]) {
          const key = `${user.username}/${id}`;
          if (!histories.has(key)) continue;
          assert.deepEqual(await pgApi.fullHistory(user, id), histories.get(key), `${who} ${id}`);
        }
      }
      const pgSummaries = await pgApi.request('GET', '/api/v1/conversations', {
        token: users.bob.token,
      });
      assert.deepEqual(pgSummaries.body, summaries.body);
      const download = await fetch(`${pgNode.url}/api/v1/files/${fileId}`, {
        headers: { authorization: `Bearer ${users.bob.token}` },
      });
      assert.equal(download.status, 200);
      const bytes = Buffer.from(await download.arrayBuffer());
      const fromSqlite = await fetch(`${node.url}/api/v1/files/${fileId}`, {
        headers: { authorization: `Bearer ${bob.token}` },
      });
      assert.deepEqual(bytes, Buffer.from(await fromSqlite.arrayBuffer()));
      assert.equal((await sharp(bytes).metadata()).width, 320);
      // A new message continues the seq where the old store stopped.
      const next = await pgApi.send(users.alice, group, 'after the move');
      assert.equal(next.status, 201);
      const last = histories.get(`${alice.username}/${group}`)!.at(-1) as { seq: number };
      assert.ok(next.body.message.seq > last.seq);
      // Search works from the rebuilt index.
      const found = await pgApi.request('GET', `/api/v1/search?q=deploy`, {
        token: users.alice.token,
      });
      assert.equal(found.status, 200, JSON.stringify(found.body));
      assert.equal(found.body.results?.length ?? found.body.messages?.length, 1);
    } finally {
      await pgNode.dispose();
    }
  });
  it('[EX1][EX4] the commands: export while messages are being sent, import, refuse again', async () => {
    let writing = true;
    let sent = 0;
    const writer = (async () => {
      while (writing) {
        const res = await api.send(alice, dm, `during ${sent}`);
        assert.equal(res.status, 201);
        sent += 1;
      }
    })();
    const out = join(work, 'cli.ndjson');
    const exported = await runCli(['export', '--data', node.dataDir, '--out', out]);
    writing = false;
    await writer;
    assert.equal(exported.code, 0, exported.stderr);
    assert.match(exported.stdout, /export written/);
    const again = await runCli(['export', '--data', node.dataDir, '--out', out]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already exists/);

    // The snapshot is consistent: every conversation's last_seq matches its newest row.
    const target = mkdtempSync(join(work, 'cli-target-'));
    const imported = await runCli(['import', '--data', target, '--in', out]);
    assert.equal(imported.code, 0, imported.stderr);
    assert.match(imported.stdout, /imported: users 3/);
    const refused = await runCli(['import', '--data', target, '--in', out]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /not empty/);
    const badStore = await runCli(['import', '--store', 'mysql://x', '--in', out]);
    assert.equal(badStore.code, 1);
    assert.match(badStore.stderr, /--store must be sqlite or a postgres/);
  });
  it('[EX1][EX5] and back: PostgreSQL exported (REPEATABLE READ snapshot) into SQLite, rows identical', async () => {
    const url = pgServer.urlFor('roundtrip');
    const out = join(work, 'from-pg.ndjson');
    const { counts } = await exportToFile({ dataDir: work, store: url }, out);
    assert.equal(JSON.parse(readFileSync(out, 'utf8').split('\n')[0]!).engine, 'postgres');
    const target = mkdtempSync(join(work, 'back-'));
    assert.deepEqual(await importFromFile({ dataDir: target, store: 'sqlite' }, out), counts);
    const a = await snapshot({ dataDir: work, store: url });
    const b = await snapshot({ dataDir: target, store: 'sqlite' });
    for (const table of ARCHIVE_TABLES)
      assert.deepEqual([...b.get(table.name)!], [...a.get(table.name)!], table.name);
  });
  it('[EX1] a PostgreSQL export taken while a node on it writes is one consistent snapshot', async () => {
    const url = pgServer.urlFor('roundtrip');
    const pgNode = await startTestNode({ config: { store: url } });
    try {
      const pgApi = new Api(pgNode.url);
      const me = await pgApi.login(alice.username, alice.password);
      let writing = true;
      let sent = 0;
      const writer = (async () => {
        while (writing) {
          assert.equal((await pgApi.send(me, group, `pg during ${sent}`)).status, 201);
          sent += 1;
        }
      })();
      while (sent < 3) await pgApi.send(me, group, 'warm up');
      const out = join(work, 'pg-live.ndjson');
      await exportToFile({ dataDir: work, store: url }, out);
      writing = false;
      await writer;
      // The import checks every conversation's last_seq against its newest message and event.
      const target = mkdtempSync(join(work, 'pg-live-'));
      const counts = await importFromFile({ dataDir: target, store: 'sqlite' }, out);
      assert.ok((counts.messages ?? 0) > 8);
    } finally {
      await pgNode.dispose();
    }
  });
});
