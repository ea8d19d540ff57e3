import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { testModes } from './helpers/deployment.js';
import { assertSplit, assertUsed, bench } from './bench-assert.js';

/**
 * `parley bench`'s CPU split (rule B4), end to end with spawned nodes. Small, short
 * runs: they check that every process is sampled and every field is there and sane, not speed.
 */
const pairs = ['--scenario', 'pairs', '--clients', '6', '--rate', '60', '--duration', '2'];

describe('parley bench: CPU per unit of work of every process [B4]', () => {
  it('embedded pairs: the node, the coordinator and the worker, per delivered message', async () => {
    const { reports } = await bench(['--spawn', 'embedded', '--json', ...pairs]);
    const report = reports[0]!;
    assert.equal(report.missing, 0);
    assert.ok(report.delivered > 0 && report.delivered === report.expectedDeliveries);
    assertSplit(report, 'delivered message', report.delivered);
    assert.deepEqual(
      report.cpu!.processes.map((p) => p.role),
      ['node', 'load generator', 'load generator'],
    );
    assert.deepEqual(report.cpu!.serverSide, report.cpu!.roles.node);
  });

  it('the text report prints the split: per process, per role, server side, load generator', async () => {
    const { stderr } = await bench(['--spawn', 'embedded', ...pairs]);
    for (const line of [
      /cpu +per delivered message: \d+ in the [\d.]+ s window/,
      /^ +node +\d+ +\d+ +[\d.]+ +[\d.]+ +[\d.]+ +main thread [\d.]+$/m,
      /^ +worker-1 +\d+/m,
      /^ +server side +[\d.]+ +[\d.]+$/m,
      /^ +load generator +[\d.]+ +[\d.]+$/m,
      /machine +[\d.]+ of \d+ cores busy/,
    ])
      assert.match(stderr, line);
  });

  it(
    'cluster pairs: each node, PostgreSQL with its backends, each NATS server',
    {
      skip: !testModes().includes('cluster') && 'PARLEY_TEST_MODES leaves out cluster',
    },
    async () => {
      const { reports } = await bench(['--spawn', 'cluster', '--json', ...pairs]);
      const report = reports[0]!;
      assert.equal(report.missing, 0);
      assertSplit(report, 'delivered message', report.delivered);
      const cpu = report.cpu!;
      assert.deepEqual(
        cpu.processes.filter((p) => p.role !== 'load generator').map((p) => p.name),
        ['node-1', 'node-2', 'postgres', 'nats-1', 'nats-2', 'nats-3'],
      );
      const pg = assertUsed(
        cpu.processes.find((p) => p.role === 'postgres'),
        'postgres',
      );
      assert.ok(pg.processes > 2, `the postmaster and its backends: ${pg.processes} processes`);
      for (const role of ['node', 'postgres', 'nats'] as const) assert.ok(cpu.roles[role], role);
      const serverSide = ['node', 'postgres', 'nats'].reduce(
        (a, role) => a + cpu.roles[role as 'node']!.cpuCores,
        0,
      );
      assert.ok(Math.abs(serverSide - cpu.serverSide.cpuCores) < 0.01, 'roles add up');
    },
  );
});
