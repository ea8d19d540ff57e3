import { sql, type Kysely } from 'kysely';
import type { Database } from '../sql/schema.js';

/** What one look at the server says about where commits go (see {@link readReplication}). */
export interface ReplicationState {
  /** The server is a standby or in read-only mode: every write fails with 25006. */
  readOnly: boolean;
  /** Standbys each commit of this session waits for (from `synchronous_standby_names`). */
  configured: number;
  /** Standbys streaming in `sync` or `quorum` state (`pg_stat_replication`). */
  streaming: number;
  /**
   * Rows of `pg_stat_replication` whose state this user may not see (it needs `pg_monitor`
   * or `pg_read_all_stats`): they count as not streaming.
   */
  hidden: number;
}

/**
 * How many standbys `synchronous_standby_names` makes a commit wait for: `FIRST n (…)`,
 * `ANY n (…)` and `n (…)` wait for n; a plain list (or `*`) for one, its first live member;
 * an empty setting for none.
 */
export function parseSynchronousStandbyNames(value: string): number {
  const setting = value.trim();
  if (setting === '') return 0;
  const counted = /^(?:(?:first|any)\s+)?(\d+)\s*\(/i.exec(setting);
  return counted ? Number(counted[1]) : 1;
}

/** Reads the server's replication state in one round trip. */
export async function readReplication(db: Kysely<Database>): Promise<ReplicationState> {
  const { rows } = await sql<{
    read_only: boolean;
    names: string;
    commit: string;
    streaming: number;
    hidden: number;
  }>`
    select pg_is_in_recovery() or current_setting('transaction_read_only') = 'on' as read_only,
      current_setting('synchronous_standby_names') as names,
      current_setting('synchronous_commit') as commit,
      (select count(*) from pg_stat_replication
        where state = 'streaming' and sync_state in ('sync', 'quorum')) as streaming,
      (select count(*) from pg_stat_replication where sync_state is null) as hidden
  `.execute(db);
  const row = rows[0];
  if (!row) throw new Error('the replication query returned no row');
  return {
    readOnly: row.read_only,
    // synchronous_commit=local: this session's commits wait for no standby, whatever is named.
    configured: row.commit === 'local' ? 0 : parseSynchronousStandbyNames(row.names),
    streaming: Number(row.streaming),
    hidden: Number(row.hidden),
  };
}
