import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { AppError, ERROR_CODES, isAppError } from '../../domain/errors.js';
import type { Principal } from '../../services/accounts.js';
import type { GatewayContext } from '../http/context.js';
import { originAllowed, tokenFrom } from '../http/origin.js';
import { Connection } from './connection.js';
import type { Hub } from './hub.js';

/** The WebSocket endpoint's path. */
export const WS_PATH = '/api/v1/ws';

function reject(socket: Duplex, err: AppError): void {
  const status = ERROR_CODES[err.code].http;
  const body = JSON.stringify({ error: { code: err.code, message: err.message } });
  socket.end(
    `HTTP/1.1 ${status} ${err.code}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/**
 * Accepts WebSocket upgrades on {@link WS_PATH} (rule W1): exact Origin check, per-IP
 * connection rate limit, optional authentication from the cookie or Authorization header
 * (otherwise `hello.token`), frames capped at the body limit.
 */
export function attachWebSockets(server: Server, ctx: GatewayContext, hub: Hub): WebSocketServer {
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: ctx.config.limits.maxBodyBytes,
    clientTracking: false,
  });

  const upgrade = async (req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== WS_PATH) return reject(socket, new AppError('not_found', 'no such route'));
    if (!ctx.accepting())
      return reject(socket, new AppError('unavailable', 'the node is shutting down'));
    const origin = req.headers.origin;
    if (origin !== undefined && !originAllowed(origin, req.headers, ctx.config.allowedOrigins)) {
      return reject(socket, new AppError('origin_not_allowed'));
    }
    const ip = req.socket.remoteAddress ?? 'unknown';
    if (!ctx.limiters.connections.take(ip))
      return reject(socket, new AppError('rate_limited', 'too many connections'));
    let principal: Principal | null = null;
    const found = tokenFrom(req.headers);
    if (found) principal = await ctx.accounts.authenticate(found.token);
    wss.handleUpgrade(req, socket, head, (ws) => {
      new Connection({ ws, hub, ctx, principal, ip });
    });
  };

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    upgrade(req, socket, head).catch((err: unknown) => {
      if (isAppError(err)) return reject(socket, err);
      if (ctx.isUnavailable(err))
        return reject(socket, new AppError('unavailable', 'the database is unavailable'));
      ctx.log.error({ event: 'ws.upgrade_failed', err }, 'upgrade failed');
      reject(socket, new AppError('internal'));
    });
  });
  return wss;
}
