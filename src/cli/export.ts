import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { exportToFile, importFromFile } from '../node/archive-stores.js';

export { exportToFile, importFromFile };

interface Options {
  data: string;
  store: string;
}

function withLocation(command: Command): Command {
  return command
    .option(
      '--data <dir>',
      'data directory of the node [env PARLEY_DATA]',
      process.env.PARLEY_DATA ?? './data',
    )
    .option(
      '--store <store>',
      'sqlite (in --data) or a PostgreSQL URL [env PARLEY_STORE]',
      process.env.PARLEY_STORE ?? 'sqlite',
    );
}

async function report(work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (err) {
    console.error(`parley: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}

function summary(counts: Record<string, number>): string {
  return Object.entries(counts)
    .map(([table, n]) => `${table} ${n}`)
    .join(', ');
}

/** `parley export --out FILE` and `parley import --in FILE` (rules EX1-EX6). */
export function registerExport(program: Command): void {
  withLocation(
    program
      .command('export')
      .description('write the whole store (accounts, conversations, messages, files) to an archive')
      .requiredOption('--out <file>', 'archive file to write (NDJSON; holds password hashes)'),
  ).action((opts: Options & { out: string }) =>
    report(async () => {
      const out = resolve(opts.out);
      if (existsSync(out)) throw new Error(`${out} already exists; choose another --out`);
      const { counts } = await exportToFile({ dataDir: opts.data, store: opts.store }, out);
      console.log(`export written to ${out}: ${summary(counts)}`);
    }),
  );
  withLocation(
    program
      .command('import')
      .description('load an archive of `parley export` into a new, empty store')
      .requiredOption('--in <file>', 'archive file to read'),
  ).action((opts: Options & { in: string }) =>
    report(async () => {
      const counts = await importFromFile(
        { dataDir: opts.data, store: opts.store },
        resolve(opts.in),
      );
      console.log(`imported: ${summary(counts)}`);
    }),
  );
}
