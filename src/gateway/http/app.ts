import type { IncomingHttpHeaders } from 'node:http';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { AppError, isAppError } from '../../domain/errors.js';
import { ulid } from '../../domain/ids.js';
import { translateError } from '../errors.js';
import type { AppEnv, GatewayContext } from './context.js';
import { clientAddress } from './client-ip.js';
import { originAllowed, tokenFrom } from './origin.js';
import { mountRoutes, type AnyRoute } from './route.js';
import { adminRoutes } from './routes/admin.js';
import { authRoutes } from './routes/auth.js';
import { discoveryRoutes } from './routes/discovery.js';
import { exportRoutes } from './routes/export.js';
import { fileRoutes, UPLOAD_PATH } from './routes/files.js';
import { conversationRoutes } from './routes/conversations.js';
import { publicGroupRoutes } from './routes/public-groups.js';
import { mentionRoutes } from './routes/mentions.js';
import { messageRoutes } from './routes/messages.js';
import { metaRoutes } from './routes/meta.js';
import { notificationRoutes } from './routes/notifications.js';
import { AVATAR_PATH, profileRoutes } from './routes/profiles.js';
import { passwordRoutes } from './routes/passwords.js';
import { pushRoutes } from './routes/push.js';
import { reactionRoutes } from './routes/reactions.js';
import { registrationRoutes } from './routes/registration.js';
import { searchRoutes } from './routes/search.js';
import { settingsRoutes } from './routes/settings.js';
import { userRoutes } from './routes/users.js';
import { securityHeaders } from './security-headers.js';
import { DEFAULT_WEB_DIR, mountWebUi } from './static.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Routes that set the session cookie: a browser's Origin is checked even without a cookie (S2). */
const COOKIE_SETTING_PATHS = new Set(['/api/v1/auth/login', '/api/v1/auth/register']);

/** `application/json`, with or without parameters such as `charset` (rule S8). */
const JSON_TYPE = /^application\/json\s*(;|$)/i;

/** The REST send route, whose refusals `parley_send_errors_total` counts. */
const SEND_PATH = /^\/api\/v1\/conversations\/[^/]+\/messages\/?$/;

/** A request taking this long (uploads aside) is logged at warn with its time. */
export const SLOW_REQUEST_MS = 1_000;

/** Client errors worth an info line at any method: timeouts, oversized bodies, rate limits. */
const NOTABLE_CLIENT_ERRORS = new Set([408, 413, 429]);

/**
 * The level of a request's log line (rule O2): server errors and slow requests at warn; rate
 * limits, timeouts, oversized bodies and refused writes (401/403: wrong passwords, origins,
 * permissions; fail2ban reads them) at info; everything else, health checks included, at debug.
 */
export function requestLogLevel(
  method: string,
  path: string,
  status: number,
  ms: number,
): 'debug' | 'info' | 'warn' {
  if (status >= 500) return 'warn';
  const isUpload = path === UPLOAD_PATH || path === AVATAR_PATH;
  if (ms >= SLOW_REQUEST_MS && !isUpload) return 'warn';
  if (NOTABLE_CLIENT_ERRORS.has(status)) return 'info';
  if ((status === 401 || status === 403) && !SAFE_METHODS.has(method)) return 'info';
  return 'debug';
}

/** The error envelope `{error: {code, message}}` (rule H2). */
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

/**
 * Rules for every write, before authentication: a body must be declared JSON (rule S8; an
 * HTML form or a `no-cors` fetch can send only form or text types, so this stops cross-site
 * requests that a browser would not preflight), and a login or registration from a browser must
 * come from an allowed Origin (S2), since it sets a cookie and so carries none yet.
 */
function checkWrite(headers: IncomingHttpHeaders, path: string, ctx: GatewayContext): void {
  const isUpload = path === UPLOAD_PATH || path === AVATAR_PATH;
  const hasBody =
    headers['transfer-encoding'] !== undefined ||
    (headers['content-length'] !== undefined && headers['content-length'] !== '0');
  // An upload's body is the file itself, of any type (rule F1). A cross-site form or no-cors
  // fetch could send one, but it carries a cookie only, and cookie writes need an allowed
  // Origin (S2), which such a request does not have.
  if (hasBody && !isUpload && !JSON_TYPE.test(headers['content-type'] ?? '')) {
    throw new AppError('unsupported_media_type');
  }
  const origin = headers.origin;
  if (
    origin !== undefined &&
    COOKIE_SETTING_PATHS.has(path) &&
    !originAllowed(origin, headers, ctx.config.allowedOrigins)
  ) {
    throw new AppError('origin_not_allowed', 'logins from this origin are not allowed');
  }
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
    ...adminRoutes,
    ...settingsRoutes,
    ...exportRoutes,
    ...userRoutes,
    ...conversationRoutes,
    ...publicGroupRoutes,
    ...messageRoutes,
    ...mentionRoutes,
    ...searchRoutes,
    ...reactionRoutes,
    ...notificationRoutes,
    ...pushRoutes,
    ...fileRoutes,
    ...profileRoutes,
    ...registrationRoutes,
    ...passwordRoutes,
    ...discoveryRoutes,
    ...metaRoutes(() => routes, version),
  );

  app.use(async (c, next) => {
    const requestId = c.req.header('x-request-id')?.slice(0, 64) ?? ulid();
    c.set('requestId', requestId);
    const client = clientAddress(c.env.incoming, ctx.trustedProxies);
    c.set('client', client);
    const started = performance.now();
    await next();
    for (const [name, value] of Object.entries(securityHeaders(client.secure))) {
      // A served file brings its own, stricter policy (rule F6).
      if (name === 'content-security-policy' && c.res.headers.has(name)) continue;
      c.header(name, value);
    }
    c.header('x-request-id', requestId);
    const principal = c.get('principal');
    const ms = Math.round((performance.now() - started) * 10) / 10;
    ctx.log[requestLogLevel(c.req.method, c.req.path, c.res.status, ms)](
      {
        event: 'http',
        requestId,
        // The client address (forwarded by a trusted proxy, rule S9), for fail2ban and the like.
        ip: client.ip,
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        ms,
        ...(principal ? { userId: principal.user.id } : {}),
      },
      'request',
    );
  });

  const jsonBodyLimit = bodyLimit({
    maxSize: ctx.config.limits.maxBodyBytes,
    onError: (c) => {
      // The unread rest of the body makes the connection unusable: tell the client not to reuse it.
      c.header('connection', 'close');
      throw new AppError(
        'payload_too_large',
        `the body exceeds ${ctx.config.limits.maxBodyBytes} bytes`,
      );
    },
  });
  // An upload streams up to maxUploadBytes, counted by the upload itself (rule F1).
  app.use((c, next) =>
    (c.req.method === 'POST' && c.req.path === UPLOAD_PATH) ||
    (c.req.method === 'PUT' && c.req.path === AVATAR_PATH)
      ? next()
      : jsonBodyLimit(c, next),
  );

  app.use(async (c, next) => {
    // Health checks keep answering during shutdown: /readyz then says 503 in its own shape.
    const isHealth = c.req.path === '/healthz' || c.req.path === '/readyz';
    if (!ctx.accepting() && !isHealth)
      throw new AppError('unavailable', 'the node is shutting down');
    if (!SAFE_METHODS.has(c.req.method)) checkWrite(c.env.incoming.headers, c.req.path, ctx);
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
    const { error, kind } = translateError(err, (e) => ctx.isUnavailable(e));
    if (c.req.method === 'POST' && SEND_PATH.test(c.req.path))
      ctx.metrics.sendErrors.inc({ code: error.code });
    if (kind === 'unavailable')
      ctx.log.warn(
        { event: 'store.unavailable', requestId: c.get('requestId'), err },
        'store unavailable',
      );
    if (kind === 'internal')
      ctx.log.error(
        { event: 'http.error', requestId: c.get('requestId'), err, path: c.req.path },
        'unhandled error',
      );
    return c.json(errorBody(error), error.status as 400);
  });

  return { app, routes };
}
