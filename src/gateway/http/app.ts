import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { AppError, ERROR_CODES, isAppError } from '../../domain/errors.js';
import { ulid } from '../../domain/ids.js';
import type { AppEnv, GatewayContext } from './context.js';
import { originAllowed, tokenFrom } from './origin.js';
import { mountRoutes, type AnyRoute } from './route.js';
import { authRoutes } from './routes/auth.js';
import { clusterRoutes } from './routes/cluster.js';
import { conversationRoutes } from './routes/conversations.js';
import { messageRoutes } from './routes/messages.js';
import { metaRoutes } from './routes/meta.js';
import { userRoutes } from './routes/users.js';
import { DEFAULT_WEB_DIR, mountWebUi } from './static.js';

/** Applied to every response (rule S5). */
const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The error envelope `{error: {code, message}}` (rule H2). */
/** The REST send route, whose refusals `parley_send_errors_total` counts. */
const SEND_PATH = /^\/api\/v1\/conversations\/[^/]+\/messages\/?$/;

export function errorBody(err: AppError): {
  error: { code: string; message: string; details?: Record<string, unknown> };
} {
  return {
    error: {
      code: err.code,
      message: err.message,
      ...(err.details ? { details: err.details } : {}),
    },
  };
}

/** Builds the REST application: middleware, the route table, errors. Listening is separate. */
export function buildHttpApp(
  ctx: GatewayContext,
  version: string,
): { app: Hono<AppEnv>; routes: AnyRoute[] } {
  const app = new Hono<AppEnv>();
  const routes: AnyRoute[] = [];
  routes.push(
    ...authRoutes,
    ...userRoutes,
    ...conversationRoutes,
    ...messageRoutes,
    ...clusterRoutes,
    ...metaRoutes(() => routes, version),
  );

  app.use(async (c, next) => {
    const requestId = c.req.header('x-request-id')?.slice(0, 64) ?? ulid();
    c.set('requestId', requestId);
    const started = performance.now();
    await next();
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) c.header(name, value);
    c.header('x-request-id', requestId);
    const principal = c.get('principal');
    ctx.log.info(
      {
        event: 'http',
        requestId,
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        ms: Math.round((performance.now() - started) * 10) / 10,
        ...(principal ? { userId: principal.user.id } : {}),
      },
      'request',
    );
  });

  app.use(
    bodyLimit({
      maxSize: ctx.config.limits.maxBodyBytes,
      onError: (c) => {
        // The unread rest of the body makes the connection unusable: tell the client not to reuse it.
        c.header('connection', 'close');
        throw new AppError(
          'payload_too_large',
          `the body exceeds ${ctx.config.limits.maxBodyBytes} bytes`,
        );
      },
    }),
  );

  app.use(async (c, next) => {
    // Health checks keep answering during shutdown: /readyz then says 503 in its own shape.
    const isHealth = c.req.path === '/healthz' || c.req.path === '/readyz';
    if (!ctx.accepting() && !isHealth)
      throw new AppError('unavailable', 'the node is shutting down');
    const found = tokenFrom(c.env.incoming.headers);
    if (found) {
      // A bad token on a public route is ignored; protected routes then answer unauthorized.
      try {
        c.set('principal', await ctx.accounts.authenticate(found.token));
        c.set('authVia', found.via);
      } catch (err) {
        if (!isAppError(err, 'unauthorized')) throw err;
      }
    }
    if (c.get('authVia') === 'cookie' && !SAFE_METHODS.has(c.req.method)) {
      const origin = c.req.header('origin');
      if (!origin || !originAllowed(origin, c.env.incoming.headers, ctx.config.allowedOrigins)) {
        throw new AppError(
          'origin_not_allowed',
          'cookie-authenticated writes need an allowed Origin',
        );
      }
    }
    await next();
  });

  mountRoutes(app, ctx, routes);

  mountWebUi(app, {
    dir: ctx.config.webDir ?? DEFAULT_WEB_DIR,
    settings: {
      maxMessageChars: ctx.config.limits.maxMessageChars,
      maxGroupNameChars: ctx.config.limits.maxGroupNameChars,
    },
  });

  app.notFound((c) => c.json(errorBody(new AppError('not_found', 'no such route')), 404));

  app.onError((err, c) => {
    const unavailable = !isAppError(err) && ctx.isUnavailable(err);
    if (c.req.method === 'POST' && SEND_PATH.test(c.req.path)) {
      const code = isAppError(err) ? err.code : unavailable ? 'unavailable' : 'internal';
      ctx.metrics.sendErrors.inc({ code });
    }
    if (isAppError(err)) return c.json(errorBody(err), err.status as 400);
    if (unavailable) {
      ctx.log.warn(
        { event: 'store.unavailable', requestId: c.get('requestId'), err },
        'store unavailable',
      );
      return c.json(
        errorBody(new AppError('unavailable', 'the database is unavailable; try again shortly')),
        503,
      );
    }
    ctx.log.error(
      { event: 'http.error', requestId: c.get('requestId'), err, path: c.req.path },
      'unhandled error',
    );
    return c.json({ error: { code: 'internal', message: ERROR_CODES.internal.message } }, 500);
  });

  return { app, routes };
}
