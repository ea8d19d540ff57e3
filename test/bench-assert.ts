import assert from 'node:assert/strict';
import type { ProcessCpu } from '../src/bench/cpu.js';
import type { RunReport } from '../src/bench/report.js';
import { runCli } from './helpers/process.js';

/** Shared by test/bench-cpu.test.ts and test/bench-scenarios.test.ts. */

/** Runs `parley bench` (no warm-up); with --json, resolves with its reports. */
export async function bench(args: string[]): Promise<{ reports: RunReport[]; stderr: string }> {
  const { code, stdout, stderr } = await runCli(['bench', '--warmup', '0', ...args]);
  assert.equal(code, 0, `bench failed:\n${stderr}`);
  return { reports: args.includes('--json') ? (JSON.parse(stdout) as RunReport[]) : [], stderr };
}

export function assertUsed(p: ProcessCpu | undefined, what: string): ProcessCpu {
  assert.ok(p, `${what} sampled`);
  assert.ok(p.cpuSeconds > 0 && p.cpuCores > 0, `${what} used CPU: ${JSON.stringify(p)}`);
  assert.ok(p.usPerUnit !== null && p.usPerUnit > 0, `${what}: CPU per unit`);
  assert.ok(p.pssMB > 0, `${what}: memory`);
  return p;
}

/** The report's CPU split is whole: totals are the sums of their processes. */
export function assertSplit(report: RunReport, unit: string, units: number): void {
  const cpu = report.cpu!;
  assert.ok(cpu, 'a CPU split');
  assert.equal(cpu.unit, unit);
  assert.equal(cpu.units, units);
  assert.ok(cpu.windowS > 0);
  const sum = (role: (p: ProcessCpu) => boolean) =>
    cpu.processes.filter(role).reduce((a, p) => a + p.cpuSeconds, 0);
  const per = (seconds: number) => Math.round((seconds * 1e6 * 10) / units) / 10;
  assert.equal(cpu.serverSide.usPerUnit, per(sum((p) => p.role !== 'load generator')));
  assert.equal(cpu.loadGenerator.usPerUnit, per(sum((p) => p.role === 'load generator')));
  const names = cpu.processes.filter((p) => p.role === 'load generator').map((p) => p.name);
  assert.deepEqual(names, ['coordinator', 'worker-1']);
  assertUsed(
    cpu.processes.find((p) => p.name === 'worker-1'),
    'the worker',
  );
  for (const p of cpu.processes.filter((q) => q.role === 'node')) {
    assertUsed(p, p.name);
    assert.ok(p.mainThreadCores! > 0 && p.mainThreadCores! <= p.cpuCores + 0.01, 'main thread');
  }
  assert.ok(cpu.machine && cpu.machine.cores >= 1 && cpu.machine.busyCores > 0, 'machine');
  assert.match(cpu.busiest, /\(\d+(\.\d+)? cores\)$/);
}
