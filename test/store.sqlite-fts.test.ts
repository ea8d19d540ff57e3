import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { FtsIndexer, INDEX_CHUNK } from '../src/adapters/sqlite/fts-indexer.js';
import { migrate } from '../src/adapters/sql/migrations.js';
import type { Database } from '../src/adapters/sql/schema.js';

/**
 * SQLite's search index filled behind the sends (migration 0007): whatever mix of sends, edits
 * and deletes ran before or after a pass of the indexer, once it caught up the FTS5 index holds
 * exactly the messages table's text (FTS5's own integrity check against the content table).
 */
describe('SQLite: the search index filled behind the sends', () => {
  let dir = '';
  let db: Kysely<Database>;
  let indexer: FtsIndexer;
  let n = 0;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-fts-'));
    db = new Kysely<Database>({
      dialect: new SqliteDialect({ database: new BetterSqlite3(join(dir, 'parley.db')) }),
    });
    await migrate(db);
    indexer = new FtsIndexer(db);
    await sql`insert into users (id, username, password_hash, created_at) values ('u', 'u', 'x', 1)`.execute(
      db,
    );
    await sql`insert into conversations (id, kind, name, created_by, created_at, last_seq, last_message_at)
      values ('c', 'group', 'g', 'u', 1, 0, 1)`.execute(db);
  });
  after(async () => {
    await indexer.close();
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  async function send(text: string): Promise<number> {
    n++;
    await sql`insert into messages (id, conversation_id, seq, sender_id, client_msg_id, body, search_text, created_at)
      values (${`m${String(n).padStart(6, '0')}`}, 'c', ${n}, 'u', ${`k${n}`}, ${text}, ${text}, 1)`.execute(
      db,
    );
    const { rows } = await sql<{ r: number }>`select max(rowid) as r from messages`.execute(db);
    return Number(rows[0]!.r);
  }
  const edit = (rowid: number, text: string) =>
    sql`update messages set body = ${text}, search_text = ${text} where rowid = ${rowid}`.execute(
      db,
    );
  const remove = (rowid: number) => sql`delete from messages where rowid = ${rowid}`.execute(db);
  async function found(token: string): Promise<number[]> {
    const { rows } = await sql<{ rowid: number }>`
      select rowid from messages_fts where messages_fts match ${`"${token}"*`} order by rowid`.execute(
      db,
    );
    return rows.map((r) => Number(r.rowid));
  }
  async function upto(): Promise<number> {
    const { rows } = await sql<{ upto: number }>`select upto from messages_fts_indexed`.execute(db);
    return Number(rows[0]!.upto);
  }
  /** FTS5's check of the index against the content table (`rank` 1: the content too). */
  const integrityCheck = () =>
    sql`insert into messages_fts(messages_fts, rank) values ('integrity-check', 1)`.execute(db);

  it('[Q1] a message is searchable once the indexer caught up, not by its own transaction', async () => {
    const a = await send('alpha one');
    assert.deepEqual(await found('alpha'), [], 'the send itself left the index alone');
    await indexer.catchUp();
    assert.deepEqual(await found('alpha'), [a]);
    assert.equal(await upto(), a);
    await integrityCheck();
  });

  it('[Q1] edits and deletes before and after indexing leave the index exact', async () => {
    const indexed = await send('bravo kept');
    const doomed = await send('charlie doomed');
    await indexer.catchUp();
    const pending = await send('delta first');
    const pendingDoomed = await send('echo gone');
    await edit(indexed, 'foxtrot edited'); // indexed: the trigger updates the index
    await remove(doomed); // indexed: the trigger removes it
    await edit(pending, 'golf second'); // not indexed yet: left to the indexer
    await remove(pendingDoomed); // never indexed
    await integrityCheck().then(
      () => assert.fail('rows above upto are not indexed yet, so the check must fail'),
      () => undefined,
    );
    await indexer.catchUp();
    await integrityCheck();
    assert.deepEqual(await found('bravo'), []);
    assert.deepEqual(await found('foxtrot'), [indexed]);
    assert.deepEqual(await found('charlie'), []);
    assert.deepEqual(await found('delta'), []);
    assert.deepEqual(await found('golf'), [pending]);
    assert.deepEqual(await found('echo'), []);
  });

  it('[Q1] a rowid SQLite reuses below upto is indexed by its trigger at once', async () => {
    const last = await send('hotel last');
    await indexer.catchUp();
    await remove(last);
    const reused = await send('india reused');
    assert.equal(reused, last, 'SQLite gave the deleted last row’s rowid to the next insert');
    assert.deepEqual(await found('india'), [reused], 'indexed without a pass of the indexer');
    await integrityCheck();
  });

  it('[Q1] a backlog larger than a chunk is indexed chunk by chunk, every row once', async () => {
    const first = await send('juliet 0');
    for (let i = 1; i < INDEX_CHUNK * 2 + 7; i++) await send(`juliet ${i}`);
    await indexer.catchUp();
    const rows = await found('juliet');
    assert.equal(rows.length, INDEX_CHUNK * 2 + 7);
    assert.equal(rows[0], first);
    await integrityCheck();
  });

  it('[Q1] the timer indexes without a search asking', async () => {
    const row = await send('kilo timer');
    indexer.start();
    const deadline = Date.now() + 10_000;
    while ((await found('kilo')).length === 0) {
      assert.ok(Date.now() < deadline, 'indexed by the timer within 10 s');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.deepEqual(await found('kilo'), [row]);
    await indexer.close();
  });
});
