import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { startPostgres, type PostgresServer } from '../../src/supervisor/postgres-server.js';
import { freePort } from '../../src/supervisor/free-port.js';
import { waitUntil } from '../../src/supervisor/processes.js';
import { Api, uniqueName, type TestUser } from '../helpers/api.js';
import { startTestNode, type TestNode } from '../helpers/node.js';

// The chat node when PostgreSQL misbehaves as it does around a failover: read-only (a primary
// back as a standby), commits waiting for a synchronous standby that is not there, not there
// at all when the node starts, fewer synchronous standbys than the operator requires.

let server: PostgresServer;
let databases = 0;
const nodes: TestNode[] = [];

before(async () => {
  server = await startPostgres();
});
after(async () => {
  for (const node of nodes) await node.dispose().catch(() => undefined);
  await server?.stop();
});

/** A node of its own on a fresh database of the file's server. */
async function nodeOnFreshDatabase(config: Record<string, string | number> = {}) {
  const url = await server.createDatabase(`faults_${++databases}`);
  return startNodeOn(url, config);
}

async function startNodeOn(url: string, config: Record<string, string | number> = {}) {
  const node = await startTestNode({
    config: { store: url, nodeId: `faults-${nodes.length + 1}`, ...config },
  });
  nodes.push(node);
  return node;
}

/** A server-wide setting changed and reloaded, as an operator (or Patroni) would. */
async function setSystem(name: string, value: string | null): Promise<void> {
  await server.psql(
    value === null ? `alter system reset ${name}` : `alter system set ${name} = '${value}'`,
  );
  await server.psql('select pg_reload_conf()');
}

/** GET /readyz, with how long it took. */
async function readyz(url: string) {
  const started = performance.now();
  const res = await fetch(`${url}/readyz`);
  const body = (await res.json()) as {
    status: string;
    checks: Record<string, string>;
    durability?: Record<string, number>;
  };
  return { status: res.status, body, ms: performance.now() - started };
}

async function untilReady(url: string, what: string, check = 'ok'): Promise<void> {
  await waitUntil(async () => (await readyz(url)).body.checks.store === check, {
    timeoutMs: 30_000,
    what,
  });
}

/** Two users and a DM between them. */
async function dmOf(api: Api): Promise<{ alice: TestUser; bob: TestUser; dm: string }> {
  const alice = await api.signup(uniqueName('alice'));
  const bob = await api.signup(uniqueName('bob'));
  return { alice, bob, dm: await api.dm(alice, bob.username) };
}

describe('cluster mode: the chat node when PostgreSQL fails over', () => {
  it('[K7] a read-only database (a crashed primary back as a standby): sends answer 503 unavailable, not 500, and /readyz says read_only', async () => {
    const node = await nodeOnFreshDatabase();
    const api = new Api(node.url);
    const { alice, dm } = await dmOf(api);
    assert.equal((await api.send(alice, dm, 'before')).status, 201);

    await setSystem('default_transaction_read_only', 'on');
    try {
      // Existing sessions take the reloaded setting at their next statement.
      const refused = await api.send(alice, dm, 'while read-only', 'ro-1');
      assert.equal(refused.status, 503, JSON.stringify(refused.body));
      assert.equal(refused.body.error.code, 'unavailable');
      await untilReady(node.url, '/readyz to report read_only', 'read_only');
      assert.equal((await readyz(node.url)).status, 503);
    } finally {
      await setSystem('default_transaction_read_only', null);
    }
    await untilReady(node.url, '/readyz ok again');
    const retried = await api.send(alice, dm, 'while read-only', 'ro-1');
    assert.equal(retried.status, 201, 'the refused send was not stored');
  });

  it('[K7][G3] commits waiting for a missing synchronous standby: sends answer 503 within --store-timeout, /readyz within its own timeout, and the waiting commit lands once (found by the retry)', async () => {
    const timeoutMs = 1_000;
    const node = await nodeOnFreshDatabase({ storeTimeoutMs: timeoutMs });
    const api = new Api(node.url);
    const { alice, bob, dm } = await dmOf(api);

    await setSystem('synchronous_standby_names', 'nobody');
    try {
      const started = performance.now();
      const waiting = await api.send(alice, dm, 'waits for a standby', 'sync-1');
      const tookMs = performance.now() - started;
      assert.equal(waiting.status, 503, JSON.stringify(waiting.body));
      assert.equal(waiting.body.error.code, 'unavailable');
      assert.ok(
        tookMs >= timeoutMs * 0.9 && tookMs < timeoutMs + 1_500,
        `answered in ${tookMs} ms`,
      );

      // Every write now holds a pooled connection until the standby comes: exhaust the pool.
      const signups = await Promise.all(
        Array.from({ length: 12 }, () =>
          api.request('POST', '/api/v1/auth/register', {
            body: { username: uniqueName('late'), password: 'correct horse' },
          }),
        ),
      );
      assert.deepEqual(new Set(signups.map((r) => r.status)), new Set([503]));

      // /readyz answers within its own timeout (at most the store's), whatever holds the pool.
      const reasons = new Set<string>();
      await waitUntil(
        async () => {
          const ready = await readyz(node.url);
          assert.equal(ready.status, 503);
          assert.ok(ready.ms < timeoutMs + 1_000, `/readyz answered in ${ready.ms} ms`);
          reasons.add(ready.body.checks.store!);
          return ready.body.checks.store === 'timeout';
        },
        { timeoutMs: 20_000, what: '/readyz to report the store timing out' },
      );
      for (const reason of reasons) assert.match(reason, /^(sync_standbys_missing|timeout)$/);
      const history = await api.history(bob, dm);
      assert.equal(history.status, 503, 'reads wait for the pool too, and are answered in time');
    } finally {
      await setSystem('synchronous_standby_names', null);
    }
    await untilReady(node.url, '/readyz ok once commits stop waiting');
    const retried = await api.send(alice, dm, 'waits for a standby', 'sync-1');
    assert.equal(retried.status, 200, 'the retry found the commit that waited');
    const stored = (await api.fullHistory(bob, dm)).filter((m) => m.body === 'waits for a standby');
    assert.equal(stored.length, 1, 'stored once');
    assert.equal(stored[0].id, retried.body.message.id);
  });

  it('[K7] a node started while PostgreSQL is unreachable runs, is not ready, retries with backoff (logged), and serves once the database appears', async () => {
    const port = await freePort();
    const lines: Array<Record<string, unknown>> = [];
    const log = pino(
      { level: 'info', base: { node: 'late-db' } },
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          for (const line of chunk.toString().split('\n').filter(Boolean))
            lines.push(JSON.parse(line) as Record<string, unknown>);
          done();
        },
      }),
    );
    const node = await startTestNode({
      config: { store: `postgres://parley@127.0.0.1:${port}/parley`, nodeId: 'late-db' },
      overrides: { log },
    });
    nodes.push(node);
    const notReady = await readyz(node.url);
    assert.equal(notReady.status, 503);
    assert.equal(notReady.body.checks.store, 'unreachable');
    const api = new Api(node.url);
    const early = await api.request('POST', '/api/v1/auth/register', {
      body: { username: uniqueName('early'), password: 'correct horse' },
    });
    assert.equal(early.status, 503);
    assert.equal(early.body.error.code, 'unavailable');
    await waitUntil(() => Promise.resolve(retries().length >= 2), {
      timeoutMs: 10_000,
      what: 'two logged retries',
    });
    const [first, second] = retries();
    assert.ok(Number(second!.retryInMs) > Number(first!.retryInMs) / 2, 'backing off');

    const late = await startPostgres({ port });
    try {
      await untilReady(node.url, '/readyz ok once PostgreSQL is there');
      assert.ok(lines.some((l) => l.event === 'store.opened'));
      const { alice, dm } = await dmOf(api);
      assert.equal((await api.send(alice, dm, 'at last')).status, 201);
    } finally {
      await node.dispose();
      nodes.splice(nodes.indexOf(node), 1);
      await late.stop();
    }

    function retries() {
      return lines.filter((l) => l.event === 'store.open_retry');
    }
  });

  it('[K10] --require-sync-standbys 1 without a standby: writes answer 503 and /readyz and /metrics say why; reads are served; with 0 writes work', async () => {
    const url = await server.createDatabase(`faults_${++databases}`);
    const relaxed = await startNodeOn(url);
    const strict = await startNodeOn(url, { requireSyncStandbys: 1 });
    const { alice, bob, dm } = await dmOf(new Api(relaxed.url));
    const strictApi = new Api(strict.url);

    await waitUntil(async () => (await readyz(strict.url)).body.durability !== undefined, {
      timeoutMs: 10_000,
      what: 'the first reading of the replication state',
    });
    const ready = await readyz(strict.url);
    assert.equal(ready.status, 503);
    assert.equal(ready.body.checks.store, 'sync_standbys_missing');
    assert.deepEqual(ready.body.durability, {
      syncStandbys: 0,
      configuredSyncStandbys: 0,
      requiredSyncStandbys: 1,
    });
    const refused = await strictApi.send(alice, dm, 'needs a standby');
    assert.equal(refused.status, 503, JSON.stringify(refused.body));
    assert.equal(refused.body.error.code, 'unavailable');
    assert.equal((await strictApi.history(bob, dm)).status, 200, 'reads are served');
    const metrics = await (await fetch(`${strict.url}/metrics`)).text();
    assert.match(metrics, /^parley_sync_standbys 0$/m);
    assert.match(metrics, /^parley_sync_standbys_required 1$/m);

    const relaxedReady = await readyz(relaxed.url);
    assert.equal(relaxedReady.status, 200);
    assert.equal(relaxedReady.body.durability?.requiredSyncStandbys, 0);
    assert.equal((await new Api(relaxed.url).send(alice, dm, 'no standby needed')).status, 201);
  });
});
