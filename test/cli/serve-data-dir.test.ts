import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { parleyArgs } from '../helpers/process.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** A node that does not exit by then hangs: the bug this file guards against. */
const HANG_MS = 60_000;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * `parley serve --data DIR` on a free port, as `prefix` (e.g. `unshare …`) and `uid` say; a
 * child still running after HANG_MS is killed and reported as hung.
 */
async function serve(dir: string, options: { prefix?: string[]; uid?: number } = {}): Promise<Run> {
  const args = parleyArgs(['serve', '--port', '0', '--node-id', 'bad-data', '--data', dir]);
  const [command, ...rest] = [...(options.prefix ?? []), process.execPath, ...args];
  const proc = spawn(command!, rest, {
    cwd: ROOT,
    env: { ...process.env, PARLEY_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.uid === undefined ? {} : { uid: options.uid, gid: options.uid }),
  });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const hung = setTimeout(() => proc.kill('SIGKILL'), HANG_MS);
  const [code] = (await once(proc, 'exit')) as [number | null];
  clearTimeout(hung);
  return { code, stdout, stderr };
}

/** Exit 2 (configuration), nothing served, and a message naming the path and `cause`. */
function refused(run: Run, path: string, cause: RegExp): void {
  assert.equal(run.code, 2, `exit code 2 (got ${run.code}); stderr: ${run.stderr}`);
  assert.doesNotMatch(run.stdout, /node\.started/);
  assert.ok(run.stderr.includes(`cannot use ${path} as the data directory`), run.stderr);
  assert.match(run.stderr, /--data \/ PARLEY_DATA/);
  assert.match(run.stderr, cause);
}

/** True when this machine lets an unprivileged user namespace mount a read-only tmpfs. */
function canMountReadOnly(): boolean {
  const probe = spawnSync(
    'unshare',
    ['--mount', '--map-root-user', 'sh', '-c', 'mount -t tmpfs -o ro tmpfs /mnt'],
    {
      stdio: 'ignore',
    },
  );
  return probe.status === 0;
}

describe('parley serve with an unusable data directory', () => {
  let root = '';
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'parley-operator-data-'));
    chmodSync(root, 0o755);
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('[O1] a directory that cannot be created on a pseudo file system (/proc/nope) fails at once', async () => {
    refused(await serve('/proc/nope'), '/proc/nope', /\/proc does not allow creating directories/);
  });

  it('[O1] an existing directory that takes no files (/proc) fails at once', async () => {
    refused(await serve('/proc'), '/proc', /does not allow creating files/);
  });

  it('[O1] a file, or a path through a file, is refused', async () => {
    const file = join(root, 'a-file');
    writeFileSync(file, 'not a directory');
    refused(await serve(file), file, /it is a file, not a directory/);
    const under = join(file, 'data');
    refused(await serve(under), under, /a part of the path is a file/);
  });

  it('[O1] a directory the user may not create or write in is refused', async (t) => {
    const locked = join(root, 'locked');
    mkdirSync(locked, { mode: 0o755 });
    chmodSync(locked, 0o555);
    // root writes anywhere: run the node as nobody then
    if (process.getuid === undefined) return t.skip('no POSIX users here');
    const uid = process.getuid() === 0 ? 65534 : undefined;
    const inside = join(locked, 'data');
    refused(await serve(inside, { uid }), inside, /cannot create .*: permission denied/);
    refused(await serve(locked, { uid }), locked, /cannot write in it: permission denied/);
  });

  it('[O1] a read-only file system is refused', async (t) => {
    if (!canMountReadOnly()) return t.skip('no user namespaces to mount a read-only tmpfs in');
    const mountPoint = join(root, 'ro-mount');
    mkdirSync(mountPoint);
    // the mount lives only in the child's own mount namespace: nothing to unmount afterwards
    const prefix = [
      'unshare',
      '--mount',
      '--map-root-user',
      'sh',
      '-c',
      `mount -t tmpfs -o ro,size=64k tmpfs '${mountPoint}' && exec "$@"`,
      'sh',
    ];
    refused(await serve(mountPoint, { prefix }), mountPoint, /read-only file system/);
    const inside = join(mountPoint, 'data');
    refused(await serve(inside, { prefix }), inside, /read-only file system/);
  });

  it('[S12] a missing directory is created owner-only, parents included, and the node starts', async () => {
    const dir = join(root, 'new', 'nested', 'data');
    const proc = spawn(
      process.execPath,
      parleyArgs(['serve', '--port', '0', '--node-id', 'good-data', '--data', dir]),
      { cwd: ROOT, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    try {
      let out = '';
      await new Promise<void>((resolve, reject) => {
        proc.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('"node.started"')) resolve();
        });
        proc.once('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
      });
      assert.equal(statSync(dir).mode & 0o777, 0o700);
      assert.equal(statSync(join(root, 'new')).mode & 0o777, 0o700);
      assert.ok(statSync(join(dir, 'parley.db')).isFile());
    } finally {
      proc.kill('SIGTERM');
      if (proc.exitCode === null) await once(proc, 'exit');
    }
  });
});
