import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Bus } from '../../src/ports/bus.js';
import type { Store } from '../../src/ports/store.js';
import { VerifyOptions } from '../../src/verify/options.js';
import { runVerify, type VerifyReport } from '../../src/verify/run.js';
import { urlTarget } from '../../src/verify/targets.js';
import { startTestNode } from '../helpers/node.js';
import { runCli } from '../helpers/process.js';
import {
  busDeliveringTwice,
  framesDuplicatingProxy,
  storeDroppingAnAckedMessage,
  storeSkippingASeq,
  storeStoringRetriesTwice,
} from './broken-targets.js';

/** A short verify run, no faults of its own, against one in-process node built from these parts. */
async function verifyNode(parts: {
  store?: (dataDir: string) => Promise<Store>;
  bus?: () => Bus;
  /** Puts something between the clients and the node (a URL in front of the node's). */
  front?: (url: string) => Promise<{ url: string; close(): Promise<void> }>;
}): Promise<VerifyReport> {
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-verify-test-'));
  const node = await startTestNode({
    dataDir,
    overrides: {
      ...(parts.store ? { store: await parts.store(dataDir) } : {}),
      ...(parts.bus ? { bus: parts.bus() } : {}),
    },
  });
  const front = parts.front ? await parts.front(node.url) : null;
  try {
    const options = VerifyOptions.parse({
      urls: [front?.url ?? node.url],
      durationS: 4,
      clients: 8,
      socketsPerUser: 2,
      groups: [3, 4],
      rate: 40,
      seed: 12,
      faults: ['none'],
      settleS: 20,
    });
    return await runVerify(urlTarget(options.urls), options, () => undefined);
  } finally {
    await front?.close();
    await node.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

describe('parley verify catches what it claims to (issue 12)', () => {
  it('[G1][G2][G3] a healthy node: every check at zero, and the workload did its work', async () => {
    const report = await verifyNode({});
    assert.equal(report.ok, true, report.examples.join('\n'));
    assert.ok(report.counts.acked > 50, `acked ${report.counts.acked}`);
    assert.equal(report.counts.lost + report.counts.duplicated + report.counts.order, 0);
    for (const op of ['send', 'doubleSend', 'edit', 'addMember', 'reconnect'])
      assert.ok((report.operations[op] ?? 0) > 0, `the workload ran ${op}`);
    assert.ok(report.latency.reconnectToSyncedMs.count > 0, 'reconnects were measured');
  });

  it('[G1] a store that acks a message it never wrote: lost', async () => {
    const report = await verifyNode({ store: (dir) => storeDroppingAnAckedMessage(dir) });
    assert.equal(report.ok, false);
    assert.equal(report.counts.lost, 1, report.examples.join('\n'));
  });

  it('[G3] a store that stores a retry again: duplicated', async () => {
    const report = await verifyNode({ store: (dir) => storeStoringRetriesTwice(dir) });
    assert.ok((report.operations.doubleSend ?? 0) > 0, 'the workload retried sends');
    assert.equal(report.ok, false);
    assert.ok(report.counts.duplicated > 0, report.examples.join('\n'));
  });

  it('[G2] a store that skips a seq: order', async () => {
    const report = await verifyNode({ store: (dir) => storeSkippingASeq(dir) });
    assert.equal(report.ok, false);
    assert.ok(report.counts.order > 0, report.examples.join('\n'));
  });

  it('[W5] a delivery path that sends a frame twice: duplicated (seen on the wire, below the library)', async () => {
    const report = await verifyNode({ front: framesDuplicatingProxy });
    assert.equal(report.ok, false);
    assert.ok(report.counts.duplicated > 0, report.examples.join('\n'));
    assert.equal(report.counts.lost, 0);
  });

  it('[K6][W5] a bus that delivers every event twice: absorbed by the per-socket cursor, nothing to report', async () => {
    const report = await verifyNode({ bus: busDeliveringTwice });
    assert.equal(report.ok, true, report.examples.join('\n'));
    assert.equal(report.counts.duplicated, 0);
  });

  it('the command exits 1 and names the anomaly in its table (--url: checks a deployment it did not start)', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'parley-verify-test-'));
    const node = await startTestNode({
      dataDir,
      overrides: { store: await storeDroppingAnAckedMessage(dataDir) },
    });
    try {
      const { code, stdout } = await runCli([
        'verify',
        '--url',
        node.url,
        '--duration',
        '3',
        '--clients',
        '6',
        '--rate',
        '30',
        '--seed',
        '5',
        '--settle',
        '15',
      ]);
      assert.equal(code, 1, stdout);
      assert.match(stdout, /ANOMALIES FOUND/);
      assert.match(stdout, /lost \(acked, absent or elsewhere\) +1 +<-- anomaly/);
      assert.match(stdout, /partitions not asked for|injects no faults/);
    } finally {
      await node.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('exits 2 on bad options', async () => {
    const bad = await runCli(['verify', '--spawn', 'embedded', '--url', 'http://127.0.0.1:1']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /either --spawn or --url/);
  });
});
