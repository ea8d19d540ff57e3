// Builds the server (tsc) and the web UI (vite), then records what it built from in a stamp.
// Usage: node scripts/build.mjs             always build (npm run build)
//        node scripts/build.mjs --if-stale  build only when the sources changed (npm start)
//        node scripts/build.mjs --check     exit 0 when dist/ is current, 1 when not; no build
//        node scripts/build.mjs --stamp     record the sources as built (after building by hand)
// `--root DIR` works on another checkout (the tests use a temporary tree).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** What a build reads: every file under these folders, and these files. */
const INPUT_DIRS = ['src', 'web'];
const INPUT_FILES = ['package.json', 'package-lock.json'];
/** Root files matching this are read too (tsconfig.json, tsconfig.build.json, …). */
const INPUT_PATTERN = /^tsconfig.*\.json$/;
/** Never inputs, wherever they are. */
const SKIPPED = new Set(['node_modules', '.git']);
/** Written by a successful build: the inputs' hash. */
const STAMP = join('dist', '.build-stamp');
/** A build that produced these is complete. */
const OUTPUTS = [join('dist', 'cli', 'main.js'), join('dist', 'web', 'index.html')];

function filesUnder(dir, out) {
  if (!existsSync(dir)) return out;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (SKIPPED.has(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) filesUnder(path, out);
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

/** SHA-256 over the inputs' paths and contents: any edit, addition or removal changes it. */
export function inputsHash(root) {
  const files = [
    ...INPUT_DIRS.flatMap((dir) => filesUnder(join(root, dir), [])),
    ...readdirSync(root)
      .filter((name) => INPUT_PATTERN.test(name) || INPUT_FILES.includes(name))
      .map((name) => join(root, name)),
  ]
    .map((path) => relative(root, path).split('\\').join('/'))
    .sort();
  const hash = createHash('sha256');
  for (const file of files) {
    hash.update(`${file}\0`);
    hash.update(readFileSync(join(root, file)));
    hash.update('\0');
  }
  return hash.digest('hex');
}

/** Why dist/ is not current, or null when it is. */
export function staleReason(root, hash = inputsHash(root)) {
  const missing = OUTPUTS.find((output) => !existsSync(join(root, output)));
  if (missing) return `${missing} is missing`;
  const stampFile = join(root, STAMP);
  if (!existsSync(stampFile)) return 'no build stamp (built by an older version or by hand)';
  if (readFileSync(stampFile, 'utf8').trim() !== hash)
    return 'the sources changed since the last build';
  return null;
}

function run(command, args, root) {
  const result = spawnSync(command, args, {
    cwd: root,
    stdio: 'inherit',
    shell: process.platform === 'win32',
  });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

function main(argv) {
  const rootAt = argv.indexOf('--root');
  const root = rootAt >= 0 ? argv[rootAt + 1] : fileURLToPath(new URL('..', import.meta.url));
  // Hashed before building: a file edited during the build makes the next start build again.
  const hash = inputsHash(root);
  if (argv.includes('--stamp')) {
    writeFileSync(join(root, STAMP), `${hash}\n`);
    return;
  }
  if (argv.includes('--check') || argv.includes('--if-stale')) {
    const reason = staleReason(root, hash);
    if (argv.includes('--check')) {
      console.log(reason ? `stale: ${reason}` : 'current');
      process.exit(reason ? 1 : 0);
    }
    if (!reason) {
      console.log('parley: the build is current, not rebuilding');
      return;
    }
    console.log(`parley: building (${reason})`);
  }
  run(
    process.execPath,
    [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'],
    root,
  );
  run(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', 'build:web'], root);
  writeFileSync(join(root, STAMP), `${hash}\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1])
  main(process.argv.slice(2));
