import { searchQueries } from './corpus.js';
import { merge, summary } from './histogram.js';
import type { BenchOptions, SearchQuery, WorkerPlan, WorkerResult } from './options.js';
import { formatRun, type RunReport } from './report.js';
import { seedInChild, type SeedResult } from './seeding.js';
import { ProcessSampler, readProcesses, settle } from './sampler.js';
import { Flood } from './flood.js';
import { createUsers, prepare, type BenchSetup } from './setup.js';
import { spawnCluster, spawnEmbedded, type SpawnedTarget } from './target.js';
import { aggregate, heapUsed, idleReport, requestScenario } from './aggregate.js';
import { CpuSampler, loadGenerator, type CpuReport, type Watched } from './cpu.js';
import { WorkerHandle } from './workers.js';

function log(options: BenchOptions, text: string): void {
  if (!options.json) process.stderr.write(text + '\n');
}

/**
 * Runs a benchmark: target (spawned or given), setup through the API, worker processes,
 * one measured run per offered rate, and a report per run (rules B2, B4, B5).
 */
export async function runBench(options: BenchOptions, workerScript: string): Promise<RunReport[]> {
  let target: SpawnedTarget | null = null;
  const workers: WorkerHandle[] = [];
  let flood: Flood | null = null;
  try {
    if (options.spawn === 'cluster') target = await spawnCluster(2, options.serverDir);
    if (options.spawn === 'embedded') target = await spawnEmbedded(options.serverDir);
    const urls = target?.urls ?? options.urls;
    const url = urls[0];
    if (!url) throw new Error('give --url URL (a running node) or --spawn embedded');
    const pids = target?.pids ?? (options.pid ? [options.pid] : []);
    const serverSide: Watched[] =
      target?.watched ?? pids.map((pid) => ({ role: 'node', name: 'node', pid, tree: true }));
    log(
      options,
      `target ${urls.join(', ')}${pids.length ? ` (pid ${pids.join(', ')})` : ''}${options.serverDir ? ` from ${options.serverDir}` : ''}; preparing ${options.scenario}…`,
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

    const command = options.scenario === 'connect' ? 'bench-storm' : 'bench-worker';
    for (const plan of split(setup, options, urls, queries)) {
      const handle = WorkerHandle.fork(workerScript, command);
      workers.push(handle);
      handle.tell({ type: 'plan', plan });
    }
    const watched = [
      ...serverSide,
      ...loadGenerator(workers.flatMap((w) => (w.child.pid ? [w.child.pid] : []))),
    ];
    const connected = await Promise.all(workers.map((w) => w.next()));
    const connectHistograms = connected.map((m) => (m.type === 'connected' ? m.connectMs : ''));
    if (options.scenario !== 'connect') log(options, `${setup.connections} connections open`);
    if (pids.length && options.scenario !== 'idle' && options.scenario !== 'connect') {
      const ms = await settle(pids);
      log(options, `target settled in ${(ms / 1000).toFixed(1)} s`);
    }

    if (options.scenario === 'idle') {
      // Let the node settle before reading its memory.
      const cpu = new CpuSampler(watched);
      cpu.start();
      await new Promise((resolve) => setTimeout(resolve, options.durationS * 1000));
      const after = pids.length ? readProcesses(pids) : null;
      const report = idleReport(options, setup, connectHistograms, baseline, after);
      const split = cpu.stop('connection', 0);
      if (split) report.cpu = split;
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
    // upload, search and connect run once: no offered rate.
    const once = requestScenario(options) || options.scenario === 'connect';
    const rates = once ? [0] : options.rates;
    for (const [i, rate] of rates.entries()) {
      const before = flood?.stats;
      const report = await measure(options, workers, setup, rate, `${i}`, pids, watched);
      if (options.scenario !== 'connect') report.connectMs = summary(merge(connectHistograms));
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
    await Promise.all(workers.map((w) => w.stop()));
    await target?.stop();
  }
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
    sockets: o.scenario === 'idle' || o.scenario === 'connect' ? o.socketsPerUser : 1,
    fileSize: o.fileSize,
    queries,
  }));
}

/** The unit the CPU split divides by, and how many of it the run did (rule B4). */
function units(o: BenchOptions, r: RunReport): [CpuReport['unit'], number] {
  if (o.scenario === 'connect') return ['connection', r.connections];
  if (r.requests) return ['request', Object.values(r.requests).reduce((a, k) => a + k.ok, 0)];
  if (o.scenario === 'history') return ['request', r.acked];
  return ['delivered message', r.delivered];
}

async function measure(
  o: BenchOptions,
  workers: WorkerHandle[],
  setup: BenchSetup,
  rate: number,
  runId: string,
  pids: number[],
  watched: Watched[],
): Promise<RunReport> {
  const sampler = pids.length ? new ProcessSampler(pids) : null;
  const cpu = new CpuSampler(watched);
  const startAt = performance.timeOrigin + performance.now() + 500;
  for (const w of workers)
    w.tell({ type: 'start', startAt, runId, ratePerSender: rate / Math.max(1, setup.senders) });
  // The storm has no warm-up: it is measured from its first connect.
  const warmupMs = o.scenario === 'connect' ? 0 : o.warmupS * 1000;
  setTimeout(() => {
    sampler?.start();
    cpu.start();
  }, 500 + warmupMs).unref();
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
      o.scenario === 'connect'
        ? `  … connecting ${p.sent}  ready ${p.acked}`
        : requestScenario(o)
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
  const report = aggregate(o, setup, rate, results, server);
  const split = cpu.stop(...units(o, report));
  if (split) report.cpu = split;
  return report;
}
