import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  SEARCH_TOKEN_MAX,
  searchText,
  searchTokens,
  unicodeSearchTokens,
} from '../../src/domain/search.js';

/** A deterministic stream of pseudo-random numbers (xorshift32), so a failure reproduces. */
function random(seed: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

describe('search tokens (rule Q1)', () => {
  it('[Q1] an ASCII text gets the same tokens on the short path as through the Unicode folding', () => {
    const next = random(42);
    for (let n = 0; n < 2_000; n++) {
      const length = Math.floor(next() * 200);
      let text = '';
      // Every ASCII character, runs of letters longer than SEARCH_TOKEN_MAX among them.
      for (let i = 0; i < length; i++)
        text += next() < 0.05 ? 'Ab1'.repeat(30) : String.fromCharCode(Math.floor(next() * 128));
      assert.deepEqual(searchTokens(text), unicodeSearchTokens(text), JSON.stringify(text));
    }
  });

  it('[Q1] tokens are folded, cut at SEARCH_TOKEN_MAX and joined by single spaces', () => {
    assert.equal(searchText('Hello, WORLD! x_y 42'), 'hello world x y 42');
    assert.equal(searchText('Café ﬁne'), 'cafe fine');
    assert.deepEqual(searchTokens('a'.repeat(SEARCH_TOKEN_MAX + 5)), [
      'a'.repeat(SEARCH_TOKEN_MAX),
    ]);
    assert.deepEqual(searchTokens(''), []);
  });
});
