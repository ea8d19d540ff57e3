import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';

/**
 * Process supervision shared by `parley cluster up` and the tests that need real engines:
 * finding installed binaries, free loopback ports, and child processes that can be awaited,
 * stopped and killed.
 */

/** Raised when an engine binary is not installed; names the Debian package to install. */
export class MissingBinaryError extends Error {
  override readonly name = 'MissingBinaryError';
  constructor(
    readonly binary: string,
    readonly debianPackage: string,
  ) {
    super(
      `${binary} is not installed: install the Debian package "${debianPackage}" (apt-get install ${debianPackage})`,
    );
  }
}

/** Finds an executable on PATH or in extra directories (e.g. /usr/lib/postgresql/15/bin). */
export function findBinary(
  name: string,
  options: { extraDirs?: string[]; debianPackage: string },
): string {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), ...(options.extraDirs ?? [])];
  for (const dir of dirs) {
    const candidate = join(dir, name);
    if (dir && existsSync(candidate)) return candidate;
  }
  throw new MissingBinaryError(name, options.debianPackage);
}

/** PostgreSQL's versioned binary directories, newest first. */
export function postgresBinDirs(): string[] {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .sort((a, b) => Number(b) - Number(a))
    .map((v) => join(root, v, 'bin'));
}

/** The user and group an engine runs as (PostgreSQL refuses to run as root). */
export interface RunAs {
  uid?: number;
  gid?: number;
}

/** Root runs PostgreSQL (and Patroni) as Debian's `postgres` user; anyone else as themselves. */
export async function postgresUser(): Promise<RunAs> {
  if (process.getuid?.() !== 0) return {};
  const id = async (flag: string) =>
    Number((await execFileAsync('id', [flag, 'postgres'])).stdout.trim());
  try {
    return { uid: await id('-u'), gid: await id('-g') };
  } catch (err) {
    throw new Error(
      'PostgreSQL refuses to run as root and there is no "postgres" user to run it as: ' +
        'install the Debian package "postgresql" (it creates that user) or run as another user',
      { cause: err },
    );
  }
}

/** Hands `path` to the user an engine runs as (a no-op when it runs as the caller). */
export async function giveTo(path: string, runAs: RunAs): Promise<void> {
  if (runAs.uid !== undefined && runAs.gid !== undefined) await chown(path, runAs.uid, runAs.gid);
}

const execFileAsync = promisify(execFile);

/** A supervised child process whose output lines are forwarded with a prefix. */
export class ManagedProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The last output lines, for error messages. */
  readonly tail: string[] = [];
  readonly #lineListeners = new Set<(line: string) => void>();
  readonly #companions: () => number[];

  constructor(
    readonly name: string,
    command: string,
    args: string[],
    options: {
      env?: NodeJS.ProcessEnv;
      cwd?: string;
      onLine?: (name: string, line: string) => void;
      /** Run as this user and group (engines such as PostgreSQL refuse to run as root). */
      uid?: number;
      gid?: number;
      /**
       * Other processes of the same server that are not its children (Patroni's postmaster
       * detaches itself): `kill()` kills them in the same instant, and so does this process's
       * exit if the supervisor never stopped them.
       */
      companions?: () => number[];
    } = {},
  ) {
    this.#companions = options.companions ?? (() => []);
    const launch = dieWithParent(command, args);
    this.child = spawn(launch.command, launch.args, {
      env: options.env ?? process.env,
      cwd: options.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      // A process group of its own: a Ctrl-C in the terminal reaches the supervisor only, which
      // then stops its children in order (nodes before the engines they depend on).
      detached: true,
      ...(options.uid === undefined ? {} : { uid: options.uid }),
      ...(options.gid === undefined ? {} : { gid: options.gid }),
    });
    running.add(this);
    installSignalFallback();
    this.exited = once(this.child, 'exit').then(([code, signal]) => {
      running.delete(this);
      return { code: code as number | null, signal: signal as NodeJS.Signals | null };
    });
    // A spawn failure (e.g. ENOENT) surfaces as an exit, not an unhandled error.
    this.child.on('error', (err) => this.tail.push(`spawn error: ${err.message}`));
    for (const stream of [this.child.stdout, this.child.stderr]) {
      if (!stream) continue;
      createInterface({ input: stream }).on('line', (line) => {
        this.tail.push(line);
        if (this.tail.length > 50) this.tail.shift();
        options.onLine?.(name, line);
        for (const listener of this.#lineListeners) listener(line);
      });
    }
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Resolves with the first output line matching `pattern`; rejects if the process exits first. */
  waitForLine(pattern: RegExp, timeoutMs = 30_000): Promise<string> {
    const seen = this.tail.find((l) => pattern.test(l));
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        this.#lineListeners.delete(listener);
      };
      const listener = (line: string) => {
        if (!pattern.test(line)) return;
        done();
        resolve(line);
      };
      const timer = setTimeout(() => {
        done();
        reject(
          new Error(
            `${this.name}: no line matching ${pattern} within ${timeoutMs} ms:\n${this.tail.join('\n')}`,
          ),
        );
      }, timeoutMs);
      this.#lineListeners.add(listener);
      void this.exited.then(({ code, signal }) => {
        if (!this.#lineListeners.has(listener)) return;
        done();
        reject(
          new Error(
            `${this.name} exited (${signal ?? code}) before ${pattern}:\n${this.tail.join('\n')}`,
          ),
        );
      });
    });
  }

  /**
   * Polls `probe` until it resolves true (see {@link waitUntil}); rejects as soon as the process
   * exits instead, with its last output lines.
   */
  async waitUntilReady(
    probe: () => Promise<boolean>,
    options: { timeoutMs: number; what: string },
  ): Promise<void> {
    await waitUntil(async () => !this.running || (await probe()), options);
    if (this.running) return;
    const status = this.child.signalCode ?? this.child.exitCode;
    throw new Error(`${this.name} exited (${status}) while starting:\n${this.tail.join('\n')}`);
  }

  /**
   * Asks the process to stop with `signal` (SIGTERM unless the engine wants another, such as
   * PostgreSQL's fast shutdown on SIGINT), then SIGKILL after `graceMs`; resolves when gone.
   */
  async stop(graceMs = 10_000, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (!this.running) return;
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  /**
   * kill -9, for fault tests. With `children`, the process's children die in the same instant
   * (a server crash: PostgreSQL's backends would otherwise answer their open connections for a
   * moment after their postmaster is gone), and so do its companions and their children.
   * Everything is stopped first so that nothing can start another child between the listing and
   * the kill.
   */
  async kill(options: { children?: boolean } = {}): Promise<void> {
    const pid = this.child.pid;
    const companions = this.#companions();
    if (!this.running || pid === undefined) killAtOnce(companions);
    else if (options.children || companions.length > 0) killAtOnce([pid, ...companions]);
    else this.child.kill('SIGKILL');
    await this.exited;
  }

  /** kill -9 of the process and its companions, synchronously (for the exit hook below). */
  killNow(): void {
    const pid = this.child.pid;
    killAtOnce([...(pid === undefined ? [] : [pid]), ...this.#companions()]);
  }
}

/**
 * Every child process not yet exited, and every temporary directory not yet removed. A
 * supervisor that exits without stopping its children (a test file that ends early, an uncaught
 * error) kills them and removes the directories on its way out rather than leaving engines
 * behind; a supervisor killed with SIGKILL cannot.
 */
const running = new Set<ManagedProcess>();
const temporaryDirs = new Set<string>();
process.once('exit', () => cleanUpNow());

/**
 * A supervisor ended by a signal it does not handle itself (a Ctrl-C of `bench --spawn`, a
 * `kill`) would die without the exit hook above and leave its children running in their own
 * process groups: while children run, SIGINT, SIGTERM and SIGHUP that no one else handles kill
 * them and remove the temporary directories, then end the supervisor with that same signal.
 * A program with its own handler (`cluster up`, which stops everything in order) keeps it.
 */
const FALLBACK_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
let fallbackInstalled = false;
function installSignalFallback(): void {
  if (fallbackInstalled) return;
  fallbackInstalled = true;
  for (const sig of FALLBACK_SIGNALS) {
    const fallback = () => {
      if (process.listenerCount(sig) > 1) return;
      cleanUpNow();
      process.removeListener(sig, fallback);
      process.kill(process.pid, sig);
    };
    process.on(sig, fallback);
  }
}

/**
 * On Linux with util-linux's setpriv, a child is started through `setpriv --pdeathsig SIGKILL`,
 * which execs it (the pid is the program's own) with the kernel's parent-death signal set: even a
 * supervisor killed with SIGKILL, which runs no handler, takes its children with it. Elsewhere,
 * or without setpriv, the command runs as is.
 */
let setprivPath: string | null | undefined;
function dieWithParent(command: string, args: string[]): { command: string; args: string[] } {
  if (setprivPath === undefined) {
    setprivPath = null;
    if (process.platform === 'linux')
      for (const dir of ['/usr/bin', '/bin', ...(process.env.PATH ?? '').split(delimiter)])
        if (dir && existsSync(join(dir, 'setpriv'))) {
          setprivPath = join(dir, 'setpriv');
          break;
        }
  }
  if (!setprivPath) return { command, args };
  return { command: setprivPath, args: ['--pdeathsig', 'SIGKILL', '--', command, ...args] };
}

/** kill -9 of every running child, removal of every temporary directory; synchronous. */
export function cleanUpNow(): void {
  for (const child of running) child.killNow();
  for (const dir of temporaryDirs) rmSync(dir, { recursive: true, force: true });
  temporaryDirs.clear();
}

/** A new temporary directory `/tmp/<prefix>XXXXXX`, removed at exit unless removed before. */
export async function temporaryDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  temporaryDirs.add(dir);
  return dir;
}

/** Removes a directory made by {@link temporaryDir}. */
export async function removeTemporaryDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  temporaryDirs.delete(dir);
}

/** kill -9 of `pids` and their children in one instant (each stopped first, then all killed). */
export function killAtOnce(pids: number[]): void {
  for (const pid of pids) signal(pid, 'SIGSTOP');
  const all = pids.flatMap((pid) => [...childPids(pid), pid]);
  for (const pid of all) signal(pid, 'SIGKILL');
}

/** Sends `sig` to `pid`, ignoring a process that is already gone. */
function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

/** The ids of `pid`'s child processes, from /proc (Linux); empty where /proc cannot say. */
export function childPids(pid: number): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const children: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so read after the last ')'.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid === pid) children.push(Number(entry));
  }
  return children;
}

/** Polls `probe` until it resolves true (engines that log readiness unreliably); bounded. */
export async function waitUntil(
  probe: () => Promise<boolean>,
  options: { timeoutMs: number; what: string },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  for (let delay = 20; ; delay = Math.min(delay * 2, 500)) {
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${options.timeoutMs} ms waiting for ${options.what}`);
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}
