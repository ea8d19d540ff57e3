import assert from 'node:assert/strict';
import { once } from 'node:events';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { Api, uniqueName } from '../helpers/api.js';
import { startTestNode, type TestNode } from '../helpers/node.js';
import { WsClient } from '../helpers/ws.js';
import { expectError, expectSecurityHeaders, expectStatus } from '../api/support.js';

/** A raw WebSocket upgrade request; resolves with the refusal's status and headers. */
async function refusedUpgrade(
  url: string,
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: Headers; body: any }> {
  const req = httpRequest(url + path, {
    headers: {
      connection: 'Upgrade',
      upgrade: 'websocket',
      'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
      'sec-websocket-version': '13',
      ...headers,
    },
  });
  req.end();
  const [res] = (await once(req, 'response')) as [IncomingMessage];
  let text = '';
  res.setEncoding('utf8');
  res.on('data', (chunk: string) => (text += chunk));
  await once(res, 'end');
  const list = Object.entries(res.headers).map(([k, v]) => [k, String(v)] as [string, string]);
  return { status: res.statusCode ?? 0, headers: new Headers(list), body: JSON.parse(text) };
}

/** Starts a node whose JSON log lines are collected in `lines`. */
async function nodeWithLogs(config: Record<string, string | number>) {
  const lines: any[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(JSON.parse(line));
      done();
    },
  });
  const log = pino({ level: 'debug', base: { node: 'test' } }, sink);
  const node = await startTestNode({ config, overrides: { log } });
  return { node, lines };
}

/** Runs `fn` on a fresh node with `config`, then disposes of it. */
async function withNode(
  config: Record<string, string | number>,
  fn: (node: TestNode, api: Api) => Promise<void>,
): Promise<void> {
  const node = await startTestNode({ config });
  try {
    await fn(node, new Api(node.url));
  } finally {
    await node.dispose();
  }
}

const PROXY = { trustProxy: '127.0.0.1' };
const via = (client: string, proto?: string) => ({
  'x-forwarded-for': client,
  ...(proto ? { 'x-forwarded-proto': proto } : {}),
});

describe('security: trusted proxies and TLS [S9][S10]', () => {
  it('[S10][A4] behind a trusted proxy that says https the cookie is Secure and HSTS is sent; over HTTP neither', async () => {
    await withNode(PROXY, async (_node, api) => {
      const user = await api.signup(uniqueName('tls'));
      const creds = { username: user.username, password: user.password };
      const overTls = await api.request('POST', '/api/v1/auth/login', {
        body: creds,
        headers: via('203.0.113.10', 'https'),
      });
      expectStatus(overTls, 200);
      assert.match(overTls.headers.get('set-cookie') ?? '', /;\s*Secure/i);
      assert.equal(overTls.headers.get('strict-transport-security'), 'max-age=31536000');
      const health = await api.request('GET', '/healthz', {
        headers: via('203.0.113.10', 'https'),
      });
      assert.equal(health.headers.get('strict-transport-security'), 'max-age=31536000');
      const plain = await api.request('POST', '/api/v1/auth/login', {
        body: creds,
        headers: via('203.0.113.10', 'http'),
      });
      expectStatus(plain, 200);
      assert.doesNotMatch(plain.headers.get('set-cookie') ?? '', /Secure/i);
      assert.equal(plain.headers.get('strict-transport-security'), null);
    });
    // Without --trust-proxy the same headers prove nothing.
    await withNode({}, async (_node, api) => {
      const user = await api.signup(uniqueName('tls'));
      const res = await api.request('POST', '/api/v1/auth/login', {
        body: { username: user.username, password: user.password },
        headers: via('203.0.113.10', 'https'),
      });
      expectStatus(res, 200);
      assert.doesNotMatch(res.headers.get('set-cookie') ?? '', /Secure/i);
      assert.equal(res.headers.get('strict-transport-security'), null);
    });
  });

  it('[S5][S10][W1] WebSocket upgrade refusals carry the security headers (and HSTS over TLS)', async () => {
    await withNode({ ...PROXY, connectionsPerMinute: 1 }, async (node) => {
      const refusals = [
        await refusedUpgrade(node.url, '/api/v1/nope', {}),
        await refusedUpgrade(node.url, '/api/v1/ws', { origin: 'http://evil.example' }),
        await refusedUpgrade(node.url, '/api/v1/ws', { authorization: 'Bearer nope' }),
      ];
      assert.deepEqual(
        refusals.map((r) => [r.status, r.body.error.code]),
        [
          [404, 'not_found'],
          [403, 'origin_not_allowed'],
          [401, 'unauthorized'],
        ],
      );
      const limited = await refusedUpgrade(node.url, '/api/v1/ws', {
        ...via('203.0.113.20', 'https'),
        authorization: 'Bearer nope',
      });
      assert.equal(limited.status, 401, 'the first connection of this address passes the limit');
      const again = await refusedUpgrade(node.url, '/api/v1/ws', {
        ...via('203.0.113.20', 'https'),
        authorization: 'Bearer nope',
      });
      assert.equal(again.status, 429);
      refusals.push(again);
      for (const r of refusals) {
        expectSecurityHeaders(r.headers, `${r.status} ${r.body.error.code}`);
        assert.equal(r.headers.get('content-type'), 'application/json');
      }
      assert.equal(again.headers.get('strict-transport-security'), 'max-age=31536000');
      assert.equal(refusals[0]!.headers.get('strict-transport-security'), null);
    });
  });

  it('[S9][S7] failed password checks are limited per client address: the forwarded one behind a trusted proxy', async () => {
    await withNode({ ...PROXY, passwordFailuresPerIp: 3 }, async (_node, api) => {
      const user = await api.signup(uniqueName('ip'));
      const login = (from: string, username: string, password: string) =>
        api.request('POST', '/api/v1/auth/login', {
          body: { username, password },
          headers: via(from),
        });
      // Three failures from one address, each on another account (no account bucket fills).
      for (let i = 0; i < 3; i++) {
        expectError(
          await login('203.0.113.7', uniqueName('nobody'), 'wrong'),
          401,
          'invalid_credentials',
        );
      }
      expectError(await login('203.0.113.7', user.username, user.password), 429, 'rate_limited');
      // A client cannot escape by prepending its own X-Forwarded-For entry.
      expectError(
        await login('198.51.100.1, 203.0.113.7', user.username, user.password),
        429,
        'rate_limited',
      );
      // Account deletion shares the address bucket.
      expectError(
        await api.request('DELETE', '/api/v1/me', {
          token: user.token,
          body: { password: user.password },
          headers: via('203.0.113.7'),
        }),
        429,
        'rate_limited',
      );
      expectStatus(await login('203.0.113.8', user.username, user.password), 200);
    });
    // Untrusted peers' X-Forwarded-For is ignored: the limit keys on the TCP peer.
    await withNode({ passwordFailuresPerIp: 3 }, async (_node, api) => {
      const user = await api.signup(uniqueName('ip'));
      for (let i = 0; i < 3; i++) {
        const res = await api.request('POST', '/api/v1/auth/login', {
          body: { username: uniqueName('nobody'), password: 'wrong' },
          headers: via(`198.51.100.${i + 1}`),
        });
        expectError(res, 401, 'invalid_credentials');
      }
      const res = await api.request('POST', '/api/v1/auth/login', {
        body: { username: user.username, password: user.password },
        headers: via('198.51.100.9'),
      });
      expectError(res, 429, 'rate_limited');
    });
  });

  it('[S9][S1] login and connection rate limits key on the forwarded client address', async () => {
    await withNode({ ...PROXY, loginPerMinute: 1, connectionsPerMinute: 1 }, async (node, api) => {
      const user = await api.signup(uniqueName('rl'));
      const login = (from: string) =>
        api.request('POST', '/api/v1/auth/login', {
          body: { username: user.username, password: user.password },
          headers: via(from),
        });
      expectStatus(await login('203.0.113.30'), 200);
      expectError(await login('203.0.113.30'), 429, 'rate_limited');
      expectStatus(await login('203.0.113.31'), 200);
      const open: WsClient[] = [];
      try {
        open.push(await WsClient.connect(node.url, { headers: via('203.0.113.30') }));
        await assert.rejects(
          WsClient.connect(node.url, { headers: via('203.0.113.30') }),
          (err: Error) => err.cause === 429,
        );
        open.push(await WsClient.connect(node.url, { headers: via('203.0.113.31') }));
      } finally {
        for (const client of open) await client.close();
      }
    });
  });

  it('[S9][O2] request logs and failed password checks carry the client address', async () => {
    const { node, lines } = await nodeWithLogs({ ...PROXY });
    try {
      const api = new Api(node.url);
      const user = await api.signup(uniqueName('log'));
      await api.request('POST', '/api/v1/auth/login', {
        body: { username: user.username, password: 'wrong password' },
        headers: via('203.0.113.40'),
      });
      await api.request('DELETE', '/api/v1/me', {
        token: user.token,
        body: { password: 'wrong password' },
        headers: via('198.51.100.2, 203.0.113.41'),
      });
      await api.request('GET', '/healthz');
      const http = lines.filter((l) => l.event === 'http');
      assert.deepEqual(
        http.slice(-3).map((l) => [l.method, l.path, l.status, l.ip]),
        [
          ['POST', '/api/v1/auth/login', 401, '203.0.113.40'],
          ['DELETE', '/api/v1/me', 403, '203.0.113.41'],
          ['GET', '/healthz', 200, '127.0.0.1'],
        ],
      );
      const failed = lines.find((l) => l.event === 'login.failed');
      assert.equal(failed?.ip, '203.0.113.40');
      assert.equal(failed?.username, user.username);
      assert.equal(lines.find((l) => l.event === 'password.failed')?.ip, '203.0.113.41');
    } finally {
      await node.dispose();
    }
  });
});
