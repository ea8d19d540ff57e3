import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { after, describe, it } from 'node:test';
import { settle } from '../src/bench/sampler.js';

/** A child that spins (`busy`) or sleeps until killed. */
async function child(busy: boolean): Promise<ChildProcess> {
  const code = busy ? 'for (;;);' : 'setInterval(() => {}, 1000)';
  const c = spawn(process.execPath, ['-e', code], { stdio: 'ignore' });
  await once(c, 'spawn');
  return c;
}

describe('bench: a target settles before it is measured (B2)', () => {
  const children: ChildProcess[] = [];
  after(() => {
    for (const c of children) c.kill('SIGKILL');
  });

  it('[B2] an idle target settles after one quiet window; a busy one is waited for until the bound', async () => {
    const idle = await child(false);
    const busy = await child(true);
    children.push(idle, busy);
    const options = { idleCores: 0.1, windowMs: 200, maxMs: 1_000 };
    assert.ok((await settle([idle.pid!], options)) < 1_000, 'the idle process settles at once');
    assert.ok((await settle([busy.pid!], options)) >= 1_000, 'the spinning one never does');
    assert.ok((await settle([idle.pid!, busy.pid!], options)) >= 1_000, 'nor do both together');
  });

  it('[B2] a process that cannot be read ends the wait at once', async () => {
    const gone = await child(false);
    gone.kill('SIGKILL');
    await once(gone, 'exit');
    assert.ok((await settle([gone.pid!], { windowMs: 200, maxMs: 5_000 })) < 200);
  });
});
