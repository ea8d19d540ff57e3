import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { waitUntil } from '../../src/supervisor/processes.js';
import { leftovers, marked } from './supervised-processes.js';

/**
 * A supervisor that handles no signal itself (`bench --spawn cluster`) still leaves no engine
 * and no temporary directory behind (rule K12): SIGINT, SIGTERM and SIGHUP kill its children and
 * remove the directories before it dies of that signal; an uncaught error does so on exit.
 */
const FIXTURE = fileURLToPath(new URL('./fixtures/bare-supervisor.ts', import.meta.url));

async function superviseThenEnd(
  end: 'SIGINT' | 'SIGTERM' | 'SIGHUP' | 'SIGKILL' | 'throw',
): Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }> {
  const mark = randomUUID();
  const tmp = mkdtempSync(join(tmpdir(), 'parley-supervisor-exit-test-'));
  chmodSync(tmp, 0o755); // PostgreSQL may run as its own user
  const args = ['--import', 'tsx', FIXTURE, ...(end === 'throw' ? ['throw'] : [])];
  const child = spawn(process.execPath, args, {
    env: { ...process.env, TMPDIR: tmp, PARLEY_TEST_MARK: mark },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = once(child, 'exit');
  let output = '';
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  try {
    const lines = createInterface({ input: child.stdout });
    const up = new Promise<void>((resolve, reject) => {
      lines.on('line', (line) => line.startsWith('up ') && resolve());
      void exited.then(() => reject(new Error(`exited before it was up:\n${output}`)));
    });
    await up;
    assert.ok(marked(mark).length >= 4, 'the cluster runs (supervisor, node, NATS, PostgreSQL)');
    assert.ok(readdirSync(tmp).some((d) => d.startsWith('parley-pg-')));
    if (end !== 'throw') child.kill(end);
    const [code, signal] = (await exited) as [number | null, NodeJS.Signals | null];
    if (end === 'SIGKILL') {
      // The kernel kills the direct children as the supervisor dies; PostgreSQL's backends
      // follow their postmaster on their own, a moment later. Nothing could remove the files.
      await waitUntil(() => Promise.resolve(marked(mark).length === 0), {
        timeoutMs: 15_000,
        what: 'the children of a supervisor killed with SIGKILL to exit',
      });
      return { code, signal, output };
    }
    assert.deepEqual(marked(mark), [], 'no child of the supervisor runs');
    assert.deepEqual(leftovers(tmp), [], 'no temporary directory is left');
    return { code, signal, output };
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    for (const pid of marked(mark)) process.kill(pid, 'SIGKILL');
    rmSync(tmp, { recursive: true, force: true });
  }
}

describe('a supervisor without handlers of its own', () => {
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    it(`${sig}: children killed, temporary directories removed, then it dies of ${sig}`, async () => {
      const { signal } = await superviseThenEnd(sig);
      assert.equal(signal, sig);
    });
  }

  it('SIGKILL: the children die with it (parent-death signal), though its files stay', async () => {
    const { signal } = await superviseThenEnd('SIGKILL');
    assert.equal(signal, 'SIGKILL');
  });

  it('an uncaught error: the same on its way out', async () => {
    const { code, output } = await superviseThenEnd('throw');
    assert.equal(code, 1);
    assert.match(output, /a bug in the supervisor/);
  });
});
