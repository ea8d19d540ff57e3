import type { IncomingHttpHeaders } from 'node:http';

/**
 * Exact Origin check (rule S2): the origin must equal this node's own origin (scheme + the
 * Host header) or one of the configured allowed origins; no prefix or suffix matching.
 */
export function originAllowed(
  origin: string,
  headers: IncomingHttpHeaders,
  allowed: readonly string[],
): boolean {
  const host = headers.host;
  if (host && (origin === `http://${host}` || origin === `https://${host}`)) return true;
  return allowed.includes(origin);
}

/** Reads one cookie from a Cookie header. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      const value = part.slice(eq + 1).trim();
      try {
        return decodeURIComponent(value);
      } catch {
        return value; // malformed %-escapes: kept as is (an invalid token, not a crash)
      }
    }
  }
  return undefined;
}

/** The session cookie's name. */
export const SESSION_COOKIE = 'parley_session';

/** Takes the session token from `Authorization: Bearer` or the session cookie (never the URL). */
export function tokenFrom(
  headers: IncomingHttpHeaders,
): { token: string; via: 'bearer' | 'cookie' } | undefined {
  const auth = headers.authorization;
  if (auth && /^bearer /i.test(auth)) return { token: auth.slice(7).trim(), via: 'bearer' };
  const cookie = readCookie(headers.cookie, SESSION_COOKIE);
  return cookie ? { token: cookie, via: 'cookie' } : undefined;
}
