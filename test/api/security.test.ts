import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { Api, uniqueName, type ApiResponse, type TestUser } from '../helpers/api.js';
import { startTestNode, type TestNode } from '../helpers/node.js';
import { WsClient } from '../helpers/ws.js';
import { expectError, expectSecurityHeaders, expectStatus } from './support.js';

/** Sends a body without Content-Length (chunked), which the limit must also catch. */
function postChunked(url: string, chunks: string[]): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      { method: 'POST', headers: { 'content-type': 'application/json' } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
      },
    );
    req.on('error', reject);
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });
}

describe('security: rate limits [S1]', () => {
  it('[S1] the 4th login in a minute from one IP is rate_limited, even with good credentials', async () => {
    const node = await startTestNode({ config: { loginPerMinute: 3 } });
    try {
      const api = new Api(node.url);
      const name = uniqueName('rl');
      const creds = { username: name, password: 'correct horse' };
      expectStatus(await api.request('POST', '/api/v1/auth/register', { body: creds }), 201);
      expectStatus(await api.request('POST', '/api/v1/auth/login', { body: creds }), 200);
      expectError(
        await api.request('POST', '/api/v1/auth/login', {
          body: { ...creds, password: 'wrong one' },
        }),
        401,
        'invalid_credentials',
      );
      expectStatus(await api.request('POST', '/api/v1/auth/login', { body: creds }), 200);
      const limited = await api.request('POST', '/api/v1/auth/login', { body: creds });
      expectError(limited, 429, 'rate_limited');
      expectSecurityHeaders(limited.headers, '429');
      // Registration has its own bucket.
      expectStatus(
        await api.request('POST', '/api/v1/auth/register', {
          body: { ...creds, username: uniqueName('rl') },
        }),
        201,
      );
    } finally {
      await node.dispose();
    }
  });

  it('[S1] registrations past the hourly limit are rate_limited; login is unaffected', async () => {
    const node = await startTestNode({ config: { registerPerHour: 2 } });
    try {
      const api = new Api(node.url);
      const register = (username: string) =>
        api.request('POST', '/api/v1/auth/register', {
          body: { username, password: 'correct horse' },
        });
      const first = uniqueName('reg');
      expectStatus(await register(first), 201);
      expectStatus(await register(uniqueName('reg')), 201);
      expectError(await register(uniqueName('reg')), 429, 'rate_limited');
      expectError(await register(uniqueName('reg')), 429, 'rate_limited');
      await api.login(first);
    } finally {
      await node.dispose();
    }
  });

  it('[S1][G3] sends are limited per user (bursts of twice the rate); other users still send; retries still answer', async () => {
    const node = await startTestNode({ config: { sendsPerSecond: 1 } });
    try {
      const api = new Api(node.url);
      const alice = await api.signup(uniqueName('alice'));
      const bob = await api.signup(uniqueName('bob'));
      const id = await api.dm(alice, bob.username);
      const answers: ApiResponse[] = [];
      for (let i = 0; i < 10; i++) {
        const res = await api.send(alice, id, `burst ${i}`);
        answers.push(res);
        if (res.status === 429) break;
      }
      expectStatus(answers[0]!, 201);
      const limited = answers.at(-1)!;
      expectError(limited, 429, 'rate_limited');
      const accepted = answers.filter((r) => r.status === 201).length;
      assert.ok(accepted >= 2, 'a burst of 2 is allowed');
      // [G3] a retry of a stored send still answers with the original while limited.
      const first = answers[0]!.body.message;
      const retry = await api.send(alice, id, first.body, first.clientMsgId);
      expectStatus(retry, 200);
      assert.equal(retry.body.message.id, first.id);
      expectStatus(await api.send(bob, id, 'my own bucket'), 201);
      const stored = (await api.history(bob, id)).body.messages;
      assert.equal(stored.length, accepted + 1, 'a rate-limited send stores nothing');
    } finally {
      await node.dispose();
    }
  });

  it('[S1] new WebSocket connections past the per-minute limit are refused with 429', async () => {
    const node = await startTestNode({ config: { connectionsPerMinute: 2 } });
    const open: WsClient[] = [];
    try {
      open.push(await WsClient.connect(node.url));
      open.push(await WsClient.connect(node.url));
      await assert.rejects(WsClient.connect(node.url), (err: Error) => err.cause === 429);
      expectStatus(await new Api(node.url).request('GET', '/healthz'), 200);
    } finally {
      for (const client of open) await client.close();
      await node.dispose();
    }
  });
});

describe('security: Origin checks [S2]', () => {
  const ALLOWED = 'https://chat.example.com';
  let node: TestNode;
  let api: Api;
  let user: TestUser;

  before(async () => {
    node = await startTestNode({ config: { allowedOrigins: `${ALLOWED}/` } });
    api = new Api(node.url);
    user = await api.signup(uniqueName('origin'));
  });
  after(() => node.dispose());

  const cookie = (origin?: string) => ({
    cookie: `parley_session=${user.token}`,
    ...(origin === undefined ? {} : { origin }),
  });
  const createWithCookie = (origin?: string) =>
    api.request('POST', '/api/v1/groups', {
      headers: cookie(origin),
      body: { name: uniqueName('g') },
    });
  const groupCount = async () =>
    (await api.request('GET', '/api/v1/conversations', { token: user.token })).body.conversations
      .length as number;

  it('[S2][A4] cookie-authenticated reads need no Origin', async () => {
    expectStatus(await api.request('GET', '/api/v1/me', { headers: cookie() }), 200);
    expectStatus(
      await api.request('GET', '/api/v1/me', { headers: cookie('http://evil.example') }),
      200,
    );
  });

  it('[S2] cookie-authenticated writes without an Origin or with a foreign one are origin_not_allowed', async () => {
    const before = await groupCount();
    const port = new URL(node.url).port;
    const foreign = [
      undefined,
      'null',
      'http://evil.example',
      `${node.url}/`,
      `${node.url}.evil.example`,
      `http://localhost:${port}`,
      `http://127.0.0.1:${Number(port) + 1}`,
      'https://chat.example.com.evil.example',
      'http://chat.example.com',
      node.url.toUpperCase(),
    ];
    for (const origin of foreign) {
      expectError(await createWithCookie(origin), 403, 'origin_not_allowed');
    }
    assert.equal(await groupCount(), before);
  });

  it('[S2] the exact own origin and configured origins are accepted for cookie writes', async () => {
    expectStatus(await createWithCookie(node.url), 201);
    expectStatus(await createWithCookie(ALLOWED), 201);
  });

  it('[S2][A5][A6] PATCH, DELETE and logout through the cookie are checked too', async () => {
    const id = await api.group(user, uniqueName('g'), []);
    const rename = (origin?: string) =>
      api.request('PATCH', `/api/v1/conversations/${id}`, {
        headers: cookie(origin),
        body: { name: 'renamed' },
      });
    expectError(await rename(), 403, 'origin_not_allowed');
    expectStatus(await rename(node.url), 200);
    const deleteMe = await api.request('DELETE', '/api/v1/me', {
      headers: cookie('http://evil.example'),
      body: { password: user.password },
    });
    expectError(deleteMe, 403, 'origin_not_allowed');
    expectError(
      await api.request('POST', '/api/v1/auth/logout', { headers: cookie() }),
      403,
      'origin_not_allowed',
    );
    expectStatus(await api.request('GET', '/api/v1/me', { token: user.token }), 200);
    const session = await api.login(user.username);
    const logout = await api.request('POST', '/api/v1/auth/logout', {
      headers: { cookie: `parley_session=${session.token}`, origin: node.url },
    });
    expectStatus(logout, 204);
    expectError(
      await api.request('GET', '/api/v1/me', { token: session.token }),
      401,
      'unauthorized',
    );
  });

  it('[S2][S8][A4] login and registration from a foreign origin are refused and set no cookie (login CSRF)', async () => {
    const name = uniqueName('csrf');
    const creds = JSON.stringify({ username: name, password: 'correct horse' });
    const post = (path: string, headers: Record<string, string>) =>
      api.request('POST', `/api/v1/auth/${path}`, { raw: creds, headers });
    for (const path of ['register', 'login']) {
      // What an HTML form or a no-cors fetch on another site can send.
      for (const type of ['text/plain', 'application/x-www-form-urlencoded']) {
        const res = await post(path, { origin: 'http://evil.example', 'content-type': type });
        expectError(res, 415, 'unsupported_media_type');
        assert.equal(res.headers.get('set-cookie'), null);
      }
      const json = await post(path, {
        origin: 'http://evil.example',
        'content-type': 'application/json',
      });
      expectError(json, 403, 'origin_not_allowed');
      assert.equal(json.headers.get('set-cookie'), null);
    }
    expectError(
      await api.request('POST', '/api/v1/auth/login', {
        body: { username: name, password: 'correct horse' },
      }),
      401,
      'invalid_credentials',
    );
    // The node's own page, configured origins and clients without an Origin (CLI, API) pass.
    expectStatus(await post('register', { origin: node.url }), 201);
    for (const headers of [{ origin: node.url }, { origin: ALLOWED }, {}] as Array<
      Record<string, string>
    >) {
      const res = await post('login', headers);
      expectStatus(res, 200);
      assert.match(res.headers.get('set-cookie') ?? '', /^parley_session=/);
    }
  });

  it('[S2] bearer-token clients are not subject to the Origin check', async () => {
    const res = await api.request('POST', '/api/v1/groups', {
      token: user.token,
      headers: { origin: 'http://evil.example' },
      body: { name: 'bearer' },
    });
    expectStatus(res, 201);
  });

  it('[S2][W1] WebSocket upgrades with a foreign Origin are refused (403); own, allowed or none pass', async () => {
    await assert.rejects(
      WsClient.connect(node.url, { headers: { origin: 'http://evil.example' } }),
      (err: Error) => err.cause === 403,
    );
    await assert.rejects(
      WsClient.connect(node.url, { headers: { origin: `${node.url}.evil.example` } }),
      (err: Error) => err.cause === 403,
    );
    const origins: Array<Record<string, string>> = [{ origin: node.url }, { origin: ALLOWED }, {}];
    for (const headers of origins) {
      const client = await WsClient.connect(node.url, { headers });
      await client.close();
    }
  });
});

describe('security: bad input never crashes the node [H2][H3][H4][S5]', () => {
  let node: TestNode;
  let api: Api;
  let user: TestUser;
  let doc: any;

  before(async () => {
    node = await startTestNode();
    api = new Api(node.url);
    user = await api.signup(uniqueName('fuzz'));
    doc = (await api.request('GET', '/api/v1/openapi.json')).body;
  });
  after(() => node.dispose());

  /** Every documented operation as [METHOD, path with params filled]. */
  const operations = (fill: (name: string) => string) =>
    Object.entries<any>(doc.paths).flatMap(([path, ops]) =>
      Object.entries<any>(ops).map(([method, op]) => ({
        method: method.toUpperCase(),
        path: path.replace(/\{([^}]+)\}/g, (_m, name: string) => fill(name)),
        op,
      })),
    );

  it('[H3][S3] bodies over 64 KiB are payload_too_large (413), with or without Content-Length', async () => {
    const big = JSON.stringify({ clientMsgId: 'big', body: 'x'.repeat(70 * 1024) });
    const id = await api.group(user, uniqueName('g'), []);
    expectError(
      await api.request('POST', `/api/v1/conversations/${id}/messages`, {
        token: user.token,
        raw: big,
      }),
      413,
      'payload_too_large',
    );
    const huge = JSON.stringify({ username: 'x'.repeat(200 * 1024), password: 'y' });
    expectError(
      await api.request('POST', '/api/v1/auth/register', { raw: huge }),
      413,
      'payload_too_large',
    );
    const chunked = await postChunked(`${node.url}/api/v1/auth/login`, [
      '{"username":"',
      'x'.repeat(40 * 1024),
      'x'.repeat(40 * 1024),
      '","password":"y"}',
    ]);
    assert.equal(chunked.status, 413);
    assert.equal(chunked.body.error.code, 'payload_too_large');
    // Under the limit the body is read and judged on its content.
    const near = JSON.stringify({ clientMsgId: 'near', body: 'x'.repeat(60 * 1024) });
    expectError(
      await api.request('POST', `/api/v1/conversations/${id}/messages`, {
        token: user.token,
        raw: near,
      }),
      400,
      'message_too_long',
    );
    assert.deepEqual((await api.history(user, id)).body.messages, []);
  });

  it('[H3] after a 413 the client can go on: the next requests succeed', async () => {
    for (let i = 0; i < 5; i++) {
      const big = await api.request('POST', '/api/v1/auth/login', { raw: 'x'.repeat(100 * 1024) });
      expectError(big, 413, 'payload_too_large');
      // A POST, which a client will not silently retry on a connection the server dropped.
      const next = await api.request('POST', '/api/v1/conversations/dm', {
        token: user.token,
        body: { username: user.username },
      });
      expectError(next, 400, 'invalid_request');
    }
  });

  it('[H3] every route with a body answers invalid_json to broken JSON and invalid_request to wrong shapes', async () => {
    const withBody = operations(() => 'x').filter(
      // JSON bodies; a file upload's raw body is any type (rule F1, test/api/files.test.ts).
      ({ op }) => op.requestBody?.content['application/json'],
    );
    assert.ok(withBody.length >= 10);
    for (const { method, path } of withBody) {
      for (const raw of ['{', '{"a":1,}', "{'a':1}", 'undefined', '{"a":1}}', '\u0000']) {
        expectError(
          await api.request(method, path, { token: user.token, raw }),
          400,
          'invalid_json',
        );
      }
      for (const raw of ['[]', 'null', '42', '"text"', 'true']) {
        expectError(
          await api.request(method, path, { token: user.token, raw }),
          400,
          'invalid_request',
        );
      }
    }
  });

  it('[S8][H3] every route with a body refuses bodies not declared JSON with 415, storing nothing', async () => {
    const withBody = operations(() => 'x').filter(
      // JSON bodies; a file upload's raw body is any type (rule F1, test/api/files.test.ts).
      ({ op }) => op.requestBody?.content['application/json'],
    );
    assert.ok(withBody.length >= 10);
    const types = [
      'text/plain',
      'text/plain;charset=UTF-8',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/jsonp',
      'text/json',
    ];
    for (const { method, path } of withBody) {
      for (const type of types) {
        const res = await api.request(method, path, {
          token: user.token,
          raw: '{}',
          headers: { 'content-type': type },
        });
        expectError(res, 415, 'unsupported_media_type');
        expectSecurityHeaders(res.headers, `${method} ${path} ${type}`);
      }
    }
    const id = await api.group(user, uniqueName('g'), []);
    const send = (type: string) =>
      api.request('POST', `/api/v1/conversations/${id}/messages`, {
        token: user.token,
        raw: JSON.stringify({ clientMsgId: type, body: 'typed' }),
        headers: { 'content-type': type },
      });
    expectError(await send('text/plain'), 415, 'unsupported_media_type');
    assert.deepEqual((await api.history(user, id)).body.messages, []);
    expectStatus(await send('application/json; charset=utf-8'), 201);
    expectStatus(await send('Application/JSON'), 201);
  });

  it('[S6][G1] strings with lone UTF-16 surrogates are invalid_request, so nothing is stored that would not read back', async () => {
    const id = await api.group(user, uniqueName('g'), []);
    const raw = '{"clientMsgId":"lone","body":"a\\ud800b"}';
    expectError(
      await api.request('POST', `/api/v1/conversations/${id}/messages`, { token: user.token, raw }),
      400,
      'invalid_request',
    );
    expectError(
      await api.request('POST', '/api/v1/groups', { token: user.token, raw: '{"name":"\\udc00"}' }),
      400,
      'invalid_request',
    );
    const pair = await api.request('POST', `/api/v1/conversations/${id}/messages`, {
      token: user.token,
      raw: '{"clientMsgId":"pair","body":"\\ud83d\\ude00"}',
    });
    expectStatus(pair, 201);
    assert.deepEqual(
      (await api.history(user, id)).body.messages.map((m: any) => m.body),
      ['😀'],
    );
  });

  it('[H3] unknown routes and methods are not_found in the error envelope', async () => {
    for (const [method, path] of [
      ['GET', '/api/v1/nope'],
      ['GET', '/api/v2/me'],
      ['PUT', '/api/v1/me'],
      ['POST', '/api/v1/users'],
      ['GET', '/api/v1/conversations/x/y/z'],
      ['DELETE', '/api/v1/groups'],
      ['GET', '/api/v1/auth/login'],
    ] as const) {
      const res = await api.request(method, path, { token: user.token });
      expectError(res, 404, 'not_found');
      expectSecurityHeaders(res.headers, `${method} ${path}`);
    }
  });

  it('[H4] every protected route answers unauthorized without a valid token', async () => {
    const ops = operations(() => 'x').filter(({ op }) => op.security?.length);
    assert.ok(ops.length >= 20);
    const invalid: Array<Record<string, string>> = [
      {},
      { authorization: 'Bearer ' },
      { authorization: 'Bearer nope' },
      { authorization: `bearer ${user.token}x` },
      { cookie: 'parley_session=' },
      { cookie: 'parley_session=%E0%A4%A' },
      { cookie: `parley_session=${user.token}x` },
    ];
    for (const { method, path } of ops) {
      for (const headers of invalid) {
        const res = await api.request(method, path, {
          headers,
          ...(method === 'GET' ? {} : { body: {} }),
        });
        expectError(res, 401, 'unauthorized');
      }
    }
    expectStatus(await api.request('GET', '/api/v1/me', { token: user.token }), 200);
  });

  it('[H2] garbage in paths, queries and bodies never produces a 500', async () => {
    const id = await api.group(user, uniqueName('g'), []);
    const seq = (await api.send(user, id, 'still here')).body.message.seq as number;
    const params = [
      'x',
      '%E0%A4%A',
      '%00',
      '%2F..%2F..',
      'a'.repeat(3000),
      '-1',
      '1e400',
      '%F0%9F%98%80',
      '*',
    ];
    const queries = [
      '',
      '?limit=1e999&before=NaN&after=%E0%A4%A',
      '?q=%00*%25_&after=%FF&limit=',
      '?limit=1&limit=2',
      '?before[]=1&after[a]=2',
    ];
    const bodies = [
      '{"username":{"$gt":""},"password":{}}',
      '{"seq":1e400}',
      '{"name":"\\u0000","members":[null,1,{}]}',
      '{"clientMsgId":"x","body":["a"]}',
      '{"role":"owner","__proto__":{"role":"owner"}}',
      '{"password":"' + 'p'.repeat(2000) + '"}',
      '[' + '['.repeat(3000) + ']'.repeat(3001),
    ];
    const answers: Array<{ what: string; res: ApiResponse }> = [];
    const done = new Set<string>();
    for (const param of params) {
      for (const { method, path, op } of operations(() => param)) {
        if (path === '/api/v1/auth/logout') continue; // would end the session the fuzz uses
        if (path.startsWith('/api/v1/docs')) continue; // HTML, script and style, not JSON
        if (path === '/metrics') continue; // Prometheus text, not JSON
        if (done.has(`${method} ${path}`)) continue;
        done.add(`${method} ${path}`);
        for (const query of method === 'GET' ? queries : ['']) {
          const what = `${method} ${path.slice(0, 80)}${query}`;
          answers.push({
            what,
            res: await api.request(method, path + query, { token: user.token }),
          });
          if (!op.requestBody) continue;
          for (const raw of bodies) {
            answers.push({
              what: `${what} ${raw.slice(0, 40)}`,
              res: await api.request(method, path, { token: user.token, raw }),
            });
          }
        }
      }
    }
    for (const { what, res } of answers) {
      assert.ok(res.status < 500, `${what}: ${res.status} ${JSON.stringify(res.body)}`);
      if (res.status >= 400) assert.equal(typeof res.body?.error?.code, 'string', what);
    }
    // The node still serves, and the fuzzed user's data is intact.
    expectStatus(await api.request('GET', '/api/v1/me', { token: user.token }), 200);
    const history = await api.history(user, id);
    assert.deepEqual(
      history.body.messages.map((m: any) => [m.seq, m.body]),
      [[seq, 'still here']],
    );
  });

  it('[S5] security headers are on success, error and static responses alike', async () => {
    const id = await api.group(user, uniqueName('g'), []);
    const responses: Array<[string, Headers]> = [];
    const track = async (what: string, res: Promise<ApiResponse>) => {
      const r = await res;
      responses.push([`${what} (${r.status})`, r.headers]);
      return r;
    };
    await track('healthz', api.request('GET', '/healthz'));
    await track('me', api.request('GET', '/api/v1/me', { token: user.token }));
    expectStatus(await track('send', api.send(user, id, 'hello')), 201);
    const other = await api.login(user.username);
    expectStatus(
      await track('logout', api.request('POST', '/api/v1/auth/logout', { token: other.token })),
      204,
    );
    await track(
      'invalid_json',
      api.request('POST', '/api/v1/groups', { token: user.token, raw: '{' }),
    );
    await track(
      'invalid_request',
      api.request('POST', '/api/v1/groups', { token: user.token, body: {} }),
    );
    await track('unauthorized', api.request('GET', '/api/v1/me'));
    await track('not_found', api.request('GET', '/nowhere'));
    await track(
      'forbidden',
      api.request('POST', '/api/v1/groups', {
        headers: { cookie: `parley_session=${user.token}` },
        body: { name: 'x' },
      }),
    );
    await track(
      'too large',
      api.request('POST', '/api/v1/groups', { token: user.token, raw: 'x'.repeat(70_000) }),
    );
    for (const path of [
      '/',
      '/api/v1/docs',
      '/api/v1/docs.js',
      '/api/v1/docs.css',
      '/api/v1/openapi.json',
    ]) {
      const res = await fetch(node.url + path);
      await res.arrayBuffer();
      responses.push([path, res.headers]);
    }
    for (const [what, headers] of responses) expectSecurityHeaders(headers, what);
    assert.ok(responses.length >= 15);
  });
});
