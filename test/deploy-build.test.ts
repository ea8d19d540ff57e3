import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';

const SCRIPT = fileURLToPath(new URL('../scripts/build.mjs', import.meta.url));

/** `node scripts/build.mjs ARGS --root TREE`: its exit code and first output line. */
function build(tree: string, ...args: string[]): { code: number | null; out: string } {
  const result = spawnSync(process.execPath, [SCRIPT, ...args, '--root', tree], {
    encoding: 'utf8',
  });
  return { code: result.status, out: `${result.stdout}${result.stderr}`.trim() };
}

function write(tree: string, path: string, text: string): void {
  mkdirSync(dirname(join(tree, path)), { recursive: true });
  writeFileSync(join(tree, path), text);
}

/** Asserts what `--check` decides: `current`, or `stale` for the given reason. */
function decides(tree: string, expected: 'current' | RegExp): void {
  const { code, out } = build(tree, '--check');
  if (expected === 'current') assert.deepEqual({ code, out }, { code: 0, out: 'current' });
  else {
    assert.equal(code, 1, out);
    assert.match(out, expected);
  }
}

describe('npm start builds only when dist/ is stale (scripts/build.mjs)', () => {
  let tree = '';
  before(() => {
    tree = mkdtempSync(join(tmpdir(), 'parley-operator-build-'));
    write(tree, 'src/cli/main.ts', 'export {};\n');
    write(tree, 'src/node/node.ts', 'export const a = 1;\n');
    write(tree, 'web/index.html', '<!doctype html>\n');
    write(tree, 'web/src/main.tsx', 'export {};\n');
    write(tree, 'tsconfig.json', '{}\n');
    write(tree, 'tsconfig.build.json', '{}\n');
    write(tree, 'package.json', '{"name":"x"}\n');
    write(tree, 'package-lock.json', '{}\n');
  });
  after(() => rmSync(tree, { recursive: true, force: true }));

  it('a fresh clone (no dist/) builds; so does a dist/ without a stamp', () => {
    decides(tree, /stale: dist\/cli\/main\.js is missing/);
    write(tree, 'dist/cli/main.js', '');
    decides(tree, /stale: dist\/web\/index\.html is missing/);
    write(tree, 'dist/web/index.html', '');
    decides(tree, /stale: no build stamp/);
  });

  it('after a build (its stamp) it is current, and --if-stale does not build', () => {
    assert.equal(build(tree, '--stamp').code, 0);
    decides(tree, 'current');
    // No node_modules in this tree: a build would fail, so exit 0 means it was skipped.
    assert.deepEqual(build(tree, '--if-stale'), {
      code: 0,
      out: 'parley: the build is current, not rebuilding',
    });
  });

  it('an edit, a new file or a removed file under src/ or web/ makes it stale; undoing it does not', () => {
    write(tree, 'src/node/node.ts', 'export const a = 2;\n');
    decides(tree, /stale: the sources changed/);
    write(tree, 'src/node/node.ts', 'export const a = 1;\n');
    decides(tree, 'current');
    write(tree, 'web/src/extra.ts', 'export {};\n');
    decides(tree, /stale: the sources changed/);
    unlinkSync(join(tree, 'web/src/extra.ts'));
    decides(tree, 'current');
    unlinkSync(join(tree, 'src/cli/main.ts'));
    decides(tree, /stale: the sources changed/);
    write(tree, 'src/cli/main.ts', 'export {};\n');
    decides(tree, 'current');
  });

  it('the TypeScript configs and the lock file are inputs; a touch or node_modules are not', () => {
    for (const file of ['tsconfig.build.json', 'package-lock.json', 'tsconfig.web-extra.json']) {
      write(tree, file, '{"changed":true}\n');
      decides(tree, /stale: the sources changed/);
      build(tree, '--stamp');
      decides(tree, 'current');
    }
    const later = new Date(Date.now() + 60_000);
    utimesSync(join(tree, 'src/node/node.ts'), later, later);
    decides(tree, 'current');
    write(tree, 'web/node_modules/dep/index.js', 'x');
    write(tree, 'node_modules/dep/index.js', 'x');
    decides(tree, 'current');
  });

  it('a deleted output makes it stale even with a matching stamp', () => {
    unlinkSync(join(tree, 'dist/web/index.html'));
    decides(tree, /stale: dist\/web\/index\.html is missing/);
  });
});
