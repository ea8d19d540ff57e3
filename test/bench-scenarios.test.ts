import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertSplit, bench } from './bench-assert.js';

/**
 * `parley bench --scenario connect` (rule B5) and `history` (B1) end to end with a spawned
 * node, with their CPU split (B4). Small runs: they check what is counted, not speed.
 */
describe('parley bench connect and history [B5]', () => {
  it('connect: a storm of authenticated connections with existing sessions; time, rate, connect→ready', async () => {
    const { reports } = await bench([
      ...['--spawn', 'embedded', '--json', '--scenario', 'connect'],
      ...['--clients', '60', '--sockets-per-user', '20'],
    ]);
    const report = reports[0]!;
    assert.deepEqual(report.errors, {});
    assert.equal(report.connections, 60);
    assert.deepEqual(
      { attempted: report.storm!.attempted, ready: report.storm!.ready },
      { attempted: 60, ready: 60 },
    );
    assert.ok(report.storm!.seconds > 0 && report.storm!.perSec > 0);
    assert.equal(report.connectMs.count, 60);
    assert.ok(report.connectMs.p50 > 0 && report.connectMs.p50 <= report.connectMs.p99);
    assertSplit(report, 'connection', 60);
  });

  it('history: pages of a filled DM history read over REST; reads/s, latency, CPU per read', async () => {
    const { reports } = await bench([
      ...['--spawn', 'embedded', '--json', '--scenario', 'history'],
      ...['--clients', '4', '--rate', '20', '--duration', '2'],
    ]);
    const report = reports[0]!;
    assert.deepEqual(report.errors, {});
    assert.ok(report.acked > 0 && report.ackedPerSec > 0);
    assert.equal(report.historyMs!.count, report.acked);
    assertSplit(report, 'request', report.acked);
  });
});
