import type { Logger } from 'pino';
import type { Limits } from '../domain/limits.js';
import type { Metrics } from '../observability/metrics.js';
import type { Bus } from '../ports/bus.js';
import type { PasswordHasher } from '../ports/password-hasher.js';
import type { Store } from '../ports/store.js';

/**
 * What every service is built from; the composition root (src/node) supplies it. Each service
 * declares what it takes of it, the store narrowed to the slices it uses (e.g. AccountDeps:
 * `Pick<ServiceDeps, …> & { store: UsersStore & SessionsStore & TransactionsStore }`).
 */
export interface ServiceDeps {
  store: Store;
  bus: Bus;
  hasher: PasswordHasher;
  limits: Limits;
  log: Logger;
  now: () => number;
  /** Counters and latencies for /metrics; optional so tests may build services without. */
  metrics?: Metrics;
}
