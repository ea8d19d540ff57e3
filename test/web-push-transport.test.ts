import assert from 'node:assert/strict';
import { createECDH, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { WebPushTransport } from '../src/adapters/web-push/web-push.js';
import { PushSendError, type PushMessage } from '../src/ports/push.js';

/** A push message to `endpoint`, with fresh subscription keys and a fresh VAPID key pair. */
function messageTo(endpoint: string, transport: WebPushTransport): PushMessage {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  return {
    endpoint,
    keys: {
      p256dh: ecdh.getPublicKey().toString('base64url'),
      auth: randomBytes(16).toString('base64url'),
    },
    payload: '{"v":1}',
    vapid: { ...transport.generateVapidKeys(), subject: 'mailto:ops@example.com' },
    ttlSeconds: 60,
    timeoutMs: 5_000,
  };
}

/** Rejects with a PushSendError of `reason`. */
async function refused(promise: Promise<number>, reason: string): Promise<void> {
  await assert.rejects(promise, (err) => {
    assert.ok(err instanceof PushSendError, String(err));
    assert.equal(err.reason, reason, err.message);
    return true;
  });
}

describe('Web Push transport: which addresses it calls (rule N7)', () => {
  let server: Server;
  let port = 0;
  let hits = 0;
  before(async () => {
    server = createServer((_req, res) => {
      hits += 1;
      res.writeHead(201).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('[N7] by default: no http, no loopback or private literal, no name resolving to one', async () => {
    const transport = new WebPushTransport({ allowLoopback: false });
    for (const endpoint of [
      `http://127.0.0.1:${port}/x`,
      `https://127.0.0.1:${port}/x`,
      'https://10.1.2.3/x',
      'https://169.254.169.254/latest',
      'https://[::1]/x',
      'https://[::ffff:192.168.0.1]/x',
      'https://[fd00::1]/x',
    ])
      await refused(transport.send(messageTo(endpoint, transport)), 'blocked');
    // A name is checked on what it resolves to, at connect time.
    await refused(transport.send(messageTo(`https://localhost:${port}/x`, transport)), 'blocked');
    assert.equal(hits, 0, 'nothing reached the local server');
  });

  it('[N7] with allowLoopback: loopback over http is called; private addresses still are not', async () => {
    const transport = new WebPushTransport({ allowLoopback: true });
    assert.equal(await transport.send(messageTo(`http://127.0.0.1:${port}/x`, transport)), 201);
    assert.equal(await transport.send(messageTo(`http://localhost:${port}/x`, transport)), 201);
    assert.equal(hits, 2);
    await refused(transport.send(messageTo('http://10.1.2.3/x', transport)), 'blocked');
    await refused(transport.send(messageTo('https://192.168.1.1/x', transport)), 'blocked');
  });
});
