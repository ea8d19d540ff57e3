import type { Context } from 'hono';
import type { AppEnv } from './context.js';

/** The peer address of the request (proxies are not trusted: rate limits key on the socket). */
export function clientIp(c: Context<AppEnv>): string {
  return c.env.incoming.socket.remoteAddress ?? 'unknown';
}
