import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect } from 'node:net';
import { describe, it } from 'node:test';
import { Api, uniqueName } from '../helpers/api.js';
import { startTestNode } from '../helpers/node.js';
import { expectError, expectSecurityHeaders, expectStatus } from '../api/support.js';

/** Splits a raw HTTP answer into its status, headers and body. */
function parseRaw(raw: string): { status: number; headers: Headers; body: string } {
  const [head = '', body = ''] = raw.split('\r\n\r\n');
  const [statusLine = '', ...lines] = head.split('\r\n');
  const headers = new Headers(
    lines.map((line) => {
      const colon = line.indexOf(':');
      return [line.slice(0, colon).trim(), line.slice(colon + 1).trim()] as [string, string];
    }),
  );
  return { status: Number(statusLine.split(' ')[1]), headers, body };
}

describe('security: slow and flooding clients [S11][A2]', () => {
  it('[S11][S5] a request whose headers trickle in byte by byte is answered 408 and closed', async () => {
    const node = await startTestNode({ config: { headerTimeoutMs: 300 } });
    const socket = connect(Number(new URL(node.url).port), '127.0.0.1');
    // Writes racing the node's close fail with EPIPE; the close is what this test awaits.
    socket.on('error', () => {});
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (received += chunk));
    const slow = `X-Slow: ${'a'.repeat(2000)}\r\n\r\n`;
    let sent = 0;
    let drip: NodeJS.Timeout | undefined;
    try {
      await once(socket, 'connect');
      socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n');
      drip = setInterval(() => {
        if (sent < slow.length && socket.writable) socket.write(slow[sent++]!);
      }, 10);
      await once(socket, 'close');
      assert.ok(sent < slow.length, `cut off after ${sent} of ${slow.length} header bytes`);
      const answer = parseRaw(received);
      assert.equal(answer.status, 408, received);
      expectSecurityHeaders(answer.headers, '408');
      assert.equal(JSON.parse(answer.body).error.code, 'request_timeout');
      // A client that sends its request in time is served as usual.
      expectStatus(await new Api(node.url).request('GET', '/healthz'), 200);
    } finally {
      clearInterval(drip);
      socket.destroy();
      await node.dispose();
    }
  });

  it('[A2][S7] past the hasher queue, concurrent password checks are refused with unavailable, not queued', async () => {
    const node = await startTestNode({ config: { maxQueuedHashes: 2 } });
    try {
      const api = new Api(node.url);
      const user = await api.signup(uniqueName('calm'));
      const flood = await Promise.all(
        Array.from({ length: 40 }, () =>
          api.request('POST', '/api/v1/auth/login', {
            body: { username: uniqueName('flood'), password: 'wrong password' },
          }),
        ),
      );
      const statuses = flood.map((r) => r.status);
      assert.ok(
        statuses.every((s) => s === 401 || s === 503),
        statuses.join(' '),
      );
      const refused = flood.filter((r) => r.status === 503);
      assert.ok(refused.length > 0, `some of the flood is refused: ${statuses.join(' ')}`);
      for (const res of refused) expectError(res, 503, 'unavailable');
      // A refused check is no failed attempt, and the node serves the next login at once.
      expectStatus(
        await api.request('POST', '/api/v1/auth/login', {
          body: { username: user.username, password: user.password },
        }),
        200,
      );
    } finally {
      await node.dispose();
    }
  });
});
