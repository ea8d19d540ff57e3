import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { canBind } from '../../src/supervisor/processes.js';
import { parleyArgs } from '../helpers/process.js';
import { alive, leftovers, marked } from '../cluster/supervised-processes.js';

/**
 * `parley cluster up` as a user runs it (rules K12, K13): a dying node is reported at once,
 * `--restart` brings it back, `--base-port` binds fixed ports, a closed output pipe and Ctrl-C
 * stop every child (nodes before PostgreSQL) and remove every temporary directory.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SMALL = ['--nodes', '2', '--nats', '1'];

/** One `cluster up` run in a temporary directory of its own (TMPDIR), tagged by an env mark. */
class ClusterUp {
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
const run = (args: string[], options?: ConstructorParameters<typeof ClusterUp>[1]) => {
  const up = new ClusterUp(args, options);
  runs.push(up);
  return up;
};
after(async () => {
  await Promise.all(runs.map((r) => r.cleanUp()));
});

const UP = /Press Ctrl-C to stop everything/;

/** A base port whose whole block (N..N+49) is free now, below the ephemeral range. */
async function freeBlock(): Promise<number> {
  for (;;) {
    const base = 20_000 + 50 * Math.floor(Math.random() * 240);
    let free = true;
    for (let p = base; p < base + 50 && free; p++) free = await canBind(p);
    if (free) return base;
  }
}

describe('parley cluster up', () => {
  it('reports a node that dies at once, with what to do, and restarts it with --restart', async () => {
    const up = run([...SMALL, '--restart']);
    await up.waitFor(UP);
    const url = /node-2\s+(\S+)/.exec(up.lines.find((l) => /^\s+node-2\s/.test(l))!)![1]!;
    const pid = await up.nodePid('node-2');
    process.kill(pid, 'SIGKILL');
    const line = await up.waitFor(/\[cluster\] node-2 \(pid \d+\) exited/);
    assert.equal(
      line,
      `[cluster] node-2 (pid ${pid}) exited with signal SIGKILL: restarting it in 0.5 s`,
    );
    const back = await up.waitFor(/\[cluster\] node-2 restarted/);
    const newPid = Number(/pid (\d+)/.exec(back)![1]);
    assert.notEqual(newPid, pid);
    assert.match(back, new RegExp(`on ${url}$`));
    const response = await fetch(`${url}/healthz`);
    assert.equal(response.status, 200);
    assert.equal(await up.nodePid('node-2'), newPid);
  });

  it('without --restart says how to start the node again, and `restart N` does', async () => {
    const up = run(SMALL);
    await up.waitFor(UP);
    const pid = await up.nodePid('node-1');
    process.kill(pid, 'SIGKILL');
    const line = await up.waitFor(/\[cluster\] node-1 \(pid \d+\) exited/);
    assert.equal(
      line,
      `[cluster] node-1 (pid ${pid}) exited with signal SIGKILL: its clients move to the other nodes; ` +
        'type "restart 1" to start it again (or run cluster up with --restart)',
    );
    up.type('restart 1');
    const back = await up.waitFor(/\[cluster\] node-1 restarted \(pid \d+\)/);
    assert.ok(!back.includes(`pid ${pid})`));
    up.type('restart 7');
    await up.waitFor(/\[cluster\] no such node: 7; nodes are 1-2/);
  });

  it('--base-port binds the documented ports', async () => {
    const base = await freeBlock();
    const up = run([...SMALL, '--base-port', String(base)]);
    await up.waitFor(UP);
    const text = up.lines.join('\n');
    assert.match(text, new RegExp(`node-1\\s+http://127\\.0\\.0\\.1:${base + 1}\\n`));
    assert.match(text, new RegExp(`node-2\\s+http://127\\.0\\.0\\.1:${base + 2}\\n`));
    assert.match(text, new RegExp(`postgres\\s+postgres://parley@127\\.0\\.0\\.1:${base}/parley`));
    assert.match(text, new RegExp(`nats\\s+nats://127\\.0\\.0\\.1:${base + 21}\\n`));
    assert.equal((await fetch(`http://127.0.0.1:${base + 2}/healthz`)).status, 200);
    const varz = (await (await fetch(`http://127.0.0.1:${base + 41}/varz`)).json()) as {
      port: number;
    };
    assert.equal(varz.port, base + 21);
    for (const port of [base, base + 1, base + 2, base + 21, base + 41])
      assert.equal(await canBind(port), false, `port ${port} should be bound`);
  });

  it('--base-port: a taken port or one out of range is a clear error, exit 2', async () => {
    const base = await freeBlock();
    const blocker = createServer().listen(base + 2, '127.0.0.1');
    await once(blocker, 'listening');
    try {
      const taken = run([...SMALL, '--base-port', String(base)]);
      assert.equal((await taken.exited).code, 2);
      assert.ok(
        taken.lines.includes(
          `stderr: parley: port already in use: ${base + 2} (node-2); stop what listens there (ss -ltnp shows it) or choose another --base-port`,
        ),
        taken.lines.join('\n'),
      );
      assert.deepEqual(marked(taken.mark), []);
    } finally {
      blocker.close();
    }
    const high = run([...SMALL, '--base-port', '65500']);
    assert.equal((await high.exited).code, 2);
    assert.ok(
      high.lines.includes('stderr: parley: --base-port must be 1024-65486'),
      high.lines.join('\n'),
    );
  });

  it('`cluster up | head -n 3`: every child exits and the temporary directories are removed', async () => {
    const up = run(SMALL, { shell: (command) => `${command} | head -n 3` });
    const { code } = await up.exited;
    assert.equal(code, 0, up.lines.join('\n')); // head's status
    assert.equal(up.lines.filter((l) => !l.startsWith('stderr:')).length, 3);
    assert.ok(up.lines.includes('stderr: stopped.'), up.lines.join('\n'));
    assert.deepEqual(marked(up.mark), []);
    assert.deepEqual(leftovers(up.tmp), []);
  });

  it('the reader gone after start-up: an orderly stop, no child left, no directory left', async () => {
    const up = run(SMALL);
    await up.waitFor(UP);
    const children = marked(up.mark);
    assert.ok(children.length >= 4, `expected nodes, NATS and PostgreSQL: ${children.join(',')}`);
    assert.ok(readdirSync(up.tmp).some((d) => d.startsWith('parley-pg-')));
    up.proc.stdout!.destroy();
    up.type('status'); // something to write: the write meets the closed pipe
    const { code } = await up.exited;
    assert.equal(code, 141, up.lines.join('\n'));
    assert.ok(
      up.lines.some((l) => /^stderr: stdout closed \(E\w+\): stopping the cluster/.test(l)),
    );
    assert.ok(up.lines.includes('stderr: stopped.'), up.lines.join('\n'));
    for (const pid of children) assert.equal(alive(pid), false, `pid ${pid} still runs`);
    assert.deepEqual(marked(up.mark), []);
    assert.deepEqual(leftovers(up.tmp), []);
  });

  it('Ctrl-C stops the nodes before PostgreSQL: no "shutting down" refusal in the log', async () => {
    const up = run(SMALL);
    await up.waitFor(UP);
    up.proc.kill('SIGINT');
    const { code } = await up.exited;
    assert.equal(code, 0, up.lines.join('\n'));
    const text = up.lines.join('\n');
    assert.doesNotMatch(text, /the database system is shutting down/);
    const at = (pattern: RegExp) => up.lines.findIndex((l) => pattern.test(l));
    const nodesStopped = at(/^\[cluster\] nodes stopped: node-1 \(code 0\), node-2 \(code 0\)$/);
    const natsStopping = at(/^\[cluster\] stopping NATS…$/);
    const postgresStopping = at(/^\[cluster\] stopping PostgreSQL…$/);
    const postgresShutdown = at(/\[postgres:\d+\]\S* .*received fast shutdown request/);
    assert.ok(at(/^\[cluster\] stopping the nodes/) >= 0, text);
    assert.ok(nodesStopped >= 0 && postgresShutdown >= 0, text);
    assert.ok(nodesStopped < natsStopping && natsStopping < postgresStopping, text);
    assert.ok(postgresStopping < postgresShutdown, text);
    assert.deepEqual(marked(up.mark), []);
    assert.deepEqual(leftovers(up.tmp), []);
  });
});
