import {
  closeSync,
  createReadStream,
  createWriteStream,
  existsSync,
  openSync,
  rmSync,
} from 'node:fs';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import {
  ArchiveError,
  exportArchive,
  importArchive,
  type ArchiveTrailer,
} from '../export/archive.js';
import { openSource, openTarget, type ArchiveLocation } from '../export/engines.js';

/**
 * Writes the whole store at `where` to `out` (a new file, owner-only: it holds password
 * hashes) as the NDJSON archive (rule EX1), from one consistent snapshot while a node may run.
 */
export async function exportToFile(where: ArchiveLocation, out: string): Promise<ArchiveTrailer> {
  const source = openSource(where);
  try {
    // Created owner-only and never over an existing file.
    closeSync(openSync(out, 'wx', 0o600));
    const stream = createWriteStream(out, { flags: 'w' });
    try {
      const write = async (line: string) => {
        if (!stream.write(line + '\n')) await once(stream, 'drain');
      };
      const trailer = await exportArchive(source.db, source.engine, write);
      stream.end();
      await once(stream, 'finish');
      return trailer;
    } catch (err) {
      stream.destroy();
      rmSync(out, { force: true });
      throw err;
    }
  } finally {
    await source.close();
  }
}

/** Imports the archive `file` into the empty store at `where` (rule EX4). */
export async function importFromFile(
  where: ArchiveLocation,
  file: string,
): Promise<Record<string, number>> {
  if (!existsSync(file)) throw new ArchiveError(`no archive at ${file}`);
  const target = await openTarget(where);
  try {
    const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
    return await importArchive(target.db, lines);
  } finally {
    await target.close();
  }
}

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
      if (existsSync(out)) throw new ArchiveError(`${out} already exists; choose another --out`);
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
