// Runs the whole test suite with node's test runner (TypeScript through tsx).
// Usage: node scripts/test.mjs [files or directories...]
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function collect(path, out) {
  if (statSync(path).isDirectory()) {
    for (const entry of readdirSync(path).sort()) collect(join(path, entry), out);
  } else if (path.endsWith('.test.ts')) {
    out.push(path);
  }
  return out;
}

const targets = process.argv.slice(2);
const files = (targets.length ? targets : ['test']).flatMap((t) => collect(t, []));
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
// Two test files run at once, each starting engines on free ports: the ports every process of
// the run hands out are reserved in one directory (src/supervisor/free-port.ts), so that no file
// takes a port whose server another file has killed and is about to restart.
const reservations = mkdtempSync(join(tmpdir(), 'parley-port-reservations-'));
const runner = spawn(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=300000', ...files],
  { stdio: 'inherit', env: { ...process.env, PARLEY_PORT_RESERVATIONS: reservations } },
);
// A Ctrl-C reaches the runner too (same process group); a signal sent to this script alone is
// passed on. Either way the directory goes once the runner has exited.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => runner.kill(signal));
runner.on('exit', (code, signal) => {
  rmSync(reservations, { recursive: true, force: true });
  process.exit(code ?? (signal ? 1 : 0));
});
