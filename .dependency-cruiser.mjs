// @ts-check
/**
 * The import rules of docs/architecture.md ("Import rules"), checked by dependency-cruiser in
 * `npm run check` (`npm run lint:deps`). Three kinds of rule:
 *
 *   layer-<folder>   which Parley folders a layer may import (relative imports); a folder always
 *                    imports itself. Written per layer folder, so a new file inside a layer is
 *                    covered without touching this file; a new folder under src/ fails
 *                    (layer-unknown-folder) until it is given a row here and in the docs.
 *   driver-<pkg>     which folders may import each npm package; a package missing from the
 *                    table fails (package-not-in-table).
 *   no-circular      no import circle anywhere in src/ and web/src/, type-only imports included.
 *
 * Exceptions ("bends") are written by file, each with its reason: the four architecture.md
 * lists, and protocol/schemas.ts importing domain/text.ts (the input alphabet). Paths are relative to the repository root (the directory depcruise runs in).
 * test/lint/boundaries.test.ts runs this file on deliberate violations.
 */
import { builtinModules } from 'node:module';

/** A folder of src/ as a path regex: `dir('services')` is `^src/services/`. */
const dir = (name) => `^src/${name}/`;
/** One file as a path regex. */
const file = (path) => `^${path.replace(/[.]/g, '\\.')}$`;
/** An npm package (or its @types) as a resolved-path regex. */
const pkg = (names) => `(^|/)node_modules/(@types/)?(${names.join('|')})/`;

/** Every layer folder of src/ the table below knows. */
const LAYERS = [
  'domain',
  'protocol',
  'format',
  'ports',
  'observability',
  'services',
  'delivery',
  'adapters',
  'media',
  'gateway',
  'config',
  'log',
  'node',
  'supervisor',
  'client',
  'bench',
  'verify',
  'cli',
];

/**
 * @typedef {{ file: string, to: string, why: string }} Bend
 * @typedef {{
 *   from: string, fromNot?: string[], own?: string, allowed: string[], comment: string,
 *   bends?: Bend[],
 * }} Layer
 * @param {string} name the rule is called `layer-<name>`
 * @param {Layer} layer `from`: path regex of the layer's files; `own`: what counts as the layer
 *   itself (default `from`; may use `$1` for a capture group of `from`); `allowed`: path regexes
 *   the layer may import besides itself; `bends`: single files allowed one more import each
 * @returns {import('dependency-cruiser').IForbiddenRuleType[]}
 */
function layer(name, { from, fromNot = [], own = from, allowed, comment, bends = [] }) {
  /** @type {import('dependency-cruiser').IForbiddenRuleType[]} */
  const rules = [
    {
      name: `layer-${name}`,
      severity: 'error',
      comment,
      from: { path: from, pathNot: [...fromNot, ...bends.map((b) => file(b.file))] },
      to: { dependencyTypes: ['local'], pathNot: [own, ...allowed] },
    },
  ];
  for (const bend of bends) {
    rules.push({
      name: `layer-${name}`,
      severity: 'error',
      comment: `${comment} Bend: ${bend.file} may also import ${bend.to}: ${bend.why}.`,
      from: { path: file(bend.file) },
      to: {
        dependencyTypes: ['local'],
        // the layer itself: `own`, or the bend's folder when `own` names a capture group
        pathNot: [
          own.includes('$1') ? `^${bend.file.replace(/[^/]+$/, '')}` : own,
          ...allowed,
          bend.to,
        ],
      },
    });
  }
  return rules;
}

/**
 * @param {string[]} names npm package names
 * @param {string[]} allowed path regexes of the folders (or files) that may import them
 * @returns {import('dependency-cruiser').IForbiddenRuleType}
 */
function driver(names, allowed, comment) {
  return {
    name: `driver-${names[0].replace(/^@/, '').split('/')[0]}`,
    severity: 'error',
    comment: `${names.join(', ')}: imported only in ${comment}.`,
    from: { path: ['^src/', '^web/src/'], pathNot: allowed },
    to: { path: pkg(names) },
  };
}

/** Packages and their allowed importers (docs/architecture.md, second table). */
const DRIVERS = [
  driver(['better-sqlite3'], [dir('adapters/sqlite')], 'adapters/sqlite'),
  driver(['pg'], [dir('adapters/postgres')], 'adapters/postgres'),
  driver(['@nats-io/[^/]+'], [dir('adapters/nats')], 'adapters/nats'),
  driver(['argon2'], [dir('adapters/argon2')], 'adapters/argon2'),
  driver(
    ['kysely'],
    [dir('adapters/sql'), dir('adapters/sqlite'), dir('adapters/postgres')],
    'adapters/sql, adapters/sqlite, adapters/postgres',
  ),
  driver(
    ['ws'],
    // Bend: the client library's Node transport (Node 20 has no global WebSocket); it lives on
    // the client side of the wire and is not exported by src/client/index.ts.
    [dir('gateway/ws'), file('src/client/node.ts')],
    'gateway/ws; client/node.ts (the client Node transport, a bend)',
  ),
  driver(['hono', '@hono/node-server'], [dir('gateway/http'), dir('node')], 'gateway/http, node'),
  driver(
    ['pino', 'pino-pretty'],
    [dir('log'), file('src/services/deps.ts')],
    'log (and services/deps.ts, type only)',
  ),
  driver(['commander'], [dir('cli')], 'cli'),
  driver(
    ['zod'],
    [dir('protocol'), dir('gateway'), dir('config'), dir('bench'), dir('verify')],
    'protocol, gateway, config, bench, verify',
  ),
  driver(['hdr-histogram-js'], [dir('bench')], 'bench'),
  driver(['web-push'], [dir('adapters/web-push')], 'adapters/web-push'),
  driver(['nodemailer'], [dir('adapters/smtp')], 'adapters/smtp'),
  driver(['sharp', 'file-type'], [dir('media')], 'media'),
  driver(['preact'], ['^web/src/'], 'web'),
  driver(['markdown-it', 'emojibase-data', 'emojibase'], [dir('format')], 'format'),
];
/** Packages the web UI may bundle (through its own files or src/format). */
const BROWSER_PACKAGES = ['zod', 'preact', 'markdown-it', 'emojibase-data', 'emojibase'];
const KNOWN_PACKAGES = [
  'better-sqlite3',
  'pg',
  '@nats-io/[^/]+',
  'argon2',
  'kysely',
  'ws',
  'hono',
  '@hono/node-server',
  'pino',
  'pino-pretty',
  'commander',
  'zod',
  'hdr-histogram-js',
  'sharp',
  'file-type',
  'web-push',
  'nodemailer',
  'preact',
  'markdown-it',
  'emojibase-data',
  'emojibase',
];

const BUILTIN = `^(node:)?(${builtinModules.map((m) => m.replace(/[/.]/g, '\\$&')).join('|')})$`;

/** @type {import('dependency-cruiser').IConfiguration} */
export default {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No import circles (type-only imports count: a circle of types is still a circle).',
      from: { path: ['^src/', '^web/src/'] },
      to: { circular: true },
    },

    // --- layers (first table) -----------------------------------------------------------------
    ...layer('domain', { from: dir('domain'), allowed: [], comment: 'domain imports nothing.' }),
    ...layer('protocol', {
      from: dir('protocol'),
      allowed: [],
      comment: 'protocol imports nothing of Parley but zod: it must stay browser-safe.',
      bends: [
        {
          // Not among the four bends architecture.md lists (found when this rule was written).
          file: 'src/protocol/schemas.ts',
          to: '^src/domain/(text|limits)[.]ts$',
          why: 'the input alphabet (rule S6) is shared by the edge schemas and the store, and so are the wire limits of domain/limits.ts (attachments per message, search sizes; rules F3, Q2)',
        },
        ...['frames', 'limits'].map((name) => ({
          file: `src/protocol/${name}.ts`,
          to: file('src/domain/limits.ts'),
          why: "the wire limits are the services' own (domain/limits.ts): one definition, re-exported to clients by protocol/limits.ts",
        })),
      ],
    }),
    ...layer('format', {
      from: dir('format'),
      allowed: [file('src/domain/limits.ts'), file('src/domain/search.ts')],
      comment:
        'format (the Markdown subset and emoji, shared by every front end) imports nothing of Parley but the username pattern of domain/limits.ts and the search tokenizer of domain/search.ts (snippets): it must stay browser-safe.',
    }),
    ...layer('ports', {
      from: dir('ports'),
      allowed: [dir('domain')],
      comment: 'ports import domain.',
    }),
    ...layer('observability', {
      from: dir('observability'),
      allowed: [],
      comment: 'observability imports nothing of Parley.',
    }),
    ...layer('services', {
      from: dir('services'),
      allowed: [dir('domain'), dir('ports'), dir('observability')],
      comment: 'services import domain, ports and the observability types.',
    }),
    ...layer('delivery', {
      from: dir('delivery'),
      allowed: [dir('domain'), dir('protocol'), dir('ports'), dir('observability')],
      comment:
        'delivery (the delivery core, below gateway) imports domain, protocol, ports and the observability types.',
    }),
    {
      name: 'observability-types-only',
      severity: 'error',
      comment: 'services and delivery take only types (the Metrics type) from observability.',
      from: { path: [dir('services'), dir('delivery')] },
      to: { path: dir('observability'), dependencyTypesNot: ['type-only'] },
    },
    ...layer('adapters', {
      from: '^src/adapters/([^/]+)/',
      fromNot: ['^src/adapters/(sqlite|postgres)/'],
      own: '^src/adapters/$1/',
      allowed: [dir('domain'), dir('ports')],
      comment: 'an adapter imports domain and ports, and no other adapter.',
      bends: [
        {
          file: 'src/adapters/nats/local-first-bus.ts',
          to: file('src/adapters/memory-bus/memory-bus.ts'),
          why: 'the in-process half of LocalFirstBus is the memory bus',
        },
      ],
    }),
    ...layer('media', {
      from: dir('media'),
      allowed: [dir('domain'), dir('ports')],
      comment:
        'media (file-type and sharp behind the MediaInspector port) imports domain and ports.',
    }),
    ...layer('adapters', {
      from: '^src/adapters/(sqlite|postgres)/',
      own: '^src/adapters/$1/',
      allowed: [dir('domain'), dir('ports'), dir('adapters/sql')],
      comment: 'a SQL engine (sqlite, postgres) imports domain, ports and adapters/sql.',
    }),
    ...layer('gateway', {
      from: dir('gateway'),
      allowed: [
        dir('domain'),
        dir('protocol'),
        dir('ports'),
        dir('services'),
        dir('delivery'),
        dir('config'),
        dir('log'),
        dir('observability'),
      ],
      comment:
        'gateway imports domain, protocol, ports, services, delivery, config, log, observability.',
    }),
    ...layer('config', {
      from: dir('config'),
      allowed: [dir('domain')],
      comment: 'config imports domain.',
    }),
    ...layer('log', { from: dir('log'), allowed: [], comment: 'log imports nothing of Parley.' }),
    ...layer('node', {
      from: dir('node'),
      allowed: [
        dir('domain'),
        dir('protocol'),
        dir('ports'),
        dir('services'),
        dir('delivery'),
        dir('adapters'),
        dir('media'),
        dir('format'),
        dir('gateway'),
        dir('config'),
        dir('log'),
        dir('observability'),
        file('src/version.ts'),
      ],
      comment:
        'node (the composition root) imports every layer below it, adapters included (and format: search snippets).',
    }),
    ...layer('supervisor', {
      from: dir('supervisor'),
      allowed: [],
      comment:
        "supervisor imports nothing of Parley's: it runs engines and `parley serve` as child processes.",
    }),
    ...layer('client', {
      from: dir('client'),
      allowed: [dir('protocol'), dir('format')],
      comment: 'client imports protocol and format.',
    }),
    ...layer('bench', {
      from: dir('bench'),
      allowed: [dir('client'), dir('protocol'), dir('supervisor')],
      comment: 'bench imports client, protocol and supervisor; it starts its target as a process.',
    }),
    ...layer('verify', {
      from: dir('verify'),
      allowed: [dir('client'), dir('protocol'), dir('supervisor'), dir('bench')],
      comment: 'verify imports client, protocol, supervisor and bench.',
    }),
    ...layer('cli', {
      from: dir('cli'),
      allowed: [
        dir('node'),
        dir('config'),
        dir('client'),
        dir('protocol'),
        dir('format'),
        dir('supervisor'),
        dir('bench'),
        dir('verify'),
        file('src/version.ts'),
      ],
      comment: 'cli imports node, config, client, protocol, format, supervisor, bench, verify.',
      bends: [
        {
          file: 'src/cli/backup.ts',
          to: file('src/adapters/sqlite/sqlite-store.ts'),
          why: 'a backup is SQLite-specific',
        },
      ],
    }),
    ...layer('root', {
      from: '^src/[^/]+$',
      own: '^$',
      allowed: [],
      comment: 'files at the top of src/ (version.ts) import nothing.',
    }),
    {
      name: 'layer-unknown-folder',
      severity: 'error',
      comment:
        'A folder of src/ without a row in the layer table: add it to .dependency-cruiser.mjs and docs/architecture.md.',
      from: { path: '^src/[^/]+/', pathNot: LAYERS.map(dir) },
      to: {},
    },
    {
      name: 'layer-web',
      severity: 'error',
      comment:
        'web imports src/client through its index, src/protocol, src/format, and the pure group-role policy src/domain/roles.ts; nothing else of src/.',
      from: { path: '^web/src/' },
      to: {
        dependencyTypes: ['local'],
        pathNot: [
          '^web/src/',
          file('src/client/index.ts'),
          dir('protocol'),
          dir('format'),
          file('src/domain/roles.ts'),
        ],
      },
    },
    {
      name: 'web-node-free',
      severity: 'error',
      comment: 'Nothing the web UI bundles may reach a Node built-in or a server-side package.',
      from: { path: '^web/src/' },
      to: {
        path: [BUILTIN, pkg(KNOWN_PACKAGES.filter((p) => !BROWSER_PACKAGES.includes(p)))],
        reachable: true,
      },
    },

    // --- packages (second table) --------------------------------------------------------------
    ...DRIVERS,
    {
      name: 'driver-pino',
      severity: 'error',
      comment: 'Bend: services/deps.ts takes its Logger type from pino, the type only.',
      from: { path: file('src/services/deps.ts') },
      to: { path: pkg(['pino', 'pino-pretty']), dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'package-not-in-table',
      severity: 'error',
      comment:
        'An npm package not in the package table of docs/architecture.md: give it a row (here and there) first.',
      from: { path: ['^src/', '^web/src/'] },
      to: { dependencyTypesNot: ['local', 'core'], pathNot: pkg(KNOWN_PACKAGES) },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'An import that does not resolve to a file.',
      from: { path: ['^src/', '^web/src/'] },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: ['\\.test\\.tsx?$', '\\.css$'] },
    tsPreCompilationDeps: true,
    // The server's tsconfig: NodeNext resolution (`./x.js` is `./x.ts`). web/src follows the same
    // spelling, so one configuration resolves both.
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    skipAnalysisNotInRules: true,
  },
};
