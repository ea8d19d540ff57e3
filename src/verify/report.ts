import { ANOMALIES, type LatencySummary, type VerifyReport } from './run.js';

const LABELS: Record<keyof VerifyReport['counts'], string> = {
  sends: 'sends issued',
  acked: 'acked',
  lost: 'lost (acked, absent or elsewhere)',
  duplicated: 'duplicated',
  order: 'order violations',
  divergence: 'divergence between nodes',
  notConverged: 'not converged',
  stale: 'edits/deletes not applied',
  auditErrors: 'timelines unreadable',
  notOnline: 'clients not online at the end',
  recovered: 'recovered (unacked, stored)',
  unacked: 'unacked, not stored',
  unsettled: 'operations unsettled',
};

const ms = (l: LatencySummary) =>
  l.count === 0 ? 'none' : `p50 ${l.p50} ms, p99 ${l.p99} ms, max ${l.max} ms (${l.count})`;

/** The report as a readable table. */
export function formatReport(report: VerifyReport): string {
  const anomalies = new Set<string>(ANOMALIES);
  const lines = [
    `parley verify: ${report.ok ? 'OK, no anomaly' : 'ANOMALIES FOUND'}`,
    `  target ${report.mode}, seed ${report.seed}, ${report.durationS} s, ${report.users} users, ` +
      `${report.clients} clients, ${report.conversations} conversations`,
    `  faults: ${report.faults.length} injected; partitions ${report.partitions}`,
  ];
  for (const f of report.faults) {
    const healed = f.healedAt === null ? 'not healed' : `healed ${f.healedAt}s`;
    lines.push(
      `    ${String(f.at).padStart(6)}s  ${f.fault} (${healed})${f.error ? `: ${f.error}` : ''}`,
    );
  }
  lines.push('  checks:');
  for (const [key, label] of Object.entries(LABELS) as Array<
    [keyof VerifyReport['counts'], string]
  >) {
    const value = report.counts[key];
    const flag = anomalies.has(key) && value > 0 ? '  <-- anomaly' : '';
    lines.push(`    ${label.padEnd(36)} ${String(value).padStart(8)}${flag}`);
  }
  lines.push(`  ack latency:              ${ms(report.latency.ackMs)}`);
  lines.push(`  reconnect-to-synced:      ${ms(report.latency.reconnectToSyncedMs)}`);
  const ops = Object.entries(report.operations).map(([k, v]) => `${k} ${v}`);
  lines.push(`  operations: ${ops.join(', ') || 'none'}`);
  const errors = Object.entries(report.errors).map(([k, v]) => `${k} ${v}`);
  lines.push(`  errors by code: ${errors.join(', ') || 'none'}`);
  if (report.examples.length > 0) {
    lines.push('  first anomalies:');
    for (const e of report.examples) lines.push(`    - ${e}`);
  }
  return lines.join('\n');
}
