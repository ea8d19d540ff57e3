import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import { after } from 'node:test';
import { canBind } from '../../src/supervisor/free-port.js';
import { parleyArgs } from '../helpers/process.js';
import { marked } from '../cluster/supervised-processes.js';

/** A `parley cluster up` child process for the tests of rules K12 and K13. */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const SMALL = ['--nodes', '2', '--nats', '1'];
export const UP = /Press Ctrl-C to stop everything/;

/** One `cluster up` run in a temporary directory of its own (TMPDIR), tagged by an env mark. */
export class ClusterUp {
  readonly mark = randomUUID();
  readonly tmp = mkdtempSync(join(tmpdir(), 'parley-cluster-up-test-'));
  readonly lines: string[] = [];
  readonly proc: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  #waiters: Array<{ pattern: RegExp; resolve: (line: string) => void }> = [];

  /** `shell` runs the command line through sh (for pipelines); otherwise `args` are parley's. */
  constructor(args: string[], options: { shell?: (command: string) => string } = {}) {
    // PostgreSQL runs as its own user when the test runs as root: it must reach its directory.
    chmodSync(this.tmp, 0o755);
    const env = { ...process.env, TMPDIR: this.tmp, PARLEY_TEST_MARK: this.mark };
    const argv = [process.execPath, ...parleyArgs(['cluster', 'up', ...args])];
    this.proc = options.shell
      ? spawn('sh', ['-c', options.shell(argv.map((a) => `'${a}'`).join(' '))], {
          cwd: ROOT,
          env,
          stdio: ['pipe', 'pipe', 'pipe'],
        })
      : spawn(argv[0]!, argv.slice(1), { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.exited = once(this.proc, 'exit').then(([code, signal]) => ({
      code: code as number | null,
      signal: signal as NodeJS.Signals | null,
    }));
    const onLine = (line: string) => {
      this.lines.push(line);
      this.#waiters = this.#waiters.filter(
        (w) => !(w.pattern.test(line) && (w.resolve(line), true)),
      );
    };
    createInterface({ input: this.proc.stdout! }).on('line', onLine);
    createInterface({ input: this.proc.stderr! }).on('line', (l) => onLine(`stderr: ${l}`));
  }

  /** The first line (from `from` on) matching `pattern`; rejects if the process exits first. */
  waitFor(pattern: RegExp, from = 0): Promise<string> {
    const seen = this.lines.slice(from).find((l) => pattern.test(l));
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      this.#waiters.push({ pattern, resolve });
      void this.exited.then(({ code, signal }) =>
        reject(
          new Error(`exited (${signal ?? code}) before ${pattern}:\n${this.lines.join('\n')}`),
        ),
      );
    });
  }

  type(line: string): void {
    this.proc.stdin!.write(`${line}\n`);
  }

  /** The pid of a node, from the `status` command. */
  async nodePid(id: string): Promise<number> {
    const from = this.lines.length;
    this.type('status');
    const line = await this.waitFor(
      new RegExp(`\\[cluster\\] ${id} \\S+ running \\(pid (\\d+)\\)`),
      from,
    );
    return Number(/pid (\d+)/.exec(line)![1]);
  }

  /** Stops the run (SIGTERM, as a service manager would), or kills what it left; removes TMPDIR. */
  async cleanUp(): Promise<void> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) {
      this.proc.kill('SIGTERM');
      await this.exited;
    }
    for (const pid of marked(this.mark)) process.kill(pid, 'SIGKILL');
    rmSync(this.tmp, { recursive: true, force: true });
  }
}

const runs: ClusterUp[] = [];
export const run = (args: string[], options?: ConstructorParameters<typeof ClusterUp>[1]) => {
  const up = new ClusterUp(args, options);
  runs.push(up);
  return up;
};
after(async () => {
  await Promise.all(runs.map((r) => r.cleanUp()));
});

/** A base port whose whole block (N..N+49) is free now, below the ephemeral range. */
export async function freeBlock(): Promise<number> {
  for (;;) {
    const base = 20_000 + 50 * Math.floor(Math.random() * 240);
    let free = true;
    for (let p = base; p < base + 50 && free; p++) free = await canBind(p);
    if (free) return base;
  }
}
