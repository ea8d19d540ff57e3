import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ParleyClient } from '../../src/client/client.js';
import { RestApi } from '../../src/client/rest.js';
import { FakeSocket } from './fake-socket.js';

/** A fetch that records each call and answers a login. */
function recordingFetch() {
  const calls: Array<{ url: string; init: RequestInit }> = [];
  const fetch: typeof globalThis.fetch = (url, init = {}) => {
    calls.push({ url: url instanceof Request ? url.url : url.toString(), init });
    const body = JSON.stringify({ token: 'secret-token', user: { id: 'u1', username: 'ann' } });
    return Promise.resolve(
      new Response(body, { status: 200, headers: { 'content-type': 'application/json' } }),
    );
  };
  return { calls, fetch };
}

describe('client library: browser sessions in an HttpOnly cookie', () => {
  it('[A4] with cookieSession, login keeps no token and every call goes with same-origin credentials', async () => {
    const { calls, fetch } = recordingFetch();
    const api = new RestApi({ baseUrl: 'http://node.test', fetch, cookieSession: true });
    await api.login('ann', 'password-1');
    assert.equal(api.token, null);
    await api.conversations();
    for (const call of calls) {
      assert.equal(call.init.credentials, 'same-origin');
      assert.equal((call.init.headers as Record<string, string>).authorization, undefined);
    }
  });

  it('[A4] without it (CLI, API), login keeps the token and sends it as a bearer', async () => {
    const { calls, fetch } = recordingFetch();
    const api = new RestApi({ baseUrl: 'http://node.test', fetch });
    await api.login('ann', 'password-1');
    assert.equal(api.token, 'secret-token');
    await api.conversations();
    assert.equal(calls[1]!.init.credentials, undefined);
    assert.equal(
      (calls[1]!.init.headers as Record<string, string>).authorization,
      'Bearer secret-token',
    );
  });

  it('[W1] a cookie-session client says hello without a token (the upgrade carried the cookie) and stays on its origin', async () => {
    const { calls, fetch } = recordingFetch();
    let socket: FakeSocket | undefined;
    const client = new ParleyClient({
      urls: ['http://node.test'],
      fetch,
      cookieSession: true,
      webSocket: (url) => (socket = new FakeSocket(url)),
    });
    await client.login('ann', 'password-1');
    client.connect();
    assert.ok(socket);
    socket.open();
    assert.deepEqual(socket.frames('hello'), [{ type: 'hello', protocol: 1, protocols: [1, 2] }]);
    assert.equal(socket.url, 'ws://node.test/api/v1/ws');
    // The page stays on its own origin: no discovery of other nodes to fail over to.
    socket.push({
      type: 'ready',
      protocol: 1,
      nodeId: 'n1',
      user: { id: 'u1', username: 'ann', createdAt: 0, deletedAt: null },
      cursors: {},
    });
    assert.equal(client.state, 'online');
    assert.ok(calls.some((c) => c.url.endsWith('/api/v1/conversations')));
    assert.ok(!calls.some((c) => c.url.endsWith('/api/v1/cluster')));
    assert.deepEqual(client.urls, ['http://node.test']);
    client.close();
  });
});
