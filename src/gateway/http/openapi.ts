import { z } from 'zod';
import { ERROR_CODES } from '../../domain/errors.js';
import type { AnyRoute } from './route.js';

/**
 * A route's JSON Schema for the document. zod puts named schemas (`.meta({id})`) in a local
 * `$defs` with `#/$defs/X` refs, which would resolve against the document root; they are moved
 * to `components.schemas` (collected in `defs`) and the refs rewritten to point there.
 */
function jsonSchema(
  schema: z.ZodType,
  io: 'input' | 'output',
  defs: Record<string, unknown>,
): unknown {
  const relink = (value: unknown): unknown =>
    JSON.parse(JSON.stringify(value).replaceAll('"#/$defs/', '"#/components/schemas/'));
  const { $schema: _, $defs, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' });
  for (const [name, def] of Object.entries($defs ?? {})) defs[name] = relink(def);
  return relink(rest);
}

/** Builds the OpenAPI 3.1 document from the route table (the same schemas that validate). */
export function buildOpenApi(routes: AnyRoute[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  const schemas: Record<string, unknown> = {};
  for (const route of routes) {
    const path = route.path.replace(/:([A-Za-z]+)/g, '{$1}');
    const parameters: unknown[] = [...route.path.matchAll(/:([A-Za-z]+)/g)].map((m) => ({
      name: m[1],
      in: 'path',
      required: true,
      schema: { type: 'string' },
    }));
    if (route.query instanceof z.ZodObject) {
      const shape: Record<string, z.ZodType> = route.query.shape;
      for (const [name, schema] of Object.entries(shape)) {
        parameters.push({
          name,
          in: 'query',
          required: false,
          schema: jsonSchema(schema, 'input', schemas),
        });
      }
    }
    const responses: Record<string, unknown> = {};
    for (const [status, spec] of Object.entries(route.responses)) {
      responses[status] = spec.schema
        ? {
            description: spec.description,
            content: { 'application/json': { schema: jsonSchema(spec.schema, 'output', schemas) } },
          }
        : { description: spec.description };
    }
    if (route.auth) responses['401'] ??= { description: 'unauthorized' };
    (paths[path] ??= {})[route.method] = {
      summary: route.summary,
      tags: [route.tag],
      ...(route.auth ? { security: [{ bearer: [] }, { cookie: [] }] } : {}),
      ...(parameters.length ? { parameters } : {}),
      ...(route.body
        ? {
            requestBody: {
              required: true,
              content: { 'application/json': { schema: jsonSchema(route.body, 'input', schemas) } },
            },
          }
        : route.rawBody
          ? {
              requestBody: {
                required: true,
                description: route.rawBody.description,
                content: {
                  [route.rawBody.contentType]: {
                    schema: { type: 'string', contentMediaType: route.rawBody.contentType },
                  },
                },
              },
            }
          : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Parley API',
      version,
      description:
        'REST API of a Parley chat node. Errors use {error: {code, message}}; codes: ' +
        Object.entries(ERROR_CODES)
          .map(([code, e]) => `${code} (${e.http})`)
          .join(', ') +
        '. The WebSocket protocol at /api/v1/ws is described in docs/protocol.md.',
    },
    components: {
      schemas,
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer' },
        cookie: { type: 'apiKey', in: 'cookie', name: 'parley_session' },
      },
    },
    paths,
  };
}

/** The API docs page; its script is a separate file so the page runs under a strict CSP. */
export const DOCS_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Parley API</title><link rel="stylesheet" href="/api/v1/docs.css"></head>
<body><main><h1>Parley API</h1><p>Machine-readable: <a href="/api/v1/openapi.json">openapi.json</a>.</p>
<div id="routes">Loading…</div></main><script type="module" src="/api/v1/docs.js"></script></body></html>`;

export const DOCS_CSS = `body{font:15px/1.5 system-ui,sans-serif;margin:0;color:#1d2430;background:#fff}
main{max-width:960px;margin:0 auto;padding:1.5rem}h2{margin-top:2rem;border-bottom:1px solid #ddd}
details{border:1px solid #ddd;border-radius:6px;margin:.4rem 0;padding:.4rem .8rem}
summary{cursor:pointer}code{font-family:ui-monospace,monospace}.m{display:inline-block;width:4.5rem;font-weight:700}
pre{background:#f5f6f8;padding:.6rem;overflow:auto;border-radius:4px;font-size:13px}
@media (prefers-color-scheme: dark){body{background:#14171c;color:#e3e7ee}pre{background:#1f242c}details{border-color:#333}}`;

export const DOCS_JS = `const el = document.getElementById('routes');
const doc = await (await fetch('/api/v1/openapi.json')).json();
el.textContent = '';
const byTag = new Map();
for (const [path, ops] of Object.entries(doc.paths)) for (const [method, op] of Object.entries(ops)) {
  const tag = op.tags?.[0] ?? 'Other';
  if (!byTag.has(tag)) byTag.set(tag, []);
  byTag.get(tag).push({ path, method, op });
}
const p = document.createElement('p'); p.textContent = doc.info.description; el.append(p);
for (const [tag, ops] of byTag) {
  const h = document.createElement('h2'); h.textContent = tag; el.append(h);
  for (const { path, method, op } of ops) {
    const d = document.createElement('details');
    const s = document.createElement('summary');
    const m = document.createElement('span'); m.className = 'm'; m.textContent = method.toUpperCase();
    const c = document.createElement('code'); c.textContent = path;
    s.append(m, c, ' — ' + op.summary);
    const pre = document.createElement('pre');
    pre.textContent = JSON.stringify({ parameters: op.parameters, requestBody: op.requestBody, responses: op.responses }, null, 2);
    d.append(s, pre); el.append(d);
  }
}`;
