import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { partitionSupport } from '../../src/cluster/network.js';
import type { VerifyReport } from '../../src/verify/run.js';
import { runCli } from '../helpers/process.js';

/**
 * `parley verify` end to end in each mode it can start (issue 12): a short run with faults of
 * every kind the mode has, which must find no anomaly. The long runs are documented commands
 * (README, docs/benchmarks.md); these keep the checker and the guarantees honest in CI.
 */
async function verify(
  args: string[],
): Promise<{ code: number | null; report: VerifyReport; stderr: string }> {
  const { code, stdout, stderr } = await runCli(['verify', '--json', '--settle', '90', ...args]);
  assert.ok(stdout.trim().startsWith('{'), `verify printed no report:\n${stderr}`);
  return { code, report: JSON.parse(stdout) as VerifyReport, stderr };
}

function assertClean({ code, report, stderr }: Awaited<ReturnType<typeof verify>>): void {
  const summary = `${JSON.stringify(report.counts)}\n${report.examples.join('\n')}\n${stderr.slice(-4000)}`;
  assert.equal(report.ok, true, summary);
  assert.equal(code, 0, 'exit status 0 without anomalies');
  assert.ok(report.counts.acked > 100, `acked ${report.counts.acked}`);
  for (const f of report.faults) assert.notEqual(f.healedAt, null, `${f.fault} was healed`);
}

describe('parley verify under faults [G1-G6]', () => {
  it('[G1][G4][K5] embedded: kill -9 and SIGSTOP of the one node', async () => {
    const run = await verify([
      '--spawn',
      'embedded',
      '--duration',
      '30',
      '--clients',
      '24',
      '--seed',
      '101',
      '--fault-interval',
      '6',
    ]);
    assertClean(run);
    const kinds = run.report.faults.map((f) => f.fault);
    assert.ok(kinds.length >= 3, `faults: ${kinds.join('; ')}`);
  });

  it('[K5][K6][K7] cluster: node kills and pauses, NATS and PostgreSQL crashes, partitions where possible', async () => {
    const support = partitionSupport();
    const run = await verify([
      '--spawn',
      'cluster',
      '--duration',
      '45',
      '--clients',
      '30',
      '--seed',
      '202',
      '--fault-interval',
      '5',
    ]);
    assertClean(run);
    const kinds = run.report.faults.map((f) => f.fault);
    assert.ok(kinds.length >= 5, `faults: ${kinds.join('; ')}`);
    if (support.supported) assert.match(run.report.partitions, /^injected/);
    else assert.match(run.report.partitions, /not possible/);
  });

  it('[K10][K11] HA: node kills, NATS kills, crashes of the primary and of members', async () => {
    const run = await verify([
      '--spawn',
      'ha',
      '--duration',
      '45',
      '--clients',
      '30',
      '--seed',
      '303',
      '--fault-interval',
      '6',
      '--faults',
      'kill,nats,database',
    ]);
    assertClean(run);
    assert.ok(
      run.report.faults.some((f) => /database/.test(f.fault)),
      'a database fault was injected',
    );
  });

  it('exits 2 on bad options', async () => {
    const bad = await runCli(['verify', '--spawn', 'embedded', '--url', 'http://127.0.0.1:1']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /either --spawn or --url/);
  });
});
