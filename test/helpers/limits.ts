import { BENCH_LIMITS } from '../../src/bench/target.js';

/**
 * `parley serve` flags that lift the rate limits, for tests of other things that start node
 * processes (the rate-limit tests set their own low limits). The same set the benchmark uses.
 */
export const UNLIMITED: string[] = [...BENCH_LIMITS];
