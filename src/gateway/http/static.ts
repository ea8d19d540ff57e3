import { readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { Context, Hono } from 'hono';
import type { AppEnv } from './context.js';

/**
 * Where `npm run build` puts the web UI: `dist/web` at the root of the installation. This file
 * sits three folders below the root both as source (src/gateway/http) and built (dist/gateway/http).
 */
export const DEFAULT_WEB_DIR = fileURLToPath(new URL('../../../dist/web/', import.meta.url));

/** What the page needs to know about this node, written into index.html as `<meta>` values. */
export interface WebUiSettings {
  maxMessageChars: number;
  maxGroupNameChars: number;
}

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

/** Hashed asset names as Vite writes them: one flat folder, no path separators. */
const ASSET_NAME = /^[A-Za-z0-9_-][A-Za-z0-9_.-]*$/;

interface Asset {
  body: Buffer;
  gzip: Buffer | null;
  type: string;
}

/**
 * Serves the built web UI: `index.html` for `/` and the client-side routes (`/c/<id>`), never
 * cached, and the content-hashed files under `/assets/`, cached for a year. Without a build it
 * serves a short landing page that says how to build one.
 */
export function mountWebUi(app: Hono<AppEnv>, options: { dir: string; settings: WebUiSettings }) {
  const { dir, settings } = options;
  const assets = new Map<string, Promise<Asset | null>>();

  const page = async (c: Context<AppEnv>) => {
    const html = await readFile(join(dir, 'index.html'), 'utf8').catch(() => null);
    c.header('cache-control', 'no-cache');
    if (html === null) return c.html(LANDING_HTML);
    return c.html(withSettings(html, settings));
  };
  app.get('/', page);
  app.get('/c/:id', page);
  // The admin page and the links people are sent (invites, password resets; issue 16).
  app.get('/admin', page);
  app.get('/invite/:code', page);
  app.get('/reset/:token', page);

  // The service worker (rule UI7) lives at the root so its scope is the whole page; uncached,
  // so the browser's update check sees a new build at once.
  app.get('/sw.js', async (c) => {
    const body = await readFile(join(dir, 'sw.js')).catch(() => null);
    if (body === null) return c.notFound();
    c.header('content-type', 'text/javascript; charset=utf-8');
    c.header('cache-control', 'no-cache');
    return c.body(new Uint8Array(body));
  });

  app.get('/assets/:name', async (c) => {
    const name = c.req.param('name');
    if (!ASSET_NAME.test(name)) return c.notFound();
    let asset = assets.get(name);
    if (!asset) {
      asset = loadAsset(join(dir, 'assets', name));
      assets.set(name, asset);
    }
    const found = await asset;
    if (!found) {
      assets.delete(name);
      return c.notFound();
    }
    c.header('content-type', found.type);
    c.header('cache-control', 'public, max-age=31536000, immutable');
    c.header('vary', 'accept-encoding');
    if (found.gzip && /\bgzip\b/.test(c.req.header('accept-encoding') ?? '')) {
      c.header('content-encoding', 'gzip');
      return c.body(new Uint8Array(found.gzip));
    }
    return c.body(new Uint8Array(found.body));
  });
}

async function loadAsset(path: string): Promise<Asset | null> {
  const info = await stat(path).catch(() => null);
  if (!info?.isFile()) return null;
  const body = await readFile(path);
  const type = CONTENT_TYPES[extname(path)] ?? 'application/octet-stream';
  const compressible = type.startsWith('text/') || type.includes('svg') || type.includes('json');
  return { body, gzip: compressible && body.length > 1024 ? gzipSync(body) : null, type };
}

/** Fills the `<meta name="parley:…">` placeholders of index.html with this node's limits. */
function withSettings(html: string, settings: WebUiSettings): string {
  return html
    .replace(
      /(<meta name="parley:max-message-chars" content=")\d*(")/,
      `$1${settings.maxMessageChars}$2`,
    )
    .replace(
      /(<meta name="parley:max-group-name-chars" content=")\d*(")/,
      `$1${settings.maxGroupNameChars}$2`,
    );
}

const LANDING_HTML = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Parley</title>
<link rel="stylesheet" href="/api/v1/docs.css"></head><body><main><h1>Parley</h1>
<p>This Parley node is running. The API is documented at <a href="/api/v1/docs">/api/v1/docs</a>;
the terminal client is <code>parley chat</code>.</p>
<p>The web UI is not built: run <code>npm run build</code> (or <code>npm run build:web</code>)
and reload this page.</p></main></body></html>`;
