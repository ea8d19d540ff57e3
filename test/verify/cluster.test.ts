import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { partitionSupport } from '../../src/supervisor/network.js';
import { assertClean, verify } from './run-cli.js';

/** A short `parley verify` run of this mode under faults (issue 12); long runs are documented. */
describe('parley verify under faults: cluster', () => {
  it(
    '[K5][K6][K7] cluster: node kills and pauses, NATS and PostgreSQL crashes, partitions where possible',
    { timeout: 600_000 },
    async () => {
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
      assert.ok(kinds.length >= 4, `faults: ${kinds.join('; ')}`);
      if (support.supported) assert.match(run.report.partitions, /^injected/);
      else assert.match(run.report.partitions, /not possible/);
    },
  );
});
