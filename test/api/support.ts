import assert from 'node:assert/strict';
import type { ApiResponse } from '../helpers/api.js';

/** Asserts the error envelope `{error: {code, message}}` with the given status and code (H2). */
export function expectError(res: ApiResponse, status: number, code: string): void {
  const shown = JSON.stringify(res.body);
  assert.equal(res.status, status, shown);
  assert.equal(res.body?.error?.code, code, shown);
  assert.equal(typeof res.body.error.message, 'string', shown);
}

/** Asserts a status, showing the body on failure. */
export function expectStatus(res: ApiResponse, status: number): void {
  assert.equal(res.status, status, JSON.stringify(res.body));
}

/** A unique lowercase tag without `_`, for names whose patterns tests match on. */
export function tagOf(name: string): string {
  return name.replace(/_/g, 'x');
}

/** Asserts the S5 security headers on a fetch or Api response. */
export function expectSecurityHeaders(headers: Headers, where: string): void {
  const csp = headers.get('content-security-policy') ?? '';
  assert.match(csp, /(^|;)\s*default-src 'self'/, `${where}: CSP default-src`);
  const script = /script-src ([^;]*)/.exec(csp)?.[1] ?? /default-src ([^;]*)/.exec(csp)?.[1] ?? '';
  assert.doesNotMatch(script, /unsafe-inline|unsafe-eval|\*/, `${where}: no inline script`);
  assert.equal(headers.get('x-content-type-options'), 'nosniff', where);
  assert.equal(headers.get('referrer-policy'), 'no-referrer', where);
  assert.equal(headers.get('x-frame-options'), 'DENY', where);
}
