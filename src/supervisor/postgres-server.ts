import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { setTimeout as delay } from 'node:timers/promises';
import { LOOPBACK, spawnAt, type Placement } from './placement.js';
import { freePort } from './free-port.js';
import {
  findBinary,
  giveTo,
  postgresBinDirs,
  postgresUser,
  removeTemporaryDir,
  temporaryDir,
  type ManagedProcess,
  type RunAs,
} from './processes.js';

/**
 * A throwaway PostgreSQL server on loopback (or at a {@link Placement} of its own), started
 * from the installed binaries (Debian's `postgresql` package), for the tests that need a real
 * system of record and for `parley cluster up`. It runs with `fsync` and `synchronous_commit`
 * on, since guarantee G1 rests on them; only initdb skips its own fsyncs (`--no-sync`), which no
 * commit depends on.
 */

/** How long PostgreSQL may take to accept connections (crash recovery included). */
const READY_TIMEOUT_MS = 60_000;
/** The superuser initdb creates; local connections are trusted, so it needs no password. */
const SUPERUSER = 'parley';
/** The database every server starts with. */
const DATABASE = 'parley';
const DATABASE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** A running throwaway PostgreSQL server. */
export interface PostgresServer {
  /** `postgres://parley@ADDRESS:PORT/parley`. */
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  readonly running: boolean;
  /** The postmaster's process id while it runs, else null. */
  readonly pid: number | null;
  /** The URL of another database on this server. */
  urlFor(database: string): string;
  /**
   * Creates an empty database and returns its URL. `icuLocale` gives it a natural-language
   * default collation (PostgreSQL ≥ 15), to check that nothing depends on byte order there.
   */
  createDatabase(name: string, options?: { icuLocale?: string }): Promise<string>;
  /** Runs SQL with `psql` as the superuser (default database `parley`); resolves with its output. */
  psql(sqlText: string, database?: string): Promise<string>;
  /** Fast shutdown (SIGINT) that keeps the data directory; `restart()` brings it back. */
  halt(): Promise<void>;
  /** kill -9 of the postmaster and its backends, for fault tests; `restart()` recovers from the WAL. */
  kill(): Promise<void>;
  /** Halts if running, then starts again on the same data directory and port. */
  restart(): Promise<void>;
  /** Fast shutdown, then removes the data directory unless the caller gave it. Final. */
  stop(): Promise<void>;
}

/** Options for {@link startPostgres}. */
export interface StartPostgresOptions {
  /** Keep the cluster here (initialised if empty, reused if not); default a temporary one. */
  dataDir?: string;
  /** Default: a free loopback port. */
  port?: number;
  /** Receives every output line (e.g. to prefix and print them). */
  onLine?: (name: string, line: string) => void;
  /** Where the server runs (default loopback); clients and psql reach it at its address. */
  placement?: Placement;
}

/**
 * Initialises (unless already initialised) and starts a PostgreSQL server, resolves once it
 * accepts connections and has a `parley` database. Throws MissingBinaryError if PostgreSQL is
 * not installed.
 */
export async function startPostgres(options: StartPostgresOptions = {}): Promise<PostgresServer> {
  const binDirs = postgresBinDirs();
  const binary = (name: string) =>
    findBinary(name, { extraDirs: binDirs, debianPackage: 'postgresql' });
  const bin = {
    initdb: binary('initdb'),
    postgres: binary('postgres'),
    createdb: binary('createdb'),
    psql: binary('psql'),
  };
  const runAs = await postgresUser();
  const temp = options.dataDir === undefined ? await temporaryDir('parley-pg-') : null;
  const dataDir = temp ? join(temp, 'data') : resolve(options.dataDir ?? '');
  try {
    if (temp) await giveTo(temp, runAs);
    if (!existsSync(join(dataDir, 'PG_VERSION'))) await initdb(bin.initdb, dataDir, runAs, options);
    const port = options.port ?? (await freePort());
    const placement = options.placement ?? LOOPBACK;
    const server = new Server({
      bin,
      dataDir,
      port,
      runAs,
      temp,
      placement,
      onLine: options.onLine,
    });
    await server.start();
    try {
      await server.ensureDatabase(DATABASE);
    } catch (err) {
      await server.stop();
      throw err;
    }
    return server;
  } catch (err) {
    if (temp) await removeTemporaryDir(temp);
    throw err;
  }
}

const execFileAsync = promisify(execFile);

/** The caller's environment without libpq variables that could redirect a client program. */
function clientEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('PG')));
}

async function initdb(
  binary: string,
  dataDir: string,
  runAs: RunAs,
  options: StartPostgresOptions,
): Promise<void> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  await giveTo(dataDir, runAs);
  // The C locale exists everywhere; the schema sorts text by bytes whatever the locale.
  const args = ['-D', dataDir, '-A', 'trust', '-U', SUPERUSER, '--no-sync'];
  args.push('--locale=C', '--encoding=UTF8');
  // initdb needs no network: it runs where the supervisor does.
  await runToCompletion(spawnAt(LOOPBACK, 'initdb', binary, args, spawnOptions(runAs, options)));
}

function spawnOptions(runAs: RunAs, options: Pick<StartPostgresOptions, 'onLine'>) {
  // cwd "/": the server's user may not be allowed into the caller's working directory.
  return { runAs, cwd: '/', ...(options.onLine ? { onLine: options.onLine } : {}) };
}

async function runToCompletion(child: ManagedProcess): Promise<void> {
  const { code, signal } = await child.exited;
  if (code !== 0)
    throw new Error(`${child.name} failed (${signal ?? code}):\n${child.tail.join('\n')}`);
}

/** One postmaster on a fixed data directory and port, restartable. */
class Server implements PostgresServer {
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  #process: ManagedProcess | null = null;
  #stopped = false;

  constructor(
    private readonly config: {
      bin: { postgres: string; createdb: string; psql: string };
      dataDir: string;
      port: number;
      runAs: RunAs;
      temp: string | null;
      placement: Placement;
      onLine: StartPostgresOptions['onLine'];
    },
  ) {
    this.port = config.port;
    this.dataDir = config.dataDir;
    this.url = this.urlFor(DATABASE);
  }

  get running(): boolean {
    return this.#process?.running ?? false;
  }

  get pid(): number | null {
    return this.running ? (this.#process?.child.pid ?? null) : null;
  }

  urlFor(database: string): string {
    return `postgres://${SUPERUSER}@${this.config.placement.address}:${this.port}/${database}`;
  }

  /** Spawns the postmaster and waits until it accepts connections. */
  async start(): Promise<void> {
    if (this.#stopped) throw new Error('this PostgreSQL server was stopped for good');
    if (this.running) return;
    // After a kill -9, the old server's backends may hold its shared memory for a moment.
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (!(await this.#spawn()) && Date.now() < deadline) await delay(100);
    if (!this.running)
      throw new Error(`PostgreSQL did not start:\n${this.#process?.tail.join('\n')}`);
  }

  async #spawn(): Promise<boolean> {
    const { placement, runAs } = this.config;
    const args = ['-D', this.dataDir, '-p', String(this.port)];
    if (placement.clientNetwork) args.push('-c', `hba_file=${await this.#writeHba()}`);
    for (const setting of [
      `listen_addresses=${placement.address}`,
      // TCP only: no socket file, so no path-length limit and nothing to clean up.
      'unix_socket_directories=',
      'fsync=on',
      'synchronous_commit=on',
      'full_page_writes=on',
      'logging_collector=off',
    ])
      args.push('-c', setting);
    const name = `postgres:${this.port}`;
    const options = spawnOptions(runAs, this.config);
    const child = spawnAt(placement, name, this.config.bin.postgres, args, options);
    this.#process = child;
    try {
      await child.waitForLine(/database system is ready to accept connections/, READY_TIMEOUT_MS);
      return true;
    } catch (err) {
      if (!child.running && child.tail.some((l) => /shared memory block .* still in use/.test(l)))
        return false;
      await child.kill();
      throw err;
    }
  }

  /**
   * A pg_hba that trusts the placement's client network as initdb's trusts loopback: nodes and
   * clients connect from their own addresses there, and only the cluster's own links carry it.
   * Written at each start (the network's subnet changes from run to run).
   */
  async #writeHba(): Promise<string> {
    const path = join(this.dataDir, 'parley_network_hba.conf');
    const lines = ['host all all 127.0.0.1/32 trust'];
    lines.push(`host all all ${this.config.placement.clientNetwork} trust`);
    await writeFile(path, `${lines.join('\n')}\n`, { mode: 0o644 });
    return path;
  }

  /** Creates `name` unless it exists. */
  async ensureDatabase(name: string): Promise<void> {
    await this.#createdb(name, [], true);
  }

  async createDatabase(name: string, options: { icuLocale?: string } = {}): Promise<string> {
    const extra = options.icuLocale
      ? ['--template=template0', '--locale-provider=icu', `--icu-locale=${options.icuLocale}`]
      : [];
    await this.#createdb(name, extra, false);
    return this.urlFor(name);
  }

  async #createdb(name: string, extra: string[], mayExist: boolean): Promise<void> {
    if (!DATABASE_NAME.test(name)) throw new RangeError(`invalid database name: ${name}`);
    try {
      await this.#client(this.config.bin.createdb, [...extra, name]);
    } catch (err) {
      if (mayExist && String((err as { stderr?: unknown }).stderr).includes('already exists'))
        return;
      throw err;
    }
  }

  async psql(sqlText: string, database = DATABASE): Promise<string> {
    const args = ['-d', database, '-v', 'ON_ERROR_STOP=1', '-X', '-q', '-t', '-A', '-c', sqlText];
    return (await this.#client(this.config.bin.psql, args)).trim();
  }

  /** Runs a client program against this server over TCP; resolves with its standard output. */
  async #client(binary: string, args: string[]): Promise<string> {
    const address = this.config.placement.address;
    const target = ['-h', address, '-p', String(this.port), '-U', SUPERUSER];
    const { stdout } = await execFileAsync(binary, [...target, ...args], { env: clientEnv() });
    return stdout;
  }

  async halt(): Promise<void> {
    // SIGINT is PostgreSQL's fast shutdown: it disconnects clients, then checkpoints.
    await this.#process?.stop(READY_TIMEOUT_MS, 'SIGINT');
  }

  async kill(): Promise<void> {
    await this.#process?.kill({ children: true });
  }

  async restart(): Promise<void> {
    await this.halt();
    await this.start();
  }

  async stop(): Promise<void> {
    await this.halt();
    this.#stopped = true;
    if (this.config.temp) await removeTemporaryDir(this.config.temp);
  }
}
