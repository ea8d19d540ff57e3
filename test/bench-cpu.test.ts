import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { ProcessCpu } from '../src/bench/cpu.js';
import type { RunReport } from '../src/bench/report.js';
import { testModes } from './helpers/deployment.js';
import { runCli } from './helpers/process.js';

/**
 * `parley bench`'s CPU split (rule B4), the connect storm (B5), the history reads and
 * `--server-dir` (an A/B against another build), end to end with spawned nodes. Small, short
 * runs: they check that every process is sampled and every field is there and sane, not speed.
 */
async function bench(args: string[]): Promise<{ reports: RunReport[]; stderr: string }> {
  const { code, stdout, stderr } = await runCli(['bench', '--warmup', '0', ...args]);
  assert.equal(code, 0, `bench failed:\n${stderr}`);
  return { reports: args.includes('--json') ? (JSON.parse(stdout) as RunReport[]) : [], stderr };
}

function assertUsed(p: ProcessCpu | undefined, what: string): ProcessCpu {
  assert.ok(p, `${what} sampled`);
  assert.ok(p.cpuSeconds > 0 && p.cpuCores > 0, `${what} used CPU: ${JSON.stringify(p)}`);
  assert.ok(p.usPerUnit !== null && p.usPerUnit > 0, `${what}: CPU per unit`);
  assert.ok(p.pssMB > 0, `${what}: memory`);
  return p;
}

/** The report's CPU split is whole: totals are the sums of their processes. */
function assertSplit(report: RunReport, unit: string, units: number): void {
  const cpu = report.cpu!;
  assert.ok(cpu, 'a CPU split');
  assert.equal(cpu.unit, unit);
  assert.equal(cpu.units, units);
  assert.ok(cpu.windowS > 0);
  const sum = (role: (p: ProcessCpu) => boolean) =>
    cpu.processes.filter(role).reduce((a, p) => a + p.cpuSeconds, 0);
  const per = (seconds: number) => Math.round((seconds * 1e6 * 10) / units) / 10;
  assert.equal(cpu.serverSide.usPerUnit, per(sum((p) => p.role !== 'load generator')));
  assert.equal(cpu.loadGenerator.usPerUnit, per(sum((p) => p.role === 'load generator')));
  const names = cpu.processes.filter((p) => p.role === 'load generator').map((p) => p.name);
  assert.deepEqual(names, ['coordinator', 'worker-1']);
  assertUsed(
    cpu.processes.find((p) => p.name === 'worker-1'),
    'the worker',
  );
  for (const p of cpu.processes.filter((q) => q.role === 'node')) {
    assertUsed(p, p.name);
    assert.ok(p.mainThreadCores! > 0 && p.mainThreadCores! <= p.cpuCores + 0.01, 'main thread');
  }
  assert.ok(cpu.machine && cpu.machine.cores >= 1 && cpu.machine.busyCores > 0, 'machine');
  assert.match(cpu.busiest, /\(\d+(\.\d+)? cores\)$/);
}

const pairs = ['--scenario', 'pairs', '--clients', '6', '--rate', '60', '--duration', '2'];

describe('parley bench: CPU per unit of work of every process [B4]', () => {
  it('embedded pairs: the node, the coordinator and the worker, per delivered message', async () => {
    const { reports } = await bench(['--spawn', 'embedded', '--json', ...pairs]);
    const report = reports[0]!;
    assert.equal(report.missing, 0);
    assert.ok(report.delivered > 0 && report.delivered === report.expectedDeliveries);
    assertSplit(report, 'delivered message', report.delivered);
    assert.deepEqual(
      report.cpu!.processes.map((p) => p.role),
      ['node', 'load generator', 'load generator'],
    );
    assert.deepEqual(report.cpu!.serverSide, report.cpu!.roles.node);
  });

  it('the text report prints the split: per process, per role, server side, load generator', async () => {
    const { stderr } = await bench(['--spawn', 'embedded', ...pairs]);
    for (const line of [
      /cpu +per delivered message: \d+ in the [\d.]+ s window/,
      /^ +node +\d+ +1 +[\d.]+ +[\d.]+ +[\d.]+ +main thread [\d.]+$/m,
      /^ +worker-1 +\d+/m,
      /^ +server side +[\d.]+ +[\d.]+$/m,
      /^ +load generator +[\d.]+ +[\d.]+$/m,
      /machine +[\d.]+ of \d+ cores busy/,
    ])
      assert.match(stderr, line);
  });

  it(
    'cluster pairs: each node, PostgreSQL with its backends, each NATS server',
    {
      skip: !testModes().includes('cluster') && 'PARLEY_TEST_MODES leaves out cluster',
    },
    async () => {
      const { reports } = await bench(['--spawn', 'cluster', '--json', ...pairs]);
      const report = reports[0]!;
      assert.equal(report.missing, 0);
      assertSplit(report, 'delivered message', report.delivered);
      const cpu = report.cpu!;
      assert.deepEqual(
        cpu.processes.filter((p) => p.role !== 'load generator').map((p) => p.name),
        ['node-1', 'node-2', 'postgres', 'nats-1', 'nats-2', 'nats-3'],
      );
      const pg = assertUsed(
        cpu.processes.find((p) => p.role === 'postgres'),
        'postgres',
      );
      assert.ok(pg.processes > 2, `the postmaster and its backends: ${pg.processes} processes`);
      for (const role of ['node', 'postgres', 'nats'] as const) assert.ok(cpu.roles[role], role);
      const serverSide = ['node', 'postgres', 'nats'].reduce(
        (a, role) => a + cpu.roles[role as 'node']!.cpuCores,
        0,
      );
      assert.ok(Math.abs(serverSide - cpu.serverSide.cpuCores) < 0.01, 'roles add up');
    },
  );
});

describe('parley bench connect and history [B5]', () => {
  it('connect: a storm of authenticated connections with existing sessions; time, rate, connect→ready', async () => {
    const { reports } = await bench([
      ...['--spawn', 'embedded', '--json', '--scenario', 'connect'],
      ...['--clients', '60', '--sockets-per-user', '20'],
    ]);
    const report = reports[0]!;
    assert.deepEqual(report.errors, {});
    assert.equal(report.connections, 60);
    assert.deepEqual(
      { attempted: report.storm!.attempted, ready: report.storm!.ready },
      { attempted: 60, ready: 60 },
    );
    assert.ok(report.storm!.seconds > 0 && report.storm!.perSec > 0);
    assert.equal(report.connectMs.count, 60);
    assert.ok(report.connectMs.p50 > 0 && report.connectMs.p50 <= report.connectMs.p99);
    assertSplit(report, 'connection', 60);
  });

  it('history: pages of a filled DM history read over REST; reads/s, latency, CPU per read', async () => {
    const { reports } = await bench([
      ...['--spawn', 'embedded', '--json', '--scenario', 'history'],
      ...['--clients', '4', '--rate', '20', '--duration', '2'],
    ]);
    const report = reports[0]!;
    assert.deepEqual(report.errors, {});
    assert.ok(report.acked > 0 && report.ackedPerSec > 0);
    assert.equal(report.historyMs!.count, report.acked);
    assertSplit(report, 'request', report.acked);
  });
});

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
