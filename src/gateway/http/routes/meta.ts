import { z } from 'zod';
import { defineRoute, type AnyRoute } from '../route.js';
import { buildOpenApi, DOCS_CSS, DOCS_HTML, DOCS_JS } from '../openapi.js';

const tag = 'Operations';
const Health = z.object({
  status: z.string(),
  node: z.string(),
  checks: z.record(z.string(), z.string()).optional(),
  durability: z
    .object({
      syncStandbys: z.number().int(),
      configuredSyncStandbys: z.number().int(),
      requiredSyncStandbys: z.number().int(),
    })
    .optional(),
});

/** Health checks, the OpenAPI document and the docs page; `routes` is the full table to document. */
export function metaRoutes(routes: () => AnyRoute[], version: string): AnyRoute[] {
  let openapi: Record<string, unknown> | null = null;
  return [
    defineRoute({
      method: 'get',
      path: '/healthz',
      summary: 'Liveness: the process serves HTTP',
      tag,
      auth: false,
      responses: { 200: { description: 'Alive', schema: Health } },
      handler: ({ c, ctx }) => c.json({ status: 'ok', node: ctx.config.nodeId }),
    }),
    defineRoute({
      method: 'get',
      path: '/readyz',
      summary:
        'Readiness: store reachable, writable and backed by its synchronous standbys, and the node not shutting down (503 otherwise)',
      tag,
      auth: false,
      responses: {
        200: { description: 'Ready', schema: Health },
        503: { description: 'Not ready', schema: Health },
      },
      async handler({ c, ctx }) {
        const { ready, checks, durability } = await ctx.health();
        const ok = ready && ctx.accepting();
        return c.json(
          {
            status: ok ? 'ready' : 'unavailable',
            node: ctx.config.nodeId,
            checks,
            ...(durability ? { durability } : {}),
          },
          ok ? 200 : 503,
        );
      },
    }),
    defineRoute({
      method: 'get',
      path: '/metrics',
      summary:
        'Prometheus metrics: connections, sends, deliveries, commit and fan-out latency, bus reconnects, resyncs',
      tag,
      auth: false,
      responses: { 200: { description: 'Prometheus text format 0.0.4' } },
      handler: ({ c, ctx }) =>
        c.body(ctx.metrics.render(), 200, {
          'content-type': 'text/plain; version=0.0.4; charset=utf-8',
        }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/openapi.json',
      summary: 'This OpenAPI document',
      tag,
      auth: false,
      responses: { 200: { description: 'OpenAPI 3.1' } },
      handler: ({ c }) => c.json((openapi ??= buildOpenApi(routes(), version))),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/docs',
      summary: 'Human-readable API docs',
      tag,
      auth: false,
      responses: { 200: { description: 'HTML page' } },
      handler: ({ c }) => c.html(DOCS_HTML),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/docs.js',
      summary: 'Script of the docs page',
      tag,
      auth: false,
      responses: { 200: { description: 'JavaScript' } },
      handler: ({ c }) =>
        c.body(DOCS_JS, 200, { 'content-type': 'text/javascript; charset=utf-8' }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/docs.css',
      summary: 'Stylesheet of the docs page',
      tag,
      auth: false,
      responses: { 200: { description: 'CSS' } },
      handler: ({ c }) => c.body(DOCS_CSS, 200, { 'content-type': 'text/css; charset=utf-8' }),
    }),
  ];
}
