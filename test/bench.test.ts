import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Argon2Hasher } from '../src/adapters/argon2/argon2-hasher.js';
import { MemoryBus } from '../src/adapters/memory-bus/memory-bus.js';
import { openPostgresStore } from '../src/adapters/postgres/postgres-store.js';
import { openSqliteStore, sqlitePath } from '../src/adapters/sqlite/sqlite-store.js';
import { generateHistory, pickTerms, searchQueries, VOCABULARY_SIZE } from '../src/bench/corpus.js';
import { parseBytes } from '../src/bench/options.js';
import type { RequestReport, RunReport } from '../src/bench/report.js';
import { ulid } from '../src/domain/ids.js';
import { DEFAULT_LIMITS } from '../src/domain/limits.js';
import type { Message, User } from '../src/domain/model.js';
import { createLogger } from '../src/log/logger.js';
import { seedHistory, type SeedStore } from '../src/node/seed-history.js';
import type { Store } from '../src/ports/store.js';
import { ConversationService } from '../src/services/conversations.js';
import { MessageService } from '../src/services/messages.js';
import { startPostgres, type PostgresServer } from '../src/supervisor/postgres-server.js';
import { runCli } from './helpers/process.js';

/**
 * `parley bench` end to end (rules B1, B2): it starts its own node, drives real clients from
 * worker processes and accounts for every delivery. Small and short runs: these check that the
 * tool measures and counts, not how fast anything is (the numbers are in docs/benchmarks.md).
 */
async function bench(args: string[]): Promise<RunReport[]> {
  const { code, stdout, stderr } = await runCli([
    'bench',
    '--spawn',
    'embedded',
    '--json',
    '--warmup',
    '0',
    ...args,
  ]);
  assert.equal(code, 0, `bench failed:\n${stderr}`);
  return JSON.parse(stdout) as RunReport[];
}

function assertAllDelivered(report: RunReport): void {
  assert.ok(report.acked > 0, 'some sends were acked');
  assert.equal(report.missing, 0, 'nothing missing');
  assert.equal(report.duplicates, 0, 'nothing duplicated');
  assert.deepEqual(report.errors, {});
  assert.ok(report.ackMs.count > 0 && report.e2eMs.count > 0, 'latencies recorded');
  assert.ok(report.ackMs.p50 <= report.ackMs.p99 && report.ackMs.p99 <= report.ackMs.max);
  assert.ok(report.server && report.server.rssMB > 0, 'the spawned node was sampled');
}

describe('parley bench [B1][B2]', () => {
  it('[W9] --flood: hostile sockets flood sync frames while measuring; the node refuses them, delivery is whole', async () => {
    const [report] = await bench([
      '--scenario',
      'pairs',
      '--clients',
      '4',
      '--rate',
      '20',
      '--duration',
      '2',
      '--flood',
      '2',
    ]);
    assertAllDelivered(report!);
    const flood = report!.flood!;
    assert.equal(flood.sockets, 2);
    assert.ok(flood.frames > 20, `${flood.frames} flood frames sent`);
    assert.ok(flood.refused > 0, 'past the burst the node refuses them (rate_limited)');
    assert.ok(flood.synced + flood.refused <= flood.frames);
  });

  it('pairs: every acked DM message is delivered once to its recipient; one report per rate', async () => {
    const reports = await bench([
      '--scenario',
      'pairs',
      '--clients',
      '6',
      '--rate',
      '30,60',
      '--duration',
      '1',
      '--workers',
      '2',
    ]);
    assert.deepEqual(
      reports.map((r) => [r.scenario, r.offeredRate, r.connections]),
      [
        ['pairs', 30, 6],
        ['pairs', 60, 6],
      ],
    );
    for (const report of reports) {
      assertAllDelivered(report);
      // In a DM the recipient receives each message once (the sender's own echo is not counted).
      assert.equal(report.expectedDeliveries, report.acked);
    }
  });

  it('group: each acked message is expected at every other member', async () => {
    const [report] = await bench([
      '--scenario',
      'group',
      '--clients',
      '4',
      '--group-size',
      '4',
      '--rate',
      '20',
      '--duration',
      '1',
    ]);
    assert.ok(report);
    assertAllDelivered(report);
    assert.equal(report.expectedDeliveries, report.acked * 3);
  });

  it('idle: holds the connections, then reports memory per connection', async () => {
    const [report] = await bench([
      '--scenario',
      'idle',
      '--clients',
      '40',
      '--sockets-per-user',
      '10',
      '--duration',
      '1',
    ]);
    assert.ok(report);
    assert.equal(report.scenario, 'idle');
    assert.equal(report.connections, 40);
    assert.equal(report.durationS, 1);
    assert.equal(report.connectMs.count, 40);
    assert.equal(typeof report.memoryPerConnectionKB, 'number');
    assert.equal(typeof report.heapPerConnectionKB, 'number');
  });

  it('bad options exit 2 with a message naming the option, before anything starts', async () => {
    for (const [args, names] of [
      [['--scenario', 'nope'], 'scenario'],
      [['--scenario', 'pairs', '--clients', '0'], 'clients'],
      [['--scenario', 'pairs', '--rate', '10,abc'], 'rates'],
      [['--scenario', 'pairs', '--duration', '601'], 'durationS'],
    ] as const) {
      const { code, stderr } = await runCli(['bench', '--spawn', 'embedded', ...args]);
      assert.equal(code, 2, `${args.join(' ')}: ${stderr}`);
      assert.match(stderr, new RegExp(`parley bench: .*${names}`), stderr);
    }
  });
});

function assertLatencies(name: string, k: RequestReport | undefined): RequestReport {
  assert.ok(k, `${name} measured`);
  assert.ok(k.ok > 0 && k.ms.count === k.ok, `${name}: ${k.ok} ok, ${k.ms.count} timed`);
  assert.ok(k.ms.p50 > 0 && k.ms.p50 <= k.ms.p99 && k.ms.p99 <= k.ms.max, `${name} percentiles`);
  assert.ok(k.perSec > 0, `${name} throughput`);
  return k;
}

describe('parley bench upload and search [B3]', () => {
  it('upload: files go up, come back whole and are deleted; uploads/s, MB/s and latency of each step', async () => {
    const size = 64 * 1024;
    const [report] = await bench([
      '--scenario',
      'upload',
      '--clients',
      '3',
      '--file-size',
      '64KiB',
      // Long enough for a whole upload, download and delete inside the window on a busy machine.
      '--duration',
      '3',
    ]);
    assert.ok(report);
    assert.equal(report.scenario, 'upload');
    assert.deepEqual(report.errors, {});
    const upload = assertLatencies('upload', report.requests?.upload);
    const download = assertLatencies('download', report.requests?.download);
    // Each file is deleted after its download, so its quota never fills.
    assertLatencies('delete', report.requests?.delete);
    // MB/s is the bytes of the uploads completed in the window over its length (rounded to 0.1).
    assert.ok(Math.abs(upload.mbPerSec! - (upload.ok * size) / 1e6 / report.durationS) <= 0.05);
    assert.ok(Math.abs(download.mbPerSec! - (download.ok * size) / 1e6 / report.durationS) <= 0.05);
    assert.ok(report.server && report.server.rssMB > 0, 'the spawned node was sampled');
  });

  it('search: seeds the history through the store, then times each query kind; results found', async () => {
    const [report] = await bench([
      '--scenario',
      'search',
      '--clients',
      '3',
      '--history',
      '3000',
      '--duration',
      '1',
    ]);
    assert.ok(report);
    assert.equal(report.scenario, 'search');
    assert.deepEqual(report.errors, {});
    assert.equal(report.seeded?.messages, 3000);
    assert.ok(report.seeded.seconds > 0 && report.seeded.perSec > 0);
    const kinds = report.requests ?? {};
    assert.deepEqual(Object.keys(kinds).sort(), [
      'common',
      'conversation',
      'prefix',
      'rare',
      'relevance',
      'two-terms',
    ]);
    for (const [kind, k] of Object.entries(kinds)) assertLatencies(kind, k);
    // A common word is in most messages: every such query fills a page.
    assert.ok(kinds.common!.resultsPerRequest! >= 10, `common: ${kinds.common!.resultsPerRequest}`);
    assert.ok(kinds.prefix!.resultsPerRequest! > 0);
  });

  it('bad options of the new scenarios exit 2, naming them', async () => {
    for (const [args, names] of [
      [['--scenario', 'upload', '--file-size', '26MiB'], 'fileSize'],
      [['--scenario', 'upload', '--file-size', '1 parsec'], 'fileSize'],
      [['--scenario', 'search', '--history', '0'], 'history'],
    ] as const) {
      const { code, stderr } = await runCli(['bench', '--spawn', 'embedded', ...args]);
      assert.equal(code, 2, `${args.join(' ')}: ${stderr}`);
      assert.match(stderr, new RegExp(`parley bench: .*${names}`), stderr);
    }
    // The search scenario writes into the store: it needs a target it started itself.
    const { code, stderr } = await runCli([
      'bench',
      '--url',
      'http://127.0.0.1:9',
      '--scenario',
      'search',
    ]);
    assert.equal(code, 2, stderr);
    assert.match(stderr, /parley bench: spawn: the search scenario seeds the store itself/);
  });

  it('file sizes parse with units', () => {
    assert.equal(parseBytes('1MiB'), 1024 ** 2);
    assert.equal(parseBytes('512kib'), 512 * 1024);
    assert.equal(parseBytes('2MB'), 2e6);
    assert.equal(parseBytes('4096'), 4096);
    assert.ok(Number.isNaN(parseBytes('MiB')));
  });

  it('the generated history is the same for a seed, Zipf-shaped, and its query terms occur in it', () => {
    const plan = { seed: 7, history: 5000, memberCounts: [2, 3, 10, 40], endAt: 1_800_000_000_000 };
    const counts = new Uint32Array(VOCABULARY_SIZE);
    const a = [...generateHistory(plan, counts)];
    const b = [...generateHistory(plan, new Uint32Array(VOCABULARY_SIZE))];
    assert.deepEqual(a, b);
    assert.equal(a.length, 5000);
    for (let i = 1; i < a.length; i++) assert.ok(a[i]!.createdAt > a[i - 1]!.createdAt);
    for (const m of a) assert.ok(m.sender < plan.memberCounts[m.conversation]!);
    // The most frequent word is in far more messages than the hundredth.
    assert.ok(counts[0]! > 10 * counts[99]!, `${counts[0]} vs ${counts[99]}`);
    const terms = pickTerms(plan.seed, counts, plan.history);
    const text = a.map((m) => ` ${m.body.toLowerCase().replace('.', '')} `);
    const found = (w: string) => text.filter((t) => t.includes(` ${w} `)).length;
    for (const w of terms.rare) assert.ok(found(w) >= 1 && found(w) <= 5, `rare ${w}: ${found(w)}`);
    assert.ok(found(terms.common[0]!) > plan.history / 3);
    const kinds = new Set(searchQueries(terms).map((q) => q.kind));
    assert.equal(kinds.size, 6);
  });
});

/**
 * The seeder (rule B3) writes through the store port what a send writes: a seeded message reads
 * and is found by search exactly like one sent through the MessageService, on both engines.
 */
describe('seeded history is indistinguishable from sent messages [B3]', () => {
  let postgres: Promise<PostgresServer> | null = null;
  after(async () => {
    if (postgres) await (await postgres).stop();
  });
  const engines: Array<
    [string, () => Promise<{ target: SeedStore; open(): Promise<Store>; dispose(): void }>]
  > = [
    [
      'sqlite',
      () => {
        const dataDir = mkdtempSync(join(tmpdir(), 'parley-bench-seed-'));
        return Promise.resolve({
          target: { kind: 'sqlite', dataDir },
          open: () => openSqliteStore(sqlitePath(dataDir)),
          dispose: () => rmSync(dataDir, { recursive: true, force: true }),
        });
      },
    ],
    [
      'postgres',
      async () => {
        const url = await (await (postgres ??= startPostgres())).createDatabase('seed');
        return {
          target: { kind: 'postgres', url },
          open: () => openPostgresStore(url, { poolSize: 2 }),
          dispose: () => undefined,
        };
      },
    ],
  ];
  for (const [engine, make] of engines) {
    it(`${engine}: same row, next seq, found by the same search, newest first`, async () => {
      const env = await make();
      const store = await env.open();
      try {
        const deps = {
          store,
          bus: new MemoryBus(),
          hasher: new Argon2Hasher(),
          limits: DEFAULT_LIMITS,
          log: createLogger({ level: 'silent', nodeId: 'seed-test', pretty: false }),
          now: Date.now,
        };
        const user = (username: string): Promise<User> =>
          store.createUser({
            id: ulid(),
            username,
            passwordHash: 'x',
            createdAt: Date.now(),
            deletedAt: null,
          });
        const ann = await user('ann');
        const bob = await user('bob');
        const conversations = new ConversationService(deps);
        const messages = new MessageService(deps, conversations);
        const { conversation } = await conversations.getOrCreateDm(ann, 'bob');
        const body = 'Deploy the **Café** build, tomorrow!';
        await messages.send(bob, conversation.id, 'sent-1', body);
        const { written } = await seedHistory(env.target, [
          { conversationId: conversation.id, sender: bob.id, body, createdAt: Date.now() + 5 },
        ]);
        assert.equal(written, 1);
        const [sent, seeded] = await store.listMessages(conversation.id, {
          before: null,
          after: null,
          limit: 10,
        });
        assert.ok(sent && seeded);
        assert.equal(seeded.seq, sent.seq + 1);
        assert.ok(seeded.id > sent.id && seeded.createdAt > sent.createdAt);
        const same = (m: Message) => ({ ...m, id: '', seq: 0, clientMsgId: '', createdAt: 0 });
        assert.deepEqual(same(seeded), same(sent));
        assert.deepEqual(await store.latestSeqs([conversation.id]), [
          { conversationId: conversation.id, lastSeq: seeded.seq },
        ]);
        const found = await store.searchMessages(ann.id, {
          prefixes: ['cafe', 'dep'],
          conversationId: null,
          senderId: null,
          order: 'newest',
          position: { kind: 'newest', beforeId: null },
          limit: 10,
        });
        assert.deepEqual(
          found.map((m) => m.seq),
          [seeded.seq, sent.seq],
        );
      } finally {
        await store.close();
        env.dispose();
      }
    });
  }
});
