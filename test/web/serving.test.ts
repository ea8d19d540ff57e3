import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestNode, type TestNode } from '../helpers/node.js';
import { startWebNode } from '../helpers/web.js';

/** The fixed keys the page may keep in localStorage besides the emoji usage (rule UI3). */
const FIXED_KEYS = ['parley:session-hint', 'parley:theme'];

/**
 * Rule UI3 read in the shipped code: nothing touches sessionStorage, and localStorage is only
 * ever read and written through one key function, `parley:emoji-usage:<user id>` (the emoji
 * picker's recent and frequent emoji), or under two fixed keys: `parley:session-hint` ("1"
 * while this browser has a session, UI15) and `parley:theme` (the theme choice, UI16). The
 * token is never in reach of any: it lives in the HttpOnly cookie.
 */
function expectOnlyKnownStorage(code: string): void {
  assert.doesNotMatch(code, /sessionStorage|indexedDB/, 'nothing in sessionStorage or IndexedDB');
  const uses = code.match(/localStorage/g) ?? [];
  const fixed = [
    ...code.matchAll(/localStorage\.(getItem|setItem|removeItem)\((["'`])([^"'`]*)\2/g),
  ];
  assert.deepEqual(
    [...new Set(fixed.map((c) => c[3]))].sort(),
    FIXED_KEYS,
    'the fixed keys, each of them used',
  );
  const calls = [...code.matchAll(/localStorage\.(getItem|setItem)\(([\w$]+)\(/g)];
  assert.ok(
    calls.some((c) => c[1] === 'setItem'),
    'the picker writes its emoji',
  );
  assert.equal(
    calls.length + fixed.length,
    uses.length,
    'every use of localStorage is a call with a fixed key or the key function',
  );
  const keyFunctions = new Set(calls.map((c) => c[2]!));
  assert.equal(keyFunctions.size, 1, 'one key function for every read and write');
  const [name] = keyFunctions;
  const id = (name ?? '').replace(/\$/g, '\\$');
  const keyOf = new RegExp(
    `(?:function ${id}\\(([\\w$]+)\\)\\{return|\\b${id}=\\(?([\\w$]+)\\)?=>)\\s*\`parley:emoji-usage:\\$\\{(?:\\1|\\2)\\}\``,
  );
  assert.match(code, keyOf, 'the key is parley:emoji-usage:<user id>');
}

describe('the node serves the web UI', () => {
  let node: TestNode;

  before(async () => {
    node = await startWebNode({ config: { maxMessageChars: 1234 } });
  });

  after(async () => {
    await node?.dispose();
  });

  it('[UI1][UI2][S5] serves index.html at / and at conversation URLs, never cached, under the strict CSP', async () => {
    for (const path of ['/', '/c/01M7YD6SBHMC0V93PSC568S4CQ']) {
      const res = await fetch(node.url + path);
      assert.equal(res.status, 200, path);
      assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
      assert.equal(res.headers.get('cache-control'), 'no-cache');
      const csp = res.headers.get('content-security-policy') ?? '';
      assert.match(csp, /default-src 'self'/);
      assert.match(csp, /script-src 'self';/);
      assert.match(csp, /style-src 'self';/);
      const html = await res.text();
      // Nothing inline: every script and stylesheet is a file of this node.
      assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/);
      assert.doesNotMatch(html, /<style|\sstyle=|\son[a-z]+=/i);
      assert.doesNotMatch(html, /https?:\/\//, 'no external resources');
      assert.match(html, /<meta name="parley:max-message-chars" content="1234"/);
    }
  });

  it('[UI1][UI3] serves content-hashed assets cached for a year, compressed when asked', async () => {
    const html = await (await fetch(node.url + '/')).text();
    const assets = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]!);
    assert.ok(assets.some((a) => a.endsWith('.js')) && assets.some((a) => a.endsWith('.css')));
    const scripts: string[] = [];
    for (const asset of assets) {
      assert.match(asset, /-[A-Za-z0-9_-]{8}\.(js|css|svg)$/, 'hashed name');
      const res = await fetch(node.url + asset, { headers: { 'accept-encoding': 'gzip' } });
      assert.equal(res.status, 200, asset);
      assert.equal(res.headers.get('cache-control'), 'public, max-age=31536000, immutable');
      assert.ok(res.headers.get('content-security-policy'));
      if (asset.endsWith('.js')) {
        assert.equal(res.headers.get('content-type'), 'text/javascript; charset=utf-8');
        const encoding = res.headers.get('content-encoding');
        const code = await res.text();
        // The node compresses what is over 1 KiB (the theme script, UI16, is smaller).
        assert.equal(encoding, Buffer.byteLength(code) > 1024 ? 'gzip' : null, asset);
        scripts.push(code);
        // The chunks it loads on demand (the emoji picker's table) are served the same way.
        for (const [, chunk] of code.matchAll(/["'`]\.\/([\w-]+-[\w-]{8}\.js)["'`]/g))
          if (!assets.includes(`/assets/${chunk}`)) assets.push(`/assets/${chunk}`);
      } else {
        await res.arrayBuffer();
      }
    }
    assert.ok(scripts.length > 1, 'the main bundle and its on-demand chunks');
    expectOnlyKnownStorage(scripts.join('\n'));
  });

  it('[UI1] answers not_found for unknown assets and paths that try to leave the folder', async () => {
    for (const path of [
      '/assets/nope.js',
      '/assets/..%2f..%2fpackage.json',
      '/assets/%2e%2e/index.html',
      '/c/a/b',
    ]) {
      const res = await fetch(node.url + path);
      assert.equal(res.status, 404, path);
      const body = await res.json();
      assert.equal(body.error.code, 'not_found');
    }
  });

  it('[UI1] without a build, / explains how to build the UI', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'parley-noweb-'));
    const bare = await startTestNode({ tweak: (c) => (c.webDir = empty) });
    try {
      const res = await fetch(bare.url + '/');
      assert.equal(res.status, 200);
      assert.match(await res.text(), /npm run build/);
    } finally {
      await bare.dispose();
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
