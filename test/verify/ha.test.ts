import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertClean, verify } from './run-cli.js';

/** A short `parley verify` run of this mode under faults (issue 12); long runs are documented. */
describe('parley verify under faults: ha', () => {
  it(
    '[K10][K11] HA: node kills, NATS kills, crashes of the primary and of members',
    { timeout: 600_000 },
    async () => {
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
    },
  );
});
