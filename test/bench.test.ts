import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RunReport } from '../src/bench/report.js';
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
