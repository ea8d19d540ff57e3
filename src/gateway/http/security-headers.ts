import type { Duplex } from 'node:stream';
import { ERROR_CODES, type AppError } from '../../domain/errors.js';

/** Applied to every response (rule S5). */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; worker-src 'self'; " +
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

/** Sent only over TLS (rule S10): a browser ignores it over plain HTTP, and it must not stick to one. */
const HSTS = { 'strict-transport-security': 'max-age=31536000' } as const;

/** The headers every response carries: S5's, plus HSTS when the client's connection is TLS. */
export function securityHeaders(secure: boolean): Readonly<Record<string, string>> {
  return secure ? { ...SECURITY_HEADERS, ...HSTS } : SECURITY_HEADERS;
}

/**
 * Answers an error on a socket that has no HTTP response object (a refused WebSocket upgrade,
 * a request the parser gave up on) with the same envelope and headers as every other answer,
 * then closes the connection.
 */
export function writeRawError(socket: Duplex, err: AppError, options: { secure: boolean }): void {
  const status = ERROR_CODES[err.code].http;
  const body = JSON.stringify({ error: { code: err.code, message: err.message } });
  const headers = {
    ...securityHeaders(options.secure),
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(body)),
    connection: 'close',
  };
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
  // The server keeps sockets half-open after its end; without the destroy the client's end waits.
  socket.once('finish', () => socket.destroy());
  socket.end(`HTTP/1.1 ${status} ${err.code}\r\n${lines.join('')}\r\n${body}`);
}
