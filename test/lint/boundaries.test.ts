// The import rules of docs/architecture.md, as .dependency-cruiser.mjs encodes them: each test
// runs the real depcruise command line, with the repository's configuration, on a small tree
// laid out like this repository's (in a temporary directory, never under src/) and checks which
// rule it names. A clean tree first, so a rule that flags everything cannot pass either.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const DEPCRUISE = join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');
const CONFIG = join(ROOT, '.dependency-cruiser.mjs');

/** A tree that keeps every rule: one or two files per layer, the accepted bends included. */
const CLEAN: Record<string, string> = {
  'src/version.ts': `export const VERSION = '0.0.0';`,
  'src/domain/model.ts': `export type Role = 'owner' | 'member';`,
  'src/domain/roles.ts': `import type { Role } from './model.js';\nexport const canManage = (role: Role) => role === 'owner';`,
  'src/domain/text.ts': `export const inAlphabet = (value: string) => value.length > 0;`,
  'src/protocol/schemas.ts': `import { z } from 'zod';\nimport { inAlphabet } from '../domain/text.js';\nexport const Name = z.string().refine(inAlphabet);`,
  'src/ports/store.ts': `import type { Role } from '../domain/model.js';\nexport interface Store { role(): Role }`,
  'src/ports/store/users.ts': `import type { Role } from '../../domain/model.js';\nexport interface UserStore { role(): Role }`,
  'src/observability/metrics.ts': `export class Metrics { count = 0; }`,
  'src/log/logger.ts': `import { pino } from 'pino';\nexport const logger = pino();`,
  'src/config/config.ts': `import { z } from 'zod';\nimport type { Role } from '../domain/model.js';\nexport const Config = z.object({});\nexport type R = Role;`,
  'src/services/deps.ts': `import type { Logger } from 'pino';\nimport type { Metrics } from '../observability/metrics.js';\nimport type { Store } from '../ports/store.js';\nexport interface Deps { log: Logger; metrics: Metrics; store: Store }`,
  'src/services/users.ts': `import type { Deps } from './deps.js';\nimport { canManage } from '../domain/roles.js';\nexport const users = (deps: Deps) => canManage(deps.store.role());`,
  'src/delivery/room.ts': `import type { Store } from '../ports/store.js';\nimport type { Metrics } from '../observability/metrics.js';\nimport { Name } from '../protocol/schemas.js';\nexport const room = (store: Store, metrics: Metrics) => [store, metrics, Name];`,
  'src/adapters/sql/store.ts': `import { sql } from 'kysely';\nimport type { Store } from '../../ports/store.js';\nexport const query = sql;\nexport type SqlStore = Store;`,
  'src/adapters/sqlite/sqlite-store.ts': `import Database from 'better-sqlite3';\nimport { query } from '../sql/store.js';\nexport const openSqlite = () => [new Database(':memory:'), query];`,
  'src/adapters/postgres/postgres-store.ts': `import pg from 'pg';\nimport { query } from '../sql/store.js';\nexport const openPostgres = () => [pg.Pool, query];`,
  'src/adapters/memory-bus/memory-bus.ts': `export class MemoryBus {}`,
  'src/adapters/nats/local-first-bus.ts': `import { connect } from '@nats-io/transport-node';\nimport { MemoryBus } from '../memory-bus/memory-bus.js';\nexport const bus = () => [connect, new MemoryBus()];`,
  'src/gateway/http/app.ts': `import { Hono } from 'hono';\nimport { users } from '../../services/users.js';\nimport { room } from '../../delivery/room.js';\nexport const app = () => [new Hono(), users, room];`,
  'src/gateway/ws/ws-server.ts': `import { WebSocketServer } from 'ws';\nimport { app } from '../http/app.js';\nexport const wss = () => [WebSocketServer, app];`,
  'src/node/node.ts': `import { wss } from '../gateway/ws/ws-server.js';\nimport { openSqlite } from '../adapters/sqlite/sqlite-store.js';\nimport { logger } from '../log/logger.js';\nimport { VERSION } from '../version.js';\nexport const startNode = () => [wss, openSqlite, logger, VERSION];`,
  'src/supervisor/processes.ts': `import { spawn } from 'node:child_process';\nexport const run = spawn;`,
  'src/client/client.ts': `import { Name } from '../protocol/schemas.js';\nexport class ParleyClient { name = Name; }`,
  'src/client/index.ts': `export { ParleyClient } from './client.js';`,
  'src/client/node.ts': `import { WebSocket } from 'ws';\nexport const nodeSocket = WebSocket;`,
  'src/bench/histogram.ts': `import hdr from 'hdr-histogram-js';\nimport { ParleyClient } from '../client/client.js';\nimport { run } from '../supervisor/processes.js';\nexport const histogram = [hdr, ParleyClient, run];`,
  'src/verify/run.ts': `import { histogram } from '../bench/histogram.js';\nexport const verify = histogram;`,
  'src/cli/main.ts': `import { Command } from 'commander';\nimport { startNode } from '../node/node.js';\nimport { verify } from '../verify/run.js';\nimport { nodeSocket } from '../client/node.js';\nexport const main = [Command, startNode, verify, nodeSocket];`,
  'src/cli/backup.ts': `import { openSqlite } from '../adapters/sqlite/sqlite-store.js';\nexport const backup = openSqlite;`,
  'web/src/app.tsx': `import { h } from 'preact';\nimport { ParleyClient } from '../../src/client/index.js';\nimport { Name } from '../../src/protocol/schemas.js';\nimport { canManage } from '../../src/domain/roles.js';\nexport const app = [h, ParleyClient, Name, canManage];`,
};

/** One violation as the err reporter prints it: `error <rule>: <from> → <to>` (a circle: → …). */
interface Violation {
  rule: string;
  from: string;
  to: string;
  /** Every module named, in order: from, to, and the rest of a circle. */
  chain: string[];
}

interface Cruise {
  code: number;
  output: string;
  violations: Violation[];
}

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/**
 * Writes CLEAN with `changes` applied (a file's text, or null to leave it out) to a new
 * temporary directory beside this repository's package.json, tsconfig.json and node_modules,
 * and runs depcruise there the way `npm run lint:deps` does (its exit status, its report).
 */
async function cruise(changes: Record<string, string | null> = {}): Promise<Cruise> {
  const dir = mkdtempSync(join(tmpdir(), 'parley-boundaries-'));
  dirs.push(dir);
  for (const [path, text] of Object.entries({ ...CLEAN, ...changes })) {
    if (text === null) continue;
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), `${text}\n`);
  }
  copyFileSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
  copyFileSync(join(ROOT, 'tsconfig.json'), join(dir, 'tsconfig.json'));
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  const args = [DEPCRUISE, 'src', 'web/src', '--config', CONFIG, '--no-progress'];
  let code = 0;
  let output: string;
  try {
    ({ stdout: output } = await promisify(execFile)(process.execPath, args, { cwd: dir }));
  } catch (err) {
    const failed = err as { code?: number; stdout?: string; stderr?: string };
    code = typeof failed.code === 'number' ? failed.code : -1;
    output = `${failed.stdout ?? ''}${failed.stderr ?? ''}`;
  }
  return { code, output, violations: parse(output) };
}

function parse(output: string): Violation[] {
  const violations: Violation[] = [];
  let text: string | undefined;
  const flush = () => {
    if (text === undefined) return;
    const [, rule = '', rest = ''] = /^error ([\w-]+): ([\s\S]*)$/.exec(text) ?? [];
    // node_modules is a symlink to the repository's, which depcruise names by its real path
    const chain = rest
      .split('→')
      .map((p) => p.trim().replace(/^.*\/node_modules\//, 'node_modules/'))
      .filter(Boolean);
    violations.push({ rule, from: chain[0] ?? '', to: chain[1] ?? '', chain });
    text = undefined;
  };
  for (const line of output.split('\n')) {
    if (/^\s+error /.test(line)) {
      flush();
      text = line.trim();
    } else if (text !== undefined && /^\s{4,}\S/.test(line)) {
      text += ` ${line.trim()}`;
    } else {
      flush();
    }
  }
  flush();
  return violations;
}

/** The violations as `rule: from -> to`, sorted. */
function named(result: Cruise): string[] {
  return result.violations.map((v) => `${v.rule}: ${v.from} -> ${v.to}`).sort();
}

/** Asserts depcruise failed and reported each of `expected` (`rule: from -> to`). */
function assertReports(result: Cruise, expected: string[]): void {
  assert.notEqual(result.code, 0, `depcruise fails:\n${result.output}`);
  const found = named(result);
  for (const violation of expected) {
    assert.ok(found.includes(violation), `${violation} reported in:\n${result.output}`);
  }
}

describe('import rules (.dependency-cruiser.mjs)', () => {
  it('a tree that keeps the rules, bends included, passes', async () => {
    const result = await cruise();
    assert.deepEqual(named(result), []);
    assert.equal(result.code, 0, result.output);
    assert.match(result.output, /no dependency violations found/);
  });

  it('an upward import fails, in a layer folder or a new file of it', async () => {
    const result = await cruise({
      // domain reaching up into services
      'src/domain/model.ts': `import type { Deps } from '../services/deps.js';\nexport type Role = 'owner';\nexport type D = Deps;`,
      // a new file of the delivery core reaching up into the gateway
      'src/delivery/socket.ts': `import { wss } from '../gateway/ws/ws-server.js';\nexport const socket = wss;`,
      // a file in a new subfolder of ports
      'src/ports/store/sessions.ts': `import { users } from '../../services/users.js';\nexport const s = users;`,
      // a service reaching into the delivery core (a sibling, not below it)
      'src/services/messages.ts': `import { room } from '../delivery/room.js';\nexport const m = room;`,
      // the client library reaching into the server
      'src/client/rest.ts': `import type { Deps } from '../services/deps.js';\nexport type D = Deps;`,
    });
    assertReports(result, [
      'layer-domain: src/domain/model.ts -> src/services/deps.ts',
      'layer-delivery: src/delivery/socket.ts -> src/gateway/ws/ws-server.ts',
      'layer-ports: src/ports/store/sessions.ts -> src/services/users.ts',
      'layer-services: src/services/messages.ts -> src/delivery/room.ts',
      'layer-client: src/client/rest.ts -> src/services/deps.ts',
    ]);
  });

  it('a circle fails, also when one of its imports is type-only', async () => {
    const result = await cruise({
      'src/services/accounts.ts': `import type { Conversations } from './conversations.js';\nexport class Accounts { c?: Conversations; }`,
      'src/services/conversations.ts': `import { Accounts } from './accounts.js';\nexport class Conversations { a = new Accounts(); }`,
    });
    assert.notEqual(result.code, 0, result.output);
    const circles = result.violations.filter((v) => v.rule === 'no-circular');
    assert.ok(circles.length > 0, `no-circular reported in:\n${result.output}`);
    assert.deepEqual(
      new Set(circles.flatMap((v) => v.chain)),
      new Set(['src/services/accounts.ts', 'src/services/conversations.ts']),
    );
    assert.deepEqual(new Set(result.violations.map((v) => v.rule)), new Set(['no-circular']));
  });

  it('a driver imported outside its adapter fails', async () => {
    const result = await cruise({
      'src/services/export.ts': `import Database from 'better-sqlite3';\nexport const db = Database;`,
      'src/gateway/http/health.ts': `import pg from 'pg';\nexport const pool = pg.Pool;`,
      'src/adapters/sql/nats.ts': `import { connect } from '@nats-io/transport-node';\nexport const c = connect;`,
      'src/delivery/socket.ts': `import type { WebSocket } from 'ws';\nexport type S = WebSocket;`,
      'src/domain/hash.ts': `import argon2 from 'argon2';\nexport const hash = argon2.hash;`,
      'src/services/query.ts': `import { sql } from 'kysely';\nexport const q = sql;`,
      // a value import of pino where only its Logger type is allowed
      'src/services/deps.ts': `import { pino, type Logger } from 'pino';\nexport const log: Logger = pino();`,
    });
    assert.notEqual(result.code, 0, result.output);
    const rules = named(result).map((v) => v.replace(/ -> .*/, ''));
    assert.deepEqual(rules, [
      'driver-argon2: src/domain/hash.ts',
      'driver-better-sqlite3: src/services/export.ts',
      'driver-kysely: src/services/query.ts',
      'driver-nats-io: src/adapters/sql/nats.ts',
      'driver-pg: src/gateway/http/health.ts',
      'driver-pino: src/services/deps.ts',
      'driver-ws: src/delivery/socket.ts',
    ]);
  });

  it('a package without a row in the table fails', async () => {
    const result = await cruise({
      'src/services/build.ts': `import { build } from 'vite';\nexport const b = build;`,
    });
    assert.notEqual(result.code, 0, result.output);
    assert.deepEqual(
      named(result).map((v) => v.replace(/ -> .*/, '')),
      ['package-not-in-table: src/services/build.ts'],
    );
  });

  it('a bend is allowed to its one file only', async () => {
    const result = await cruise({
      'src/cli/restore.ts': `import { openSqlite } from '../adapters/sqlite/sqlite-store.js';\nexport const r = openSqlite;`,
      'src/adapters/nats/nats-bus.ts': `import { MemoryBus } from '../memory-bus/memory-bus.js';\nexport const b = MemoryBus;`,
      'src/protocol/frames.ts': `import { inAlphabet } from '../domain/text.js';\nexport const f = inAlphabet;`,
      'src/client/rest.ts': `import { WebSocket } from 'ws';\nexport const w = WebSocket;`,
      'src/services/rate-limiter.ts': `import type { Logger } from 'pino';\nexport type L = Logger;`,
      'src/services/metrics.ts': `import { Metrics } from '../observability/metrics.js';\nexport const m = new Metrics();`,
    });
    assert.notEqual(result.code, 0, result.output);
    assert.deepEqual(named(result), [
      'driver-pino: src/services/rate-limiter.ts -> node_modules/pino/pino.js',
      'driver-ws: src/client/rest.ts -> node_modules/ws/wrapper.mjs',
      'layer-adapters: src/adapters/nats/nats-bus.ts -> src/adapters/memory-bus/memory-bus.ts',
      'layer-cli: src/cli/restore.ts -> src/adapters/sqlite/sqlite-store.ts',
      'layer-protocol: src/protocol/frames.ts -> src/domain/text.ts',
      'observability-types-only: src/services/metrics.ts -> src/observability/metrics.ts',
    ]);
  });

  it('web imports the client through its index, and nothing that needs Node', async () => {
    const result = await cruise({
      'web/src/session.ts': `import { ParleyClient } from '../../src/client/client.js';\nexport const s = ParleyClient;`,
      'web/src/format.ts': `import type { Role } from '../../src/domain/model.js';\nexport type R = Role;`,
      // reached through the allowed index: the Node transport must not be bundled
      'src/client/index.ts': `export { ParleyClient } from './client.js';\nexport { nodeSocket } from './node.js';`,
    });
    assertReports(result, [
      'layer-web: web/src/session.ts -> src/client/client.ts',
      'layer-web: web/src/format.ts -> src/domain/model.ts',
    ]);
    assert.ok(
      result.violations.some(
        (v) => v.rule === 'web-node-free' && v.to.startsWith('node_modules/ws/'),
      ),
      `web-node-free (ws) reported in:\n${result.output}`,
    );
  });

  it('a folder of src/ the table does not know fails', async () => {
    const result = await cruise({
      'src/search/index.ts': `import type { Store } from '../ports/store.js';\nexport type S = Store;`,
    });
    assertReports(result, ['layer-unknown-folder: src/search/index.ts -> src/ports/store.ts']);
  });
});
