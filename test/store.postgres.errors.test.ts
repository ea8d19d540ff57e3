import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { isPostgresUnavailable } from '../src/adapters/postgres/errors.js';
import { KEEPALIVE_DELAY_MS, openPostgresStore } from '../src/adapters/postgres/postgres-store.js';
import { parseSynchronousStandbyNames } from '../src/adapters/postgres/replication.js';
import { startPostgres, type PostgresServer } from '../src/supervisor/postgres-server.js';
import { freePort } from '../src/supervisor/free-port.js';
import { waitUntil } from '../src/supervisor/processes.js';

/** The error `run` rejects with (it must reject). */
async function errorOf(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (err) {
    return err;
  }
  assert.fail('expected an error');
}

/** A connected client of the throwaway server; ended by the caller. */
async function client(url: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: url });
  c.on('error', () => undefined);
  await c.connect();
  return c;
}

describe('PostgreSQL errors: what counts as unavailable', () => {
  let server: PostgresServer;
  before(async () => {
    server = await startPostgres();
  });
  after(async () => {
    await server?.stop();
  });

  it('[K7] a write in a read-only session (25006, a standby or a primary restarting as one) is unavailable', async () => {
    const c = await client(server.url);
    try {
      await c.query('set session characteristics as transaction read only');
      const err = await errorOf(() => c.query('create table t (x int)'));
      assert.equal((err as { code?: string }).code, '25006');
      assert.ok(isPostgresUnavailable(err));
      // As the store surfaces it: a failed statement wrapped by the transaction that rolled back.
      assert.ok(isPostgresUnavailable(new Error('rolled back', { cause: err })));
    } finally {
      await c.end();
    }
  });

  it('[K7] a backend terminated by an administrator or a fast shutdown (57P01), and the connection it leaves, are unavailable', async () => {
    const victim = await client(server.url);
    const admin = await client(server.url);
    try {
      const pid = Number((await victim.query('select pg_backend_pid() as pid')).rows[0].pid);
      const sleeping = errorOf(() => victim.query('select pg_sleep(30)'));
      await waitUntil(
        async () =>
          (
            await admin.query(
              `select pg_terminate_backend(pid) as done from pg_stat_activity where pid = $1 and state = 'active'`,
              [pid],
            )
          ).rows.length === 1,
        { timeoutMs: 10_000, what: 'the sleeping backend terminated' },
      );
      const err = await sleeping;
      assert.equal((err as { code?: string }).code, '57P01');
      assert.ok(isPostgresUnavailable(err));
      const after = await errorOf(() => victim.query('select 1'));
      assert.ok(isPostgresUnavailable(after), String(after));
    } finally {
      await Promise.all([victim.end().catch(() => undefined), admin.end()]);
    }
  });

  it('[K7] too many connections (53300) and a refused connection (ECONNREFUSED) are unavailable', async () => {
    await server.psql('create role limited login connection limit 0');
    const limited = new pg.Client({ connectionString: server.url.replace('parley@', 'limited@') });
    const tooMany = await errorOf(() => limited.connect());
    assert.equal((tooMany as { code?: string }).code, '53300');
    assert.ok(isPostgresUnavailable(tooMany));

    const port = await freePort();
    const refused = await errorOf(() =>
      new pg.Client({ connectionString: `postgres://parley@127.0.0.1:${port}/parley` }).connect(),
    );
    assert.equal((refused as { code?: string }).code, 'ECONNREFUSED');
    assert.ok(isPostgresUnavailable(refused));
  });

  it('[K7] connection exceptions (class 08) and "cannot connect now" (57P03) are unavailable', () => {
    // The server sends these while it starts, stops or loses a session; built as pg builds them.
    for (const code of ['08006', '08003', '08P01', '57P03', '57P02']) {
      const err = Object.assign(new pg.DatabaseError('server says no', 0, 'error'), { code });
      assert.ok(isPostgresUnavailable(err), code);
    }
  });

  it('[K7] errors of the request itself are not unavailable', async () => {
    const c = await client(server.url);
    try {
      await c.query('create table once (id int primary key)');
      await c.query('insert into once values (1)');
      const errors = [
        await errorOf(() => c.query('insert into once values (1)')), // 23505
        await errorOf(() => c.query('select * from missing')), // 42P01
        await errorOf(() => c.query(`select 'x'::int`)), // 22P02
        await errorOf(() => c.query('selec 1')), // 42601
      ];
      assert.deepEqual(
        errors.map((e) => (e as { code?: string }).code),
        ['23505', '42P01', '22P02', '42601'],
      );
      for (const err of errors) assert.equal(isPostgresUnavailable(err), false, String(err));
    } finally {
      await c.end();
    }
  });

  it('[K10] synchronous_standby_names is read as the number of standbys a commit waits for', () => {
    const cases: Array<[string, number]> = [
      ['', 0],
      ['*', 1],
      ['m2', 1],
      ['m2, m3', 1],
      ['2 (m2, m3)', 2],
      ['FIRST 2 (m2,m3,m4)', 2],
      ['any 3 (a, b, c, d)', 3],
      ['"node-2"', 1],
    ];
    for (const [setting, count] of cases)
      assert.equal(parseSynchronousStandbyNames(setting), count, setting);
  });

  it('[K7] every database connection, pooled or holding a lease, probes an idle peer after KEEPALIVE_DELAY_MS (real sockets)', async (t) => {
    if (process.platform !== 'linux') return t.skip('reads /proc/net/tcp');
    const url = await server.createDatabase('keepalive');
    const store = await openPostgresStore(url, { poolSize: 2 });
    const plain = await client(url);
    try {
      const lease = await store.tryLease('keepalive-test');
      assert.ok(lease);
      await store.getUserById('nobody');
      const sockets = clientSockets(server.port);
      const plainPort = (plain as unknown as { connection: { stream: { localPort: number } } })
        .connection.stream.localPort;
      const ours = sockets.filter((s) => s.localPort !== plainPort);
      assert.ok(ours.length >= 2, `a pooled and a lease connection (found ${ours.length})`);
      for (const s of ours) {
        assert.equal(s.timer, 2, `keepalive timer armed on local port ${s.localPort}`);
        assert.ok(s.dueMs <= KEEPALIVE_DELAY_MS, `first probe within ${s.dueMs} ms`);
      }
      // A connection made without the store's settings has no keepalive timer: the check can fail.
      assert.equal(sockets.find((s) => s.localPort === plainPort)?.timer, 0);
      await lease.release();
    } finally {
      await plain.end();
      await store.close();
    }
  });
});

/** Established TCP connections of this machine to 127.0.0.1:`port`, from /proc/net/tcp. */
function clientSockets(port: number): Array<{ localPort: number; timer: number; dueMs: number }> {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  return readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((f) => f[2] === `0100007F:${hexPort}` && f[3] === '01')
    .map((f) => {
      const [timer = '0', when = '0'] = (f[5] ?? '').split(':');
      // The timer's due time is in clock ticks (USER_HZ, 100 per second).
      return {
        localPort: parseInt(f[1]!.split(':')[1]!, 16),
        timer: parseInt(timer, 16),
        dueMs: parseInt(when, 16) * 10,
      };
    });
}
