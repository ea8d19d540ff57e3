import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { backupSqlite, sqlitePath } from '../adapters/sqlite/sqlite-store.js';

/**
 * `parley backup --out FILE`: a consistent snapshot of a node's SQLite database, taken with
 * SQLite's online backup API while the node keeps running (rule O5).
 */
export function registerBackup(program: Command): void {
  program
    .command('backup')
    .description("write a consistent snapshot of a node's database (no downtime)")
    .requiredOption('--out <file>', 'snapshot file to write')
    .option(
      '--data <dir>',
      'data directory of the node [env PARLEY_DATA]',
      process.env.PARLEY_DATA ?? './data',
    )
    .action(async (opts: { out: string; data: string }) => {
      const file = sqlitePath(opts.data);
      if (!existsSync(file)) {
        console.error(`parley: no database at ${file} (is --data right?)`);
        process.exit(1);
      }
      const out = resolve(opts.out);
      if (existsSync(out)) {
        console.error(`parley: ${out} already exists; choose another --out`);
        process.exit(1);
      }
      const { pages } = await backupSqlite(file, out);
      console.log(`backup written to ${out} (${pages} pages)`);
      console.log(
        `restore: stop the node, delete parley.db-wal and parley.db-shm in the data directory, copy the snapshot to ${sqlitePath('<data dir>')}, start the node`,
      );
    });
}
