import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { testModes } from './helpers/deployment.js';
import { runCli } from './helpers/process.js';
import { assertSplit, bench } from './bench-assert.js';

const pairs = ['--scenario', 'pairs', '--clients', '6', '--rate', '60', '--duration', '2'];

/**
 * A stand-in for another build: a checkout whose `bin/parley.js` runs this one's CLI but, like
 * an older release, knows fewer `serve` flags (its help lists only those; any other is refused,
 * as commander refuses an unknown option) and writes down the pid of every node it runs.
 */
function standInBuild(): string {
  const dir = mkdtempSync(join(tmpdir(), 'parley-bench-build-'));
  mkdirSync(join(dir, 'bin'));
  const known = ['--host', '--port', '--data', '--store', '--bus', '--advertise-url'];
  known.push('--log-level', '--node-id', '--rate-login', '--rate-register', '--rate-sends');
  known.push('--rate-connections', '--max-group-members');
  const main = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
  writeFileSync(
    join(dir, 'bin', 'parley.js'),
    `import { appendFileSync } from 'node:fs';
const known = new Set(${JSON.stringify(known)});
const args = process.argv.slice(2);
if (args.includes('--help')) {
  console.log([...known].map((f) => '  ' + f + ' <value>').join('\\n'));
  process.exit(0);
}
const unknown = args.find((a) => a.startsWith('--') && !known.has(a));
if (unknown) {
  console.error("error: unknown option '" + unknown + "'");
  process.exit(1);
}
appendFileSync(${JSON.stringify(join(dir, 'started'))}, process.pid + '\\n');
const { register } = await import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))});
register();
await import(${JSON.stringify(main)});
`,
  );
  return dir;
}

describe('parley bench --server-dir: nodes from another build [B4]', () => {
  const dirs: string[] = [];
  after(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  for (const mode of ['embedded', 'cluster'] as const) {
    it(
      `--spawn ${mode}: the nodes are that build's, given only the flags it knows`,
      {
        skip: !testModes().includes(mode) && `PARLEY_TEST_MODES leaves out ${mode}`,
      },
      async () => {
        const dir = standInBuild();
        dirs.push(dir);
        const { reports } = await bench(['--spawn', mode, '--server-dir', dir, '--json', ...pairs]);
        const report = reports[0]!;
        assert.equal(report.missing, 0);
        assert.ok(report.delivered > 0);
        const started = readFileSync(join(dir, 'started'), 'utf8').trim().split('\n').map(Number);
        const nodes = report.cpu!.processes.filter((p) => p.role === 'node').map((p) => p.pid);
        assert.deepEqual(nodes.sort(), started.sort(), 'every node sampled is one the build ran');
        assert.equal(nodes.length, mode === 'embedded' ? 1 : 2);
        assertSplit(report, 'delivered message', report.delivered);
      },
    );
  }

  it('bad options exit 2 with a clear message, before anything starts', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--spawn', 'embedded', '--server-dir', '/nonexistent'], /serverDir: no bin\/parley\.js/],
      [['--url', 'http://127.0.0.1:9', '--server-dir', '.'], /serverDir: --server-dir starts/],
      [['--spawn', 'embedded', '--scenario', 'search', '--server-dir', '.'], /serverDir: the sea/],
      [['--spawn', 'embedded', '--scenario', 'connect', '--clients', '0'], /clients/],
      [['--spawn', 'embedded', '--scenario', 'connect', '--sockets-per-user', '0'], /sockets/],
    ];
    for (const [args, message] of cases) {
      const all = args.includes('--scenario') ? args : [...args, '--scenario', 'pairs'];
      const { code, stderr } = await runCli(['bench', ...all]);
      assert.equal(code, 2, `${all.join(' ')}: ${stderr}`);
      assert.match(stderr, new RegExp(`^parley bench: .*${message.source}`), stderr);
    }
  });
});
