import type { FloodStats } from './flood.js';
import type { CpuReport } from './cpu.js';
import type { summary } from './histogram.js';

type Percentiles = ReturnType<typeof summary>;

/** One benchmark run (one offered rate) as reported in the table and as JSON. */
export interface RunReport {
  scenario: string;
  offeredRate: number;
  durationS: number;
  connections: number;
  sent: number;
  acked: number;
  ackedPerSec: number;
  /** Measured deliveries (each expected recipient's first copy of a measured message). */
  delivered: number;
  deliveredPerSec: number;
  expectedDeliveries: number;
  missing: number;
  duplicates: number;
  errors: Record<string, number>;
  ackMs: Percentiles;
  e2eMs: Percentiles;
  historyMs?: Percentiles;
  /** upload and search (rule B3): per request kind. */
  requests?: Record<string, RequestReport>;
  /** search: the history written into the store before the run. */
  seeded?: { messages: number; seconds: number; perSec: number };
  connectMs: Percentiles;
  server: { cpuCores: number; rssMB: number; peakRssMB: number } | null;
  /** CPU of every sampled process over the measured window, per unit of work (rule B4). */
  cpu?: CpuReport;
  /** connect (rule B5): the storm from its start to the last connection's `ready`. */
  storm?: { attempted: number; ready: number; seconds: number; perSec: number };
  /** The hostile sockets of `--flood`, if any, during this run. */
  flood?: FloodStats;
  memoryPerConnectionKB?: number;
  /** Of that, the growth of the nodes' JavaScript heap (`parley_heap_used_bytes`) per connection. */
  heapPerConnectionKB?: number;
}

/** One kind of request of the upload or search scenario, over the measured window. */
export interface RequestReport {
  /** Answered successfully and completed inside the window. */
  ok: number;
  perSec: number;
  /** upload, download: megabytes (10^6 bytes) per second of file content (delete: none). */
  mbPerSec?: number;
  /** search: results per answered query (page size at most). */
  resultsPerRequest?: number;
  ms: Percentiles;
}

const fmt = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(2));

function latencyRow(name: string, p: Percentiles): string {
  return `  ${name.padEnd(14)} ${[p.p50, p.p90, p.p99, p.p999, p.max].map((v) => fmt(v).padStart(9)).join('')}   (n=${p.count})`;
}

/** The human-readable table for one run. */
export function formatRun(r: RunReport): string {
  const lines = [
    '',
    r.storm
      ? `scenario connect   storm of ${r.storm.attempted} authenticated connections`
      : `scenario ${r.scenario}   ${r.requests ? 'closed loop' : `offered ${fmt(r.offeredRate)}/s`}   ${r.durationS}s ${r.scenario === 'idle' ? 'held' : 'measured'}   ${r.connections} ${r.requests ? 'clients' : 'connections'}`,
  ];
  if (r.storm) {
    const st = r.storm;
    lines.push(
      `  connected      ${st.ready} of ${st.attempted} in ${fmt(st.seconds)} s: ${fmt(st.perSec)} authenticated connections/s`,
    );
  } else if (r.scenario === 'idle') {
    lines.push(`  connected      ${r.connections}`);
    if (r.memoryPerConnectionKB !== undefined)
      lines.push(`  server memory  ${fmt(r.memoryPerConnectionKB)} KB per connection (RSS)`);
    if (r.heapPerConnectionKB !== undefined)
      lines.push(
        `  server heap    ${fmt(r.heapPerConnectionKB)} KB per connection (JS heap in use)`,
      );
  } else if (r.requests) {
    if (r.seeded)
      lines.push(
        `  seeded         ${r.seeded.messages} messages in ${fmt(r.seeded.seconds)} s (${r.seeded.perSec} msg/s)`,
      );
    lines.push(`  answered       ${r.acked} of ${r.sent} requests (warm-up included)`);
    for (const [kind, k] of Object.entries(r.requests)) {
      const extra =
        k.mbPerSec !== undefined
          ? `   ${fmt(k.mbPerSec)} MB/s`
          : k.resultsPerRequest !== undefined
            ? `   ${fmt(k.resultsPerRequest)} results each`
            : '';
      lines.push(`  ${kind.padEnd(14)} ${fmt(k.perSec)}/s${extra}   (${k.ok} in the window)`);
    }
  } else {
    lines.push(`  acked          ${fmt(r.ackedPerSec)} msg/s   (${r.acked} of ${r.sent} sent)`);
    if (r.scenario !== 'history') {
      lines.push(`  delivered      ${fmt(r.deliveredPerSec)} msg/s`);
      lines.push(
        `  deliveries     expected ${r.expectedDeliveries}   missing ${r.missing}   duplicates ${r.duplicates}`,
      );
    }
  }
  const errors = Object.entries(r.errors);
  lines.push(
    `  errors         ${errors.length ? errors.map(([c, n]) => `${c}=${n}`).join(' ') : 'none'}`,
  );
  lines.push(`  latency ms          p50      p90      p99    p99.9      max`);
  if (r.scenario !== 'idle' && r.scenario !== 'history' && !r.requests && !r.storm) {
    lines.push(latencyRow('ack', r.ackMs), latencyRow('end-to-end', r.e2eMs));
  }
  if (r.historyMs) lines.push(latencyRow('history page', r.historyMs));
  for (const [kind, k] of Object.entries(r.requests ?? {})) lines.push(latencyRow(kind, k.ms));
  if (!r.requests) lines.push(latencyRow(r.storm ? 'connect→ready' : 'connect', r.connectMs));
  if (r.flood) {
    const f = r.flood;
    lines.push(
      `  flood          ${f.sockets} sockets sent ${f.frames} syncs of 1,000 ids: ${f.synced} answered, ${f.refused} refused, ${f.closed} closes`,
    );
  }
  if (r.server) {
    lines.push(
      `  server         cpu ${fmt(r.server.cpuCores)} cores   rss ${fmt(r.server.rssMB)} MB (peak ${fmt(r.server.peakRssMB)} MB)`,
    );
  }
  if (r.cpu) lines.push(...formatCpu(r.cpu));
  return lines.join('\n');
}

const ROLE_TOTALS: Record<string, string> = {
  node: 'nodes',
  postgres: 'postgres',
  nats: 'nats',
  'load generator': 'load generator',
};

/** The CPU split (rule B4): per process, per role, server side and load generator. */
function formatCpu(c: CpuReport): string[] {
  const per = (us: number | null) => (us === null ? '-' : fmt(us)).padStart(10);
  const row = (name: string, pid: string, procs: string, cores: number, us: number | null) =>
    `    ${name.padEnd(16)}${pid.padStart(8)}${procs.padStart(6)}${fmt(cores).padStart(8)}${per(us)}`;
  const lines = [
    `  cpu            per ${c.unit}: ${c.units} in the ${fmt(c.windowS)} s window`,
    `    ${'process'.padEnd(16)}${'pid'.padStart(8)}${'procs'.padStart(6)}${'cores'.padStart(8)}${'µs/unit'.padStart(10)}   pss MB`,
  ];
  for (const p of c.processes) {
    const main = p.mainThreadCores !== undefined ? `   main thread ${fmt(p.mainThreadCores)}` : '';
    lines.push(
      `${row(p.name, String(p.pid), String(p.processes), p.cpuCores, p.usPerUnit)}   ${fmt(p.pssMB)}${main}`,
    );
  }
  for (const [role, total] of Object.entries(c.roles))
    if (role !== 'load generator')
      lines.push(row(ROLE_TOTALS[role] ?? role, '', '', total.cpuCores, total.usPerUnit));
  lines.push(
    row('server side', '', '', c.serverSide.cpuCores, c.serverSide.usPerUnit),
    row('load generator', '', '', c.loadGenerator.cpuCores, c.loadGenerator.usPerUnit),
    `  busiest        ${c.busiest}`,
  );
  if (c.machine)
    lines.push(
      `  machine        ${fmt(c.machine.busyCores)} of ${c.machine.cores} cores busy, ${fmt(c.machine.othersCores)} of them by processes not sampled`,
    );
  return lines;
}
