import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { searchQueries } from './corpus.js';
import { merge, summary } from './histogram.js';
import type { BenchOptions, SearchQuery, WorkerPlan, WorkerResult } from './options.js';
import { formatRun, type RequestReport, type RunReport } from './report.js';
import { seedInChild, type SeedResult } from './seeding.js';
import { ProcessSampler, readProcesses } from './sampler.js';
import { Flood } from './flood.js';
import { createUsers, prepare, type BenchSetup } from './setup.js';
import { spawnCluster, spawnEmbedded, type SpawnedTarget } from './target.js';
import type { FromCoordinator, ToCoordinator } from './worker.js';

/** A forked load-generator process and a queue of what it said. */
class WorkerHandle {
  readonly #inbox: ToCoordinator[] = [];
  readonly #waiters: Array<(m: ToCoordinator) => void> = [];
  progress = { sent: 0, acked: 0, delivered: 0, connected: 0 };

  constructor(readonly child: ChildProcess) {
    child.on('message', (m: ToCoordinator) => {
      if (m.type === 'progress') {
        this.progress = m.progress;
        return;
      }
      const waiter = this.#waiters.shift();
      if (waiter) waiter(m);
      else this.#inbox.push(m);
    });
  }

  tell(m: FromCoordinator): void {
    this.child.send(m);
  }

  /** The next non-progress message; rejects if the worker reports a failure or exits. */
  async next(): Promise<ToCoordinator> {
    const m =
      this.#inbox.shift() ??
      (await Promise.race([
        new Promise<ToCoordinator>((resolve) => this.#waiters.push(resolve)),
        once(this.child, 'exit').then(([code]) => ({
          type: 'failed' as const,
          error: `worker exited (${String(code)})`,
        })),
      ]));
    if (m.type === 'failed') throw new Error(`bench worker failed: ${m.error}`);
    return m;
  }
}

function log(options: BenchOptions, text: string): void {
  if (!options.json) process.stderr.write(text + '\n');
}

/**
 * Runs a benchmark: target (spawned or given), setup through the API, worker processes,
 * one measured run per offered rate, and a report per run (rule B2).
 */
export async function runBench(options: BenchOptions, workerScript: string): Promise<RunReport[]> {
  let target: SpawnedTarget | null = null;
  const workers: WorkerHandle[] = [];
  let flood: Flood | null = null;
  try {
    if (options.spawn === 'cluster') target = await spawnCluster();
    if (options.spawn === 'embedded') target = await spawnEmbedded();
    const urls = target?.urls ?? options.urls;
    const url = urls[0];
    if (!url) throw new Error('give --url URL (a running node) or --spawn embedded');
    const pids = target?.pids ?? (options.pid ? [options.pid] : []);
    log(
      options,
      `target ${urls.join(', ')}${pids.length ? ` (pid ${pids.join(', ')})` : ''}; preparing ${options.scenario}…`,
    );
    const setup = await prepare(url, options);
    let seeded: SeedResult | null = null;
    let queries: SearchQuery[] = [];
    if (options.scenario === 'search') {
      if (!target) throw new Error('the search scenario seeds the store itself: give --spawn');
      log(options, `seeding ${options.history} messages into ${target.store.kind}…`);
      seeded = await seedInChild({
        store: target.store,
        seed: options.seed,
        history: options.history,
        conversations: setup.conversations ?? [],
        endAt: Date.now(),
        progress: !options.json,
      });
      log(options, `seeded ${seeded.written} messages in ${seeded.seconds} s`);
      queries = searchQueries(seeded.terms);
    }
    const baseline = pids.length ? readProcesses(pids) : null;
    const heapBefore = options.scenario === 'idle' ? await heapUsed(urls) : null;

    const plans = split(setup, options, urls, queries);
    for (const plan of plans) {
      const child = fork(workerScript, ['bench-worker'], {
        execArgv: process.execArgv,
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      const handle = new WorkerHandle(child);
      workers.push(handle);
      handle.tell({ type: 'plan', plan });
    }
    const connected = await Promise.all(workers.map((w) => w.next()));
    const connectHistograms = connected.map((m) => (m.type === 'connected' ? m.connectMs : ''));
    log(options, `${setup.connections} connections open`);

    if (options.scenario === 'idle') {
      // Let the node settle before reading its memory.
      await new Promise((resolve) => setTimeout(resolve, options.durationS * 1000));
      const after = pids.length ? readProcesses(pids) : null;
      const report = idleReport(options, setup, connectHistograms, baseline, after);
      const heapAfter = await heapUsed(urls);
      if (heapBefore !== null && heapAfter !== null) {
        report.heapPerConnectionKB =
          Math.round(((heapAfter - heapBefore) / setup.connections / 1024) * 100) / 100;
      }
      log(options, formatRun(report));
      return [report];
    }

    if (options.flood > 0) {
      const tag = `f${Date.now().toString(36)}`;
      const users = await createUsers(url, options.flood, tag);
      flood = await Flood.start(
        url,
        users.map((u) => u.token),
      );
      log(options, `${options.flood} flooding sockets running`);
    }
    const reports: RunReport[] = [];
    // upload and search run closed loops: one run, no offered rate.
    const rates = requestScenario(options) ? [0] : options.rates;
    for (const [i, rate] of rates.entries()) {
      const before = flood?.stats;
      const report = await measure(options, workers, setup, rate, `${i}`, pids);
      report.connectMs = summary(merge(connectHistograms));
      if (seeded) {
        report.seeded = {
          messages: seeded.written,
          seconds: seeded.seconds,
          perSec: Math.round(seeded.written / Math.max(0.1, seeded.seconds)),
        };
      }
      const after = flood?.stats;
      if (before && after)
        report.flood = {
          sockets: after.sockets,
          frames: after.frames - before.frames,
          synced: after.synced - before.synced,
          refused: after.refused - before.refused,
          closed: after.closed - before.closed,
        };
      log(options, formatRun(report));
      reports.push(report);
    }
    return reports;
  } finally {
    flood?.stop();
    for (const w of workers) {
      if (w.child.connected) w.tell({ type: 'stop' });
    }
    await Promise.all(
      workers.map((w) => (w.child.exitCode === null ? once(w.child, 'exit') : Promise.resolve())),
    );
    await target?.stop();
  }
}

/** Scenarios of plain HTTP requests in closed loops (rule B3). */
function requestScenario(o: BenchOptions): boolean {
  return o.scenario === 'upload' || o.scenario === 'search';
}

/** Deals clients out to workers round-robin. */
function split(
  setup: BenchSetup,
  o: BenchOptions,
  urls: string[],
  queries: SearchQuery[],
): WorkerPlan[] {
  const n = Math.min(o.workers, Math.max(1, setup.clients.length));
  return Array.from({ length: n }, (_, w) => ({
    scenario: o.scenario,
    url: urls[w % urls.length]!,
    // Clients alternate between the nodes, so in a cluster pairs and groups span nodes.
    clients: setup.clients
      .map((c, i) => ({ ...c, url: urls[i % urls.length]! }))
      .filter((_, i) => i % n === w),
    recipients: setup.recipients,
    size: o.size,
    warmupMs: o.warmupS * 1000,
    durationMs: o.durationS * 1000,
    sockets: o.scenario === 'idle' ? o.socketsPerUser : 1,
    fileSize: o.fileSize,
    queries,
  }));
}

async function measure(
  o: BenchOptions,
  workers: WorkerHandle[],
  setup: BenchSetup,
  rate: number,
  runId: string,
  pids: number[],
): Promise<RunReport> {
  const sampler = pids.length ? new ProcessSampler(pids) : null;
  const startAt = performance.timeOrigin + performance.now() + 500;
  for (const w of workers)
    w.tell({ type: 'start', startAt, runId, ratePerSender: rate / Math.max(1, setup.senders) });
  setTimeout(() => sampler?.start(), 500 + o.warmupS * 1000).unref();
  const progress = setInterval(() => {
    const p = workers.reduce(
      (a, w) => ({
        sent: a.sent + w.progress.sent,
        acked: a.acked + w.progress.acked,
        delivered: a.delivered + w.progress.delivered,
      }),
      { sent: 0, acked: 0, delivered: 0 },
    );
    log(
      o,
      requestScenario(o)
        ? `  … requests ${p.sent}  answered ${p.acked}`
        : `  … sent ${p.sent}  acked ${p.acked}  delivered ${p.delivered}`,
    );
  }, 2000);
  let results: WorkerResult[];
  try {
    results = (await Promise.all(workers.map((w) => w.next()))).map((m) => {
      if (m.type !== 'result') throw new Error(`unexpected ${m.type} from a worker`);
      return m.result;
    });
  } finally {
    clearInterval(progress);
  }
  const server = sampler?.stop() ?? null;
  return aggregate(o, setup, rate, results, server);
}

function aggregate(
  o: BenchOptions,
  setup: BenchSetup,
  rate: number,
  results: WorkerResult[],
  server: { cpuCores: number; rssBytes: number; peakRssBytes: number } | null,
): RunReport {
  const received = new Map<string, number>();
  for (const r of results)
    for (const [id, n] of Object.entries(r.received)) received.set(id, (received.get(id) ?? 0) + n);
  let expected = 0;
  let missing = 0;
  let delivered = 0;
  for (const r of results) {
    for (const [id, conversationId] of r.ackedIds) {
      const want = setup.recipients[conversationId] ?? 0;
      const got = received.get(id) ?? 0;
      expected += want;
      delivered += Math.min(got, want);
      missing += Math.max(0, want - got);
    }
  }
  const errors: Record<string, number> = {};
  for (const r of results)
    for (const [code, n] of Object.entries(r.errors)) errors[code] = (errors[code] ?? 0) + n;
  const acked = results.reduce((a, r) => a + r.ackedIds.length, 0);
  // Scenarios without deliveries count the requests answered (all of them, warm-up included).
  const counted = o.scenario === 'history' || requestScenario(o);
  return {
    scenario: o.scenario,
    offeredRate: rate,
    durationS: o.durationS,
    connections: results.reduce((a, r) => a + r.connected, 0),
    sent: results.reduce((a, r) => a + r.sent, 0),
    acked: counted ? results.reduce((a, r) => a + r.acked, 0) : acked,
    ackedPerSec: Math.round(
      (counted ? results.reduce((a, r) => a + r.acked, 0) : acked) / o.durationS,
    ),
    deliveredPerSec: Math.round(delivered / o.durationS),
    expectedDeliveries: expected,
    missing,
    duplicates: results.reduce((a, r) => a + r.duplicates, 0),
    errors,
    ackMs: summary(merge(results.map((r) => r.ack))),
    e2eMs: summary(merge(results.map((r) => r.e2e))),
    ...(o.scenario === 'history'
      ? { historyMs: summary(merge(results.map((r) => r.history ?? ''))) }
      : {}),
    ...(requestScenario(o) ? { requests: requestReports(o, results) } : {}),
    connectMs: summary(merge(results.map((r) => r.connectMs))),
    server: server
      ? {
          cpuCores: server.cpuCores,
          rssMB: Math.round(server.rssBytes / 1e5) / 10,
          peakRssMB: Math.round(server.peakRssBytes / 1e5) / 10,
        }
      : null,
  };
}

function idleReport(
  o: BenchOptions,
  setup: BenchSetup,
  connectHistograms: string[],
  before: { rssBytes: number } | null,
  after: { rssBytes: number; cpuSeconds: number } | null,
): RunReport {
  const empty = summary(merge([]));
  return {
    scenario: 'idle',
    offeredRate: 0,
    durationS: o.durationS,
    connections: setup.connections,
    sent: 0,
    acked: 0,
    ackedPerSec: 0,
    deliveredPerSec: 0,
    expectedDeliveries: 0,
    missing: 0,
    duplicates: 0,
    errors: {},
    ackMs: empty,
    e2eMs: empty,
    connectMs: summary(merge(connectHistograms)),
    server: after
      ? {
          cpuCores: 0,
          rssMB: Math.round(after.rssBytes / 1e5) / 10,
          peakRssMB: Math.round(after.rssBytes / 1e5) / 10,
        }
      : null,
    ...(before && after
      ? {
          memoryPerConnectionKB:
            Math.round(((after.rssBytes - before.rssBytes) / setup.connections / 1024) * 100) / 100,
        }
      : {}),
  };
}

/** The nodes' JavaScript heap in use, summed, from their `/metrics`; null if one cannot say. */
async function heapUsed(urls: string[]): Promise<number | null> {
  let total = 0;
  for (const url of urls) {
    try {
      const text = await (await fetch(`${url}/metrics`)).text();
      const match = /^parley_heap_used_bytes (\S+)$/m.exec(text);
      if (!match) return null;
      total += Number(match[1]);
    } catch {
      return null;
    }
  }
  return total;
}

/** Per request kind, over the workers: throughput and latency of the measured window. */
function requestReports(o: BenchOptions, results: WorkerResult[]): Record<string, RequestReport> {
  const kinds = new Set(results.flatMap((r) => Object.keys(r.requests ?? {})));
  const out: Record<string, RequestReport> = {};
  for (const kind of [...kinds].sort()) {
    const all = results.flatMap((r) => (r.requests?.[kind] ? [r.requests[kind]] : []));
    const ok = all.reduce((a, k) => a + k.ok, 0);
    const bytes = all.reduce((a, k) => a + k.bytes, 0);
    const results_ = all.reduce((a, k) => a + k.results, 0);
    out[kind] = {
      ok,
      perSec: Math.round((ok / o.durationS) * 10) / 10,
      ...(o.scenario === 'search'
        ? { resultsPerRequest: ok ? Math.round((results_ / ok) * 10) / 10 : 0 }
        : bytes > 0
          ? { mbPerSec: Math.round((bytes / 1e6 / o.durationS) * 10) / 10 }
          : {}),
      ms: summary(merge(all.map((k) => k.ms))),
    };
  }
  return out;
}
