import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertClean, verify } from './run-cli.js';

/** A short `parley verify` run of this mode under faults (issue 12); long runs are documented. */
describe('parley verify under faults: embedded', () => {
  it(
    '[G1][G4][K5] embedded: kill -9 and SIGSTOP of the one node',
    { timeout: 600_000 },
    async () => {
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
      assert.ok(kinds.length >= 2, `faults: ${kinds.join('; ')}`);
    },
  );
});
