import { merge, summary } from './histogram.js';
import type { BenchOptions, WorkerResult } from './options.js';
import type { RequestReport, RunReport } from './report.js';
import type { BenchSetup } from './setup.js';

/** Scenarios of plain HTTP requests in closed loops (rule B3). */
export function requestScenario(o: BenchOptions): boolean {
  return o.scenario === 'upload' || o.scenario === 'search';
}

/** The nodes' memory sampled over a run, summed. */
export interface ServerSample {
  cpuCores: number;
  rssBytes: number;
  peakRssBytes: number;
}

/** One run's report from its workers' results (rule B2). */
export function aggregate(
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
  // Scenarios without deliveries count the requests answered (history: in the measured window).
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
    delivered,
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
    ...(o.scenario === 'connect' ? { storm: stormReport(results) } : {}),
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

/** The idle scenario's report: connections held, memory per connection. */
export function idleReport(
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
    delivered: 0,
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
export async function heapUsed(urls: string[]): Promise<number | null> {
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

/** The connect storm over the workers: from the common start to the last `ready` (rule B5). */
function stormReport(results: WorkerResult[]): NonNullable<RunReport['storm']> {
  const ready = results.reduce((a, r) => a + r.acked, 0);
  const startAt = Math.min(...results.map((r) => r.storm?.startAt ?? Infinity));
  const last = Math.max(...results.map((r) => r.storm?.lastReadyAt ?? 0));
  const seconds = ready > 0 && Number.isFinite(startAt) ? (last - startAt) / 1000 : 0;
  return {
    attempted: results.reduce((a, r) => a + r.sent, 0),
    ready,
    seconds: Math.round(seconds * 100) / 100,
    perSec: seconds > 0 ? Math.round(ready / seconds) : 0,
  };
}
