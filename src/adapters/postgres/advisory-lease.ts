import { createHash } from 'node:crypto';
import pg from 'pg';
import type { Lease } from '../../ports/store.js';

/**
 * Store leases as PostgreSQL session-level advisory locks, each on a connection of its own
 * (outside the query pool, so a held lease never takes a pooled connection away). The server
 * drops the lock when that session ends, so a lease dies with its node; a connection error on
 * this side resolves `lost`.
 */
export class AdvisoryLeases {
  readonly #config: pg.ClientConfig;
  readonly #held = new Set<pg.Client>();

  constructor(config: pg.ClientConfig) {
    // Named, so an operator sees in pg_stat_activity which sessions hold leases.
    this.#config = { ...config, application_name: 'parley lease' };
  }

  /** Takes the lease `name` if no session holds it; null if one does. */
  async tryLease(name: string): Promise<Lease | null> {
    const client = new pg.Client(this.#config);
    let ended!: () => void;
    const lost = new Promise<void>((resolve) => (ended = resolve));
    client.on('error', () => ended());
    client.on('end', () => ended());
    try {
      await client.connect();
      const { rows } = await client.query<{ taken: boolean }>(
        'select pg_try_advisory_lock($1::bigint) as taken',
        [lockKey(name)],
      );
      if (rows[0]?.taken !== true) {
        await client.end();
        return null;
      }
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
    this.#held.add(client);
    let released = false;
    return {
      lost: lost.then(() => {
        this.#held.delete(client);
        // A released lease was not lost: leave its promise pending.
        return released ? new Promise<void>(() => undefined) : undefined;
      }),
      release: async () => {
        released = true;
        this.#held.delete(client);
        // Ending the session drops the lock; no unlock round trip to fail on a dead server.
        await client.end().catch(() => undefined);
      },
    };
  }

  /** Ends every held lease's session (the store is closing). */
  async close(): Promise<void> {
    const clients = [...this.#held];
    this.#held.clear();
    await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
  }
}

/** A stable 64-bit advisory-lock key for a lease name (signed, as PostgreSQL's bigint). */
function lockKey(name: string): string {
  return createHash('sha256').update(`parley:${name}`).digest().readBigInt64BE(0).toString();
}
