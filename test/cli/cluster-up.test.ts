import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import { canBind } from '../../src/supervisor/free-port.js';
import { marked } from '../cluster/supervised-processes.js';
import { freeBlock, run, SMALL, UP } from './cluster-up-harness.js';

/**
 * `parley cluster up` as a user runs it (rules K12, K13): a dying node is reported at once,
 * `--restart` brings it back, `restart N` does by hand, `--base-port` binds fixed ports.
 * The exit paths are in cluster-up-exit.test.ts.
 */

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
});
