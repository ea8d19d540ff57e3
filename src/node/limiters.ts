import type { Config } from '../config/config.js';
import { RateLimiter } from '../services/rate-limiter.js';

/**
 * The node's rate limiters, from its configuration (rules S7, M1, F1, Q2): per node, in
 * memory, keyed by user id or client address.
 */
export function nodeLimiters(config: Config) {
  const { limits } = config;
  return {
    /** Sends per user per second, in bursts of twice that (M1). */
    sends: new RateLimiter({
      count: limits.sendsPerSecond,
      perMs: 1_000,
      burst: limits.sendsPerSecond * 2,
    }),
    // Bursts of a quarter of the minute's searches: the defaults are SEARCH_RATE's (120, 30).
    searches: new RateLimiter({
      count: config.searchesPerMinute,
      perMs: 60_000,
      burst: Math.max(1, Math.ceil(config.searchesPerMinute / 4)),
    }),
    uploads: new RateLimiter({ count: config.uploadsPerMinute, perMs: 60_000 }),
    login: new RateLimiter({ count: limits.loginPerMinute, perMs: 60_000 }),
    register: new RateLimiter({ count: limits.registerPerHour, perMs: 3_600_000 }),
    connections: new RateLimiter({ count: limits.connectionsPerMinute, perMs: 60_000 }),
  };
}
