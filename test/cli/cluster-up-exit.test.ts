import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import { alive, leftovers, marked } from '../cluster/supervised-processes.js';
import { run, SMALL, UP } from './cluster-up-harness.js';

/**
 * Every way out of `parley cluster up` (rule K12): a closed output pipe and Ctrl-C stop every
 * child (the nodes before PostgreSQL) and remove every temporary directory.
 */

describe('parley cluster up: exit paths', () => {
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
