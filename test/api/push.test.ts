import assert from 'node:assert/strict';
import {
  createECDH,
  createPublicKey,
  randomBytes,
  verify as verifySignature,
  type ECDH,
} from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import ece from 'http_ece';
import { Api, uniqueName, type TestUser } from '../helpers/api.js';
import { testModes, useDeploymentWithUsers, type Deployment } from '../helpers/deployment.js';
import { startTestNode } from '../helpers/node.js';
import { WsClient } from '../helpers/ws.js';
import { expectError, expectStatus } from './support.js';

/** One POST the receiver got. */
interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/**
 * A local push service: records every POST by path and answers the status set for that path
 * (201 by default); a path set to `hang` is never answered (until the receiver closes).
 */
class Receiver {
  readonly received: Received[] = [];
  readonly statuses = new Map<string, number | 'hang'>();
  readonly #waiters: Array<{ path: string; resolve: (r: Received) => void }> = [];
  readonly #server: Server;
  url = '';

  constructor() {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const got = { path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) };
        this.received.push(got);
        for (const w of this.#waiters.filter((w) => w.path === got.path)) w.resolve(got);
        const status = this.statuses.get(got.path) ?? 201;
        if (status === 'hang') return;
        res.writeHead(status).end();
      });
    });
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** The requests to `path` so far. */
  to(path: string): Received[] {
    return this.received.filter((r) => r.path === path);
  }

  /** The next request to `path` (or one already there, past `seen` of them). */
  next(path: string, seen = 0): Promise<Received> {
    const already = this.to(path)[seen];
    if (already) return Promise.resolve(already);
    return new Promise((resolve) => this.#waiters.push({ path, resolve }));
  }

  async stop(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

/** A browser's side of a subscription: its P-256 key pair and auth secret. */
interface Device {
  path: string;
  endpoint: string;
  ecdh: ECDH;
  auth: Buffer;
}

let devices = 0;
function device(receiver: Receiver): Device {
  devices += 1;
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  const path = `/push/${devices}-${randomBytes(4).toString('hex')}`;
  return { path, endpoint: receiver.url + path, ecdh, auth: randomBytes(16) };
}

const subscriptionOf = (d: Device) => ({
  endpoint: d.endpoint,
  expirationTime: null,
  keys: { p256dh: d.ecdh.getPublicKey().toString('base64url'), auth: d.auth.toString('base64url') },
});

/** The plaintext of a push, decrypted with the device's keys (RFC 8291, aes128gcm). */
function decrypt(d: Device, got: Received): unknown {
  assert.equal(got.headers['content-encoding'], 'aes128gcm');
  const plain = ece.decrypt(got.body, {
    version: 'aes128gcm',
    privateKey: d.ecdh,
    authSecret: d.auth.toString('base64url'),
  });
  return JSON.parse(plain.toString('utf8'));
}

/** Checks the VAPID Authorization header (RFC 8292): its key, claims and ES256 signature. */
function checkVapid(got: Received, publicKey: string, audience: string): void {
  const header = got.headers.authorization ?? '';
  const match = /^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(header);
  assert.ok(match, `a VAPID header: ${header}`);
  const [, jwt, k] = match;
  assert.equal(k, publicKey);
  const [head, claims, signature] = jwt!.split('.') as [string, string, string];
  assert.deepEqual(JSON.parse(Buffer.from(head, 'base64url').toString()), {
    typ: 'JWT',
    alg: 'ES256',
  });
  const body = JSON.parse(Buffer.from(claims, 'base64url').toString()) as Record<string, unknown>;
  assert.equal(body.aud, audience);
  assert.equal(body.sub, 'mailto:ops@example.com');
  const exp = body.exp as number;
  const now = Date.now() / 1000;
  assert.ok(exp > now && exp <= now + 24 * 3600 + 60, `exp within 24 h: ${exp}`);
  const point = Buffer.from(publicKey, 'base64url');
  const key = createPublicKey({
    key: {
      kty: 'EC',
      crv: 'P-256',
      x: point.subarray(1, 33).toString('base64url'),
      y: point.subarray(33, 65).toString('base64url'),
    },
    format: 'jwk',
  });
  const ok = verifySignature(
    'sha256',
    Buffer.from(`${head}.${claims}`),
    { key, dsaEncoding: 'ieee-p1363' },
    Buffer.from(signature, 'base64url'),
  );
  assert.ok(ok, 'the JWT is signed by the deployment key');
}

for (const mode of testModes())
  describe(`REST: Web Push notifications [${mode}]`, () => {
    const world = useDeploymentWithUsers(
      mode,
      ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'gina', 'hank'],
      {
        config: { pushAllowLoopback: 'true', pushSubject: 'mailto:ops@example.com' },
        tweak: (config) => {
          config.push.timeoutMs = 1_000;
        },
      },
    );
    const receiver = new Receiver();
    const sockets: WsClient[] = [];
    let deployment: Deployment;
    let users: Record<
      'alice' | 'bob' | 'carol' | 'dave' | 'erin' | 'frank' | 'gina' | 'hank',
      TestUser
    >;
    let publicKey: string;
    before(async () => {
      await receiver.start();
      ({ deployment, users } = world());
      const res = await deployment.api.request('GET', '/api/v1/push/key', {
        token: users.alice.token,
      });
      expectStatus(res, 200);
      publicKey = res.body.publicKey;
    });
    after(async () => {
      await Promise.all(sockets.map((s) => s.close()));
      await receiver.stop();
    });

    const subscribe = async (user: TestUser, d: Device) => {
      const res = await deployment.api.request('POST', '/api/v1/push/subscriptions', {
        token: user.token,
        body: subscriptionOf(d),
      });
      expectStatus(res, 201);
      assert.deepEqual(res.body, {});
    };
    /** The notification work of the node that took the last send has all been done. */
    async function settled(user: TestUser): Promise<void> {
      const url = deployment.urlOf(user);
      for (const deadline = Date.now() + 10_000; Date.now() < deadline;) {
        const text = await (await fetch(`${url}/metrics`)).text();
        if (/^parley_push_pending 0$/m.test(text)) return;
        await new Promise((resolve) => setImmediate(resolve));
      }
      assert.fail('the push queue did not drain');
    }
    async function send(user: TestUser, id: string, body: string): Promise<number> {
      const res = await deployment.api.send(user, id, body);
      expectStatus(res, 201);
      await settled(user);
      return res.body.message.seq as number;
    }
    const metric = async (user: TestUser, line: RegExp) => {
      const text = await (await fetch(`${deployment.urlOf(user)}/metrics`)).text();
      return Number(line.exec(text)?.[1] ?? 0);
    };

    it('[N5] the VAPID public key is a P-256 point, the same on every node', async () => {
      const point = Buffer.from(publicKey, 'base64url');
      assert.equal(point.length, 65);
      assert.equal(point[0], 0x04);
      for (const node of deployment.nodes) {
        const res = await deployment.api.request('GET', '/api/v1/push/key', {
          token: users.alice.token,
          node: node.url,
        });
        expectStatus(res, 200);
        assert.deepEqual(res.body, { publicKey });
      }
      const anonymous = await deployment.api.request('GET', '/api/v1/push/key', {
        node: deployment.url,
      });
      expectError(anonymous, 401, 'unauthorized');
    });

    it('[N1][N5] a DM reaches the offline peer as an encrypted push signed with the VAPID key', async () => {
      const { alice, bob } = users;
      const d = device(receiver);
      await subscribe(bob, d);
      const dm = await deployment.api.dm(alice, bob.username);
      const seq = await send(alice, dm, 'hello **bob**, see `this`');
      const got = await receiver.next(d.path);
      assert.deepEqual(decrypt(d, got), {
        v: 1,
        kind: 'dm',
        conversationId: dm,
        seq,
        title: alice.username,
        body: 'hello bob, see this',
        tag: `${dm}:${seq}`,
        url: `/c/${dm}`,
      });
      assert.ok(Number(got.headers.ttl) > 0, 'a TTL header');
      checkVapid(got, publicKey, receiver.url);

      // A long body is cut to 140 code points, the last one an ellipsis.
      const long = '😀'.repeat(100) + ' ' + 'word '.repeat(60);
      await send(alice, dm, long);
      const preview = (decrypt(d, await receiver.next(d.path, 1)) as { body: string }).body;
      assert.equal([...preview].length, 140);
      assert.ok(preview.endsWith('…'));
      assert.ok(preview.startsWith('😀'.repeat(100)));

      // A message of files only previews its first file's name.
      const upload = await fetch(`${deployment.urlOf(alice)}/api/v1/files?name=notes.txt`, {
        method: 'POST',
        headers: { authorization: `Bearer ${alice.token}`, 'content-type': 'text/plain' },
        body: 'some notes',
      });
      assert.equal(upload.status, 201);
      const { file } = (await upload.json()) as { file: { id: string } };
      const res = await deployment.api.request('POST', `/api/v1/conversations/${dm}/messages`, {
        token: alice.token,
        body: { clientMsgId: crypto.randomUUID(), body: '', attachments: [file.id] },
      });
      expectStatus(res, 201);
      await settled(alice);
      const filePush = decrypt(d, await receiver.next(d.path, 2)) as { body: string };
      assert.equal(filePush.body, '📎 notes.txt');
    });

    it('[N1][N2] in a group only the mentioned are pushed (everyone for @all), never the sender', async () => {
      const { alice, bob, carol } = users;
      const [da, db, dc] = [device(receiver), device(receiver), device(receiver)];
      await subscribe(alice, da);
      await subscribe(bob, db);
      await subscribe(carol, dc);
      const name = `team${devices}`;
      const group = await deployment.api.group(alice, name, [bob.username, carol.username]);
      const seq = await send(alice, group, `@${carol.username} can you look?`);
      assert.deepEqual(decrypt(dc, await receiver.next(dc.path)), {
        v: 1,
        kind: 'mention',
        conversationId: group,
        seq,
        title: `${alice.username} in ${name}`,
        body: `@${carol.username} can you look?`,
        tag: `${group}:${seq}`,
        url: `/c/${group}`,
      });
      assert.equal(receiver.to(db.path).length, 0, 'bob was not mentioned');
      assert.equal(receiver.to(da.path).length, 0, 'the sender is never pushed');

      await send(alice, group, 'no mention here');
      const all = await send(alice, group, '@all standup now');
      for (const d of [db, dc]) {
        const pushes = receiver.to(d.path).map((r) => decrypt(d, r) as { seq: number });
        assert.deepEqual(
          pushes.map((p) => p.seq).filter((s) => s > seq),
          [all],
        );
      }
      assert.equal(receiver.to(da.path).length, 0);
    });

    it('[N3] a muted conversation pushes nothing; unmuted it does again', async () => {
      const { alice, dave } = users;
      const d = device(receiver);
      await subscribe(dave, d);
      const dm = await deployment.api.dm(alice, dave.username);
      const mute = (muted: boolean) =>
        deployment.api.request('PUT', `/api/v1/conversations/${dm}/mute`, {
          token: dave.token,
          body: { muted },
        });
      expectStatus(await mute(true), 200);
      await send(alice, dm, 'while muted');
      assert.equal(receiver.to(d.path).length, 0);
      expectStatus(await mute(false), 200);
      const seq = await send(alice, dm, 'after unmuting');
      assert.equal((decrypt(d, await receiver.next(d.path)) as { seq: number }).seq, seq);
    });

    it('[N4] do-not-disturb pushes nothing until it ends', async () => {
      const { alice, erin } = users;
      const d = device(receiver);
      await subscribe(erin, d);
      const dm = await deployment.api.dm(alice, erin.username);
      const dnd = (until: number | null) =>
        deployment.api.request('PATCH', '/api/v1/me/settings', {
          token: erin.token,
          body: { doNotDisturbUntil: until },
        });
      expectStatus(await dnd(Date.now() + 3_600_000), 200);
      await send(alice, dm, 'during do-not-disturb');
      assert.equal(receiver.to(d.path).length, 0);
      // A time already past is off.
      expectStatus(await dnd(Date.now() - 1), 200);
      const seq = await send(alice, dm, 'after it ended');
      assert.equal((decrypt(d, await receiver.next(d.path)) as { seq: number }).seq, seq);
    });

    it('[N5] a recipient with an open socket on any node gets no push', async () => {
      const { alice, frank } = users;
      const d = device(receiver);
      await subscribe(frank, d);
      const dm = await deployment.api.dm(alice, frank.username);
      // Alice hears frank come online once the presence table says so (rule G7); his socket
      // is on the node that is not hers in cluster mode: presence is cluster-wide.
      const watcher = (await deployment.open(alice)).client;
      sockets.push(watcher);
      const other =
        deployment.nodes.find((n) => n.url !== deployment.urlOf(alice)) ?? deployment.nodes[0]!;
      const { client: socket } = await WsClient.open(other.url, frank.token);
      sockets.push(socket);
      await watcher.waitFor((f) => f.type === 'presence' && f.userId === frank.id && f.online);
      await send(alice, dm, 'frank is here');
      await socket.waitFor((f) => f.type === 'message' && f.message.body === 'frank is here');
      assert.equal(receiver.to(d.path).length, 0);
    });

    it('[N6] a subscription answered 410 is deleted; a failing one is counted', async () => {
      const { alice, gina } = users;
      const gone = device(receiver);
      const refusing = device(receiver);
      const hanging = device(receiver);
      receiver.statuses.set(gone.path, 410);
      receiver.statuses.set(refusing.path, 500);
      receiver.statuses.set(hanging.path, 'hang');
      for (const d of [gone, refusing, hanging]) await subscribe(gina, d);
      const dm = await deployment.api.dm(alice, gina.username);
      const failed = (reason: string) =>
        metric(
          alice,
          new RegExp(`^parley_pushes_failed_total\\{reason="${reason}"\\} (\\d+)$`, 'm'),
        );
      const before = {
        gone: await failed('gone'),
        status: await failed('status'),
        timeout: await failed('timeout'),
      };
      await send(alice, dm, 'first');
      assert.equal(receiver.to(gone.path).length, 1);
      assert.equal(receiver.to(refusing.path).length, 1);
      assert.equal(receiver.to(hanging.path).length, 1);
      assert.equal(await failed('gone'), before.gone + 1);
      assert.equal(await failed('status'), before.status + 1);
      assert.equal(await failed('timeout'), before.timeout + 1);
      await send(alice, dm, 'second');
      assert.equal(receiver.to(gone.path).length, 1, 'the 410 subscription was deleted');
      assert.equal(receiver.to(refusing.path).length, 2, 'a 500 keeps the subscription');
    });

    it('[N6] DELETE forgets your own subscription only; logout deletes the session’s', async () => {
      const { alice, hank, bob } = users;
      const [kept, dropped] = [device(receiver), device(receiver)];
      await subscribe(hank, kept);
      await subscribe(hank, dropped);
      const dm = await deployment.api.dm(alice, hank.username);
      const del = (user: TestUser, endpoint: unknown) =>
        deployment.api.request('DELETE', '/api/v1/push/subscriptions', {
          token: user.token,
          body: { endpoint },
        });
      expectStatus(await del(bob, kept.endpoint), 204); // not bob's: nothing happens
      expectStatus(await del(hank, dropped.endpoint), 204);
      expectStatus(await del(hank, dropped.endpoint), 204); // idempotent
      expectError(await del(hank, ''), 400, 'invalid_request');
      await send(alice, dm, 'one');
      assert.equal(receiver.to(kept.path).length, 1);
      assert.equal(receiver.to(dropped.path).length, 0);

      // A second session of hank's keeps its subscription when the first logs out.
      const second = await deployment.api.login(hank.username);
      const other = device(receiver);
      await subscribe(second, other);
      const out = await deployment.api.request('POST', '/api/v1/auth/logout', {
        token: hank.token,
      });
      expectStatus(out, 204);
      await send(alice, dm, 'two');
      assert.equal(receiver.to(kept.path).length, 1, 'the logged-out session is not pushed');
      assert.equal(receiver.to(other.path).length, 1);
    });

    it('[N6] a user keeps at most 20 subscriptions: the oldest is dropped for a new one', async () => {
      const { alice } = users;
      const ivy = await deployment.api.signup(uniqueName('ivy'));
      const made: Device[] = [];
      for (let i = 0; i < 21; i++) {
        const d = device(receiver);
        made.push(d);
        await subscribe(ivy, d);
      }
      const dm = await deployment.api.dm(alice, ivy.username);
      await send(alice, dm, 'to all your devices');
      assert.equal(receiver.to(made[0]!.path).length, 0, 'the oldest was dropped');
      for (const d of made.slice(1)) assert.equal(receiver.to(d.path).length, 1);
    });

    it('[N6][N7] subscriptions: https endpoints only (http on loopback only when allowed), well-formed keys', async () => {
      const { alice } = users;
      const d = device(receiver);
      const good = subscriptionOf(d);
      const post = (body: unknown) =>
        deployment.api.request('POST', '/api/v1/push/subscriptions', { token: alice.token, body });
      const bad = [
        { ...good, endpoint: 'http://push.example.com/x' },
        { ...good, endpoint: 'ftp://127.0.0.1/x' },
        { ...good, endpoint: 'not a url' },
        { ...good, endpoint: 'https://user:pw@push.example.com/x' },
        { ...good, keys: { ...good.keys, p256dh: randomBytes(64).toString('base64url') } },
        { ...good, keys: { ...good.keys, p256dh: Buffer.alloc(65, 7).toString('base64url') } },
        { ...good, keys: { ...good.keys, auth: randomBytes(8).toString('base64url') } },
        { ...good, keys: { ...good.keys, auth: '!!!!' } },
        { endpoint: good.endpoint },
        { ...good, endpoint: 'https://push.example.com/' + 'x'.repeat(2048) },
      ];
      for (const body of bad) expectError(await post(body), 400, 'invalid_request');
      expectError(
        await deployment.api.request('POST', '/api/v1/push/subscriptions', {
          body: good,
          node: deployment.url,
        }),
        401,
        'unauthorized',
      );
      expectStatus(await post({ ...good, endpoint: 'https://push.example.com/ok' }), 201);
    });
  });

describe('REST: Web Push endpoints by default', () => {
  it('[N7] without --push-allow-loopback an http loopback endpoint is refused', async () => {
    const node = await startTestNode();
    try {
      const api = new Api(node.url);
      const user = await api.signup('pushdefault');
      const receiver = new Receiver();
      await receiver.start();
      try {
        for (const endpoint of [`${receiver.url}/x`, 'https://127.0.0.1/x'])
          expectStatus(
            await api.request('POST', '/api/v1/push/subscriptions', {
              token: user.token,
              body: { ...subscriptionOf(device(receiver)), endpoint },
            }),
            endpoint.startsWith('https') ? 201 : 400,
          );
      } finally {
        await receiver.stop();
      }
    } finally {
      await node.dispose();
    }
  });
});

describe('REST: Web Push never slows sends', () => {
  it('[N8] a full push queue drops work (counted) while sends go on at full speed', async () => {
    const node = await startTestNode({
      config: { pushAllowLoopback: 'true' },
      tweak: (config) => {
        config.push.concurrency = 1;
        config.push.queueSize = 1;
        config.push.timeoutMs = 30_000;
      },
    });
    const receiver = new Receiver();
    await receiver.start();
    try {
      const api = new Api(node.url);
      const [alice, bob] = [await api.signup(uniqueName('qa')), await api.signup(uniqueName('qb'))];
      const d = device(receiver);
      receiver.statuses.set(d.path, 'hang');
      expectStatus(
        await api.request('POST', '/api/v1/push/subscriptions', {
          token: bob.token,
          body: subscriptionOf(d),
        }),
        201,
      );
      const dm = await api.dm(alice, bob.username);
      // The first push hangs in the one slot; the queue holds one task; the rest is dropped.
      expectStatus(await api.send(alice, dm, 'first'), 201);
      await receiver.next(d.path);
      for (let i = 0; i < 5; i++) expectStatus(await api.send(alice, dm, `more ${i}`), 201);
      const text = await (await fetch(`${node.url}/metrics`)).text();
      const dropped = Number(/^parley_pushes_dropped_total (\d+)$/m.exec(text)?.[1]);
      assert.ok(dropped >= 4, `dropped ${dropped} of 5`);
      assert.equal(receiver.to(d.path).length, 1, 'the hanging push is still the only one');
    } finally {
      await receiver.stop();
      await node.dispose();
    }
  });
});
