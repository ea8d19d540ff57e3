import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { AppError } from '../../domain/errors.js';
import { translateError } from '../errors.js';
import type { Principal } from '../../services/accounts.js';
import type { GatewayContext } from '../http/context.js';
import { clientAddress } from '../http/client-ip.js';
import { originAllowed, tokenFrom } from '../http/origin.js';
import { writeRawError } from '../http/security-headers.js';
import type { DeliveryCore } from '../../delivery/core.js';
import { Connection } from './connection.js';

/** The WebSocket endpoint's path. */
export const WS_PATH = '/api/v1/ws';

/** How often open sockets are pinged; one without a pong since the last ping is dropped. */
const HEARTBEAT_MS = 30_000;

/**
 * Accepts WebSocket upgrades on {@link WS_PATH} (rule W1): exact Origin check, per-IP
 * connection rate limit, optional authentication from the cookie or Authorization header
 * (otherwise `hello.token`), frames capped at the body limit. Each socket is a
 * {@link Connection} handing its session to the delivery core.
 */
export function attachWebSockets(
  server: Server,
  ctx: GatewayContext,
  core: DeliveryCore,
): WebSocketServer {
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: ctx.config.limits.maxBodyBytes,
    clientTracking: false,
  });
  const open = new Set<Connection>();
  const heartbeat = setInterval(() => {
    for (const conn of [...open]) conn.heartbeat();
  }, HEARTBEAT_MS);
  heartbeat.unref();
  server.once('close', () => clearInterval(heartbeat));

  const upgrade = async (attempt: {
    req: IncomingMessage;
    socket: Duplex;
    head: Buffer;
    /** The client's address (forwarded by a trusted proxy, rule S9). */
    ip: string;
    reject: (err: AppError) => void;
  }): Promise<void> => {
    const { req, socket, head, ip, reject } = attempt;
    const path = (req.url ?? '').split('?')[0];
    if (path !== WS_PATH) return reject(new AppError('not_found', 'no such route'));
    if (!ctx.accepting()) return reject(new AppError('unavailable', 'the node is shutting down'));
    const origin = req.headers.origin;
    if (origin !== undefined && !originAllowed(origin, req.headers, ctx.config.allowedOrigins)) {
      return reject(new AppError('origin_not_allowed'));
    }
    if (!ctx.limiters.connections.take(ip))
      return reject(new AppError('rate_limited', 'too many connections'));
    let principal: Principal | null = null;
    const found = tokenFrom(req.headers);
    if (found) principal = await ctx.accounts.authenticate(found.token);
    wss.handleUpgrade(req, socket, head, (ws) => {
      open.add(new Connection({ ws, core, ctx, principal, onClosed: (conn) => open.delete(conn) }));
    });
  };

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const client = clientAddress(req, ctx.trustedProxies);
    // Refusals are raw HTTP answers, with the same headers as every other response (rule S5).
    const reject = (err: AppError) => writeRawError(socket, err, { secure: client.secure });
    upgrade({ req, socket, head, ip: client.ip, reject }).catch((err: unknown) => {
      const { error, kind } = translateError(err, (e) => ctx.isUnavailable(e));
      if (kind === 'internal') ctx.log.error({ event: 'ws.upgrade_failed', err }, 'upgrade failed');
      reject(error);
    });
  });
  return wss;
}
