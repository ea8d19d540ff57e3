import assert from 'node:assert/strict';
import type { VerifyReport } from '../../src/verify/run.js';
import { runCli } from '../helpers/process.js';

/**
 * `parley verify` end to end in each mode it can start (issue 12): a short run with faults of
 * every kind the mode has, which must find no anomaly. The long runs are documented commands
 * (README, docs/benchmarks.md); these keep the checker and the guarantees honest in CI.
 */
export async function verify(
  args: string[],
): Promise<{ code: number | null; report: VerifyReport; stderr: string }> {
  const { code, stdout, stderr } = await runCli(['verify', '--json', '--settle', '90', ...args]);
  assert.ok(stdout.trim().startsWith('{'), `verify printed no report:\n${stderr}`);
  return { code, report: JSON.parse(stdout) as VerifyReport, stderr };
}

export function assertClean({ code, report, stderr }: Awaited<ReturnType<typeof verify>>): void {
  const summary = `${JSON.stringify(report.counts)}\n${report.examples.join('\n')}\n${stderr.slice(-4000)}`;
  assert.equal(report.ok, true, summary);
  assert.equal(code, 0, 'exit status 0 without anomalies');
  assert.ok(report.counts.acked > 100, `acked ${report.counts.acked}`);
  for (const f of report.faults) assert.notEqual(f.healedAt, null, `${f.fault} was healed`);
}
