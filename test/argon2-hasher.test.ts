import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Argon2Hasher } from '../src/adapters/argon2/argon2-hasher.js';
import { isAppError } from '../src/domain/errors.js';

describe('argon2 hasher', () => {
  it('[A2] at most maxConcurrent run and maxQueued wait; further checks are unavailable at once', async () => {
    const hasher = new Argon2Hasher({ maxConcurrent: 1, maxQueued: 2 });
    const hash = await hasher.hash('correct horse');
    const checks = Array.from({ length: 6 }, (_, i) =>
      hasher.verify(hash, i === 0 ? 'correct horse' : 'wrong guess').then(
        (ok) => ({ ok }),
        (err: unknown) => ({ err }),
      ),
    );
    const answers = await Promise.all(checks);
    assert.deepEqual(
      answers.slice(0, 3).map((a) => ('ok' in a ? a.ok : a.err)),
      [true, false, false],
      'the running check and the two waiting ones are answered',
    );
    for (const answer of answers.slice(3)) {
      assert.ok('err' in answer && isAppError(answer.err, 'unavailable'), 'the rest are refused');
    }
    // The queue drained: the hasher takes new work again.
    assert.equal(await hasher.verify(hash, 'correct horse'), true);
  });
});
