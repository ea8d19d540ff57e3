#!/usr/bin/env node
// The `parley` command: runs the compiled CLI (built by `npm ci` through the `prepare` script).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
if (!existsSync(entry)) {
  console.error(
    'parley: the build is missing (dist/). Run `npm run build` (npm ci runs it for you).',
  );
  process.exit(1);
}
await import(entry);
