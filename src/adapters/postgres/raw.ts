import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from '../sql/schema.js';

const INT8_OID = 20;

/**
 * A direct connection (one pooled client) to a PostgreSQL store's database, for the bulk
 * reads and writes of export and import (rules EX1-EX4); the node itself uses the store.
 */
export function rawPostgresDb(url: string, applicationName: string): Kysely<Database> {
  const types = new pg.TypeOverrides();
  // bigint columns hold epoch milliseconds and counts, far below 2^53 (as the store reads them).
  types.setTypeParser(INT8_OID, (value: string) => Number(value));
  const pool = new pg.Pool({
    connectionString: url,
    types,
    max: 1,
    application_name: applicationName,
  });
  pool.on('error', () => undefined);
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}
