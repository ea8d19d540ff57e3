import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Backoff } from '../../src/client/backoff.js';

describe('reconnect backoff (rule K3)', () => {
  it('[K3] a refused connection is retried within 1-2 s however long the outage; other failures grow to 5-10 s', () => {
    const delays = (kind: 'refused' | 'failed', random: number) => {
      const backoff = new Backoff({ random: () => random });
      return Array.from({ length: 12 }, () => backoff.next(kind));
    };
    // Defaults: base 250 ms; refused capped at 2 s, anything else at 10 s.
    assert.deepEqual(
      delays('refused', 1),
      [250, 500, 1000, 2000, 2000, 2000, 2000, 2000, 2000, 2000, 2000, 2000],
    );
    assert.deepEqual(delays('refused', 0).slice(3), Array(9).fill(1000), 'jitter [cap/2, cap]');
    assert.deepEqual(
      delays('failed', 1),
      [250, 500, 1000, 2000, 4000, 8000, 10000, 10000, 10000, 10000, 10000, 10000],
    );
    assert.deepEqual(
      new Backoff({ random: () => 1 }).next(),
      250,
      'without a kind: a plain failure (first retry quick)',
    );
  });

  it('[K3] refusedMaxMs never exceeds maxMs, and the attempt count is shared and reset by ready', () => {
    const small = new Backoff({ baseMs: 100, maxMs: 300, refusedMaxMs: 5000, random: () => 1 });
    assert.deepEqual(
      [small.next('refused'), small.next('refused'), small.next('refused'), small.next('refused')],
      [100, 200, 300, 300],
    );
    const mixed = new Backoff({ baseMs: 100, maxMs: 10_000, refusedMaxMs: 400, random: () => 1 });
    assert.deepEqual(
      [mixed.next('refused'), mixed.next('refused'), mixed.next('refused'), mixed.next('failed')],
      [100, 200, 400, 800],
      'a node that starts answering but fails goes back to the long backoff at the same attempt',
    );
    assert.equal(mixed.attempt, 4);
    mixed.reset();
    assert.equal(mixed.attempt, 0);
    assert.equal(mixed.next('failed'), 100, 'reset: quick again');
  });
});
