import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { trackedStatement, WalSync } from '../src/adapters/sqlite/wal-sync.js';

describe('WAL sync (SQLite commits made durable off the event loop)', () => {
  let dir: string;
  let sqlite: BetterSqlite3.Database;
  let sync: WalSync;
  const run = (sqlText: string, ...params: unknown[]) =>
    trackedStatement(sqlite, sqlite.prepare(sqlText), sync).run(...params);
  const all = (sqlText: string, ...params: unknown[]) =>
    trackedStatement(sqlite, sqlite.prepare(sqlText), sync).all(...params);

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'parley-wal-'));
    const file = join(dir, 'db.sqlite');
    sqlite = new BetterSqlite3(file);
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    sync = new WalSync(file);
    run('CREATE TABLE t (n INTEGER)');
  });
  after(async () => {
    await sync.close();
    sqlite.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('[G1] an autocommit write needs an fsync; a read after it needs none', async () => {
    await sync.durable();
    const flushes = sync.flushes;
    run('INSERT INTO t VALUES (1)');
    await sync.durable();
    assert.equal(sync.flushes, flushes + 1);
    all('SELECT * FROM t');
    await sync.durable();
    assert.equal(sync.flushes, flushes + 1);
  });

  it('[G1] statements inside a transaction count once, at COMMIT', () => {
    const before = sync.commits;
    run('BEGIN');
    run('INSERT INTO t VALUES (2)');
    run('INSERT INTO t VALUES (3)');
    assert.equal(sync.commits, before);
    run('COMMIT');
    assert.equal(sync.commits, before + 1);
  });

  it('[G1] commits made before an fsync starts share it; one made during it waits for the next', async () => {
    await sync.durable();
    const flushes = sync.flushes;
    run('INSERT INTO t VALUES (4)');
    run('INSERT INTO t VALUES (5)');
    const first = sync.durable();
    const same = sync.durable();
    assert.equal(sync.flushes, flushes + 1);
    run('INSERT INTO t VALUES (6)');
    let secondDone = false;
    const second = sync.durable().then(() => (secondDone = true));
    const third = sync.durable();
    await Promise.all([first, same]);
    assert.equal(secondDone, false, 'the later commit was not covered by the earlier fsync');
    await Promise.all([second, third]);
    assert.equal(sync.flushes, flushes + 2);
  });
});
