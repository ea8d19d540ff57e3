import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { crc32, deflateSync } from 'node:zlib';
import { before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import sharp from 'sharp';
import { sqlitePath } from '../../src/adapters/sqlite/sqlite-store.js';
import { Api, uniqueName, type TestUser } from '../helpers/api.js';
import { startTestNode } from '../helpers/node.js';
import { testModes, useDeploymentWithUsers } from '../helpers/deployment.js';
import { expectError, expectStatus } from './support.js';

/** The limits these tests run with: small, so crossing them is cheap. */
const MAX_UPLOAD = 1024 * 1024;
const QUOTA = 3 * 1024 * 1024;

/** A 640x480 JPEG that carries EXIF with a GPS position and orientation 6 (rotate 90°). */
async function jpegWithGps(): Promise<Buffer> {
  return sharp({ create: { width: 640, height: 480, channels: 3, background: '#c33' } })
    .jpeg()
    .withExif({
      IFD0: { Make: 'ParleyCam' },
      IFD3: {
        GPSLatitudeRef: 'N',
        GPSLatitude: '48/1 51/1 24/1',
        GPSLongitudeRef: 'E',
        GPSLongitude: '2/1 21/1 3/1',
      },
    })
    .withMetadata({ orientation: 6 })
    .toBuffer();
}

/**
 * A decompression bomb: a PNG whose header claims 20000x20000 pixels (400 megapixels, 1.2 GB
 * decoded) in a few hundred bytes.
 */
function pngBomb(): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(20_000, 0);
  ihdr.writeUInt32BE(20_000, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.alloc(20_000 * 3 + 1))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Bytes that are neither text nor a known type. */
function binary(length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) out[i] = (i * 131 + 7) & 0xff;
  out[0] = 0;
  return out;
}

for (const mode of testModes())
  describe(`REST: files [${mode}]`, () => {
    const world = useDeploymentWithUsers(mode, ['alice', 'bob', 'mallory', 'quinn'], {
      tweak: (c) => {
        c.limits.maxUploadBytes = MAX_UPLOAD;
        c.limits.uploadQuotaBytes = QUOTA;
      },
    });
    let api: Api;
    let alice: TestUser;
    let bob: TestUser;
    let mallory: TestUser;
    let quinn: TestUser;
    before(() => {
      ({ api } = world());
      ({ alice, bob, mallory, quinn } = world().users);
    });

    async function upload(
      user: TestUser,
      name: string,
      data: Uint8Array | string,
      headers: Record<string, string> = {},
    ) {
      const res = await fetch(
        `${api.urlFor(user.token)}/api/v1/files?name=${encodeURIComponent(name)}`,
        {
          method: 'POST',
          headers: {
            authorization: `Bearer ${user.token}`,
            'content-type': 'application/octet-stream',
            ...headers,
          },
          body: typeof data === 'string' ? data : new Uint8Array(data),
        },
      );
      const text = await res.text();
      return {
        status: res.status,
        body: text ? JSON.parse(text) : undefined,
        headers: res.headers,
      };
    }

    async function download(user: TestUser, path: string) {
      const res = await fetch(`${api.urlFor(user.token)}${path}`, {
        headers: { authorization: `Bearer ${user.token}` },
      });
      return {
        status: res.status,
        headers: res.headers,
        bytes: Buffer.from(await res.arrayBuffer()),
      };
    }

    async function sendWith(user: TestUser, id: string, body: string, attachments: string[]) {
      return api.request('POST', `/api/v1/conversations/${id}/messages`, {
        token: user.token,
        body: { clientMsgId: crypto.randomUUID(), body, attachments },
      });
    }

    it('[F1][F3][F5][F6] a JPEG round trip: GPS and EXIF gone, orientation applied, thumbnail made, members read it', async () => {
      const original = await jpegWithGps();
      const before = await sharp(original).metadata();
      assert.ok(before.exif?.includes('ParleyCam'), 'the test image carries EXIF');
      assert.equal(before.orientation, 6);
      const up = await upload(alice, 'holiday photo.jpg', original, {
        'content-type': 'image/jpeg',
      });
      expectStatus(up, 201);
      const file = up.body.file;
      assert.equal(file.contentType, 'image/jpeg');
      assert.deepEqual([file.width, file.height], [480, 640]);
      assert.deepEqual(file.thumbnail, { width: 300, height: 400 });

      const group = await api.group(alice, uniqueName('g'), [bob.username]);
      const sent = await sendWith(alice, group, '', [file.id]);
      expectStatus(sent, 201);
      assert.deepEqual(sent.body.message.attachments, [file]);
      assert.equal(sent.body.message.body, '');

      const got = await download(bob, `/api/v1/files/${file.id}`);
      assert.equal(got.status, 200);
      assert.equal(got.headers.get('content-type'), 'image/jpeg');
      assert.equal(got.headers.get('content-disposition'), 'inline');
      assert.equal(got.headers.get('x-content-type-options'), 'nosniff');
      assert.equal(got.headers.get('content-security-policy'), "sandbox; default-src 'none'");
      assert.equal(got.headers.get('cache-control'), 'private, max-age=31536000, immutable');
      assert.equal(Number(got.headers.get('content-length')), file.size);
      assert.equal(got.bytes.length, file.size);
      const meta = await sharp(got.bytes).metadata();
      assert.equal(meta.exif, undefined, 'no EXIF (GPS included) is served');
      assert.equal(got.bytes.includes(Buffer.from('ParleyCam')), false);
      assert.deepEqual([meta.width, meta.height], [480, 640]);
      assert.ok(meta.orientation === undefined || meta.orientation === 1);

      const thumb = await download(bob, `/api/v1/files/${file.id}/thumbnail`);
      assert.equal(thumb.status, 200);
      assert.equal(thumb.headers.get('content-type'), 'image/webp');
      const thumbMeta = await sharp(thumb.bytes).metadata();
      assert.deepEqual([thumbMeta.format, thumbMeta.width, thumbMeta.height], ['webp', 300, 400]);

      const forced = await download(bob, `/api/v1/files/${file.id}?download=1`);
      assert.equal(
        forced.headers.get('content-disposition'),
        "attachment; filename*=UTF-8''holiday%20photo.jpg",
      );

      // Reads carry the attachment: history and the one-message read.
      const history = await api.request('GET', `/api/v1/conversations/${group}/messages`, {
        token: bob.token,
      });
      assert.deepEqual(history.body.messages.at(-1).attachments, [file]);
      const one = await api.request(
        'GET',
        `/api/v1/conversations/${group}/messages/${sent.body.message.seq}`,
        { token: bob.token },
      );
      assert.deepEqual(one.body.message.attachments, [file]);
    });

    it('[F4][F6] the type is sniffed, never the claim: HTML is text served as a sandboxed download', async () => {
      const html = '<!doctype html><html><script>alert(document.cookie)</script></html>';
      const up = await upload(alice, 'page.html', html, { 'content-type': 'text/html' });
      expectStatus(up, 201);
      assert.equal(up.body.file.contentType, 'text/plain; charset=utf-8');
      assert.equal(up.body.file.width, null);
      assert.equal(up.body.file.thumbnail, null);
      const got = await download(alice, `/api/v1/files/${up.body.file.id}`);
      assert.equal(got.headers.get('content-type'), 'text/plain; charset=utf-8');
      assert.equal(
        got.headers.get('content-disposition'),
        "attachment; filename*=UTF-8''page.html",
      );
      assert.equal(got.headers.get('x-content-type-options'), 'nosniff');
      assert.equal(got.headers.get('content-security-policy'), "sandbox; default-src 'none'");
      assert.equal(got.bytes.toString(), html);

      // A PNG claimed to be a PDF is a PNG; unknown binary is octet-stream, byte for byte.
      const png = await sharp({
        create: { width: 10, height: 5, channels: 4, background: '#0f0' },
      })
        .png()
        .toBuffer();
      const claimed = await upload(alice, 'doc.pdf', png, { 'content-type': 'application/pdf' });
      assert.equal(claimed.body.file.contentType, 'image/png');
      assert.deepEqual([claimed.body.file.width, claimed.body.file.height], [10, 5]);
      const blob = binary(700_000);
      const raw = await upload(alice, 'data.bin', blob, { 'content-type': 'image/png' });
      expectStatus(raw, 201);
      assert.equal(raw.body.file.contentType, 'application/octet-stream');
      const back = await download(alice, `/api/v1/files/${raw.body.file.id}`);
      assert.equal(Buffer.compare(back.bytes, blob), 0);
      // A JPEG header over garbage does not decode: a plain file, never shown inline.
      const broken = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), binary(5000)]);
      const bad = await upload(alice, 'broken.jpg', broken);
      expectStatus(bad, 201);
      assert.equal(bad.body.file.contentType, 'application/octet-stream');
      assert.equal(bad.body.file.thumbnail, null);
    });

    it('[F5] a decompression bomb is refused before it is decoded, and the node serves on', async () => {
      const bomb = await upload(alice, 'bomb.png', pngBomb());
      expectError(bomb, 400, 'invalid_request');
      assert.equal(bomb.body.error.details.maxPixels, 50_000_000);
      const fine = await upload(alice, 'fine.txt', 'still here');
      expectStatus(fine, 201);
    });

    it('[F3] a WebSocket send takes attachments too, validated alike', async () => {
      const group = await api.group(alice, uniqueName('g'), [bob.username]);
      const id = (await upload(alice, 'ws.txt', 'over the socket')).body.file.id;
      const ws = (await world().deployment.open(alice)).client;
      try {
        ws.send({
          type: 'send',
          conversationId: group,
          clientMsgId: 'ws-bad',
          body: '',
          attachments: ['nope'],
        });
        const refused = await ws.next((f) => f.type === 'error');
        assert.equal(refused.code, 'invalid_request');
        ws.send({
          type: 'send',
          conversationId: group,
          clientMsgId: 'ws-ok',
          body: '',
          attachments: [id],
        });
        const ack = await ws.next((f) => f.type === 'ack');
        assert.equal(ack.message.body, '');
        assert.deepEqual(
          ack.message.attachments.map((a: { id: string }) => a.id),
          [id],
        );
        assert.equal((await download(bob, `/api/v1/files/${id}`)).status, 200);
      } finally {
        await ws.close();
      }
    });

    it('[F6] a file is readable by its uploader while unattached, by members once sent; others get 404', async () => {
      const up = await upload(alice, 'notes.txt', 'secret notes');
      const id = up.body.file.id;
      assert.equal((await download(alice, `/api/v1/files/${id}`)).status, 200);
      const forBob = await download(bob, `/api/v1/files/${id}`);
      assert.equal(forBob.status, 404);
      const group = await api.group(alice, uniqueName('g'), [bob.username]);
      expectStatus(await sendWith(alice, group, 'see file', [id]), 201);
      assert.equal((await download(bob, `/api/v1/files/${id}`)).status, 200);
      const outsider = await api.request('GET', `/api/v1/files/${id}`, { token: mallory.token });
      expectError(outsider, 404, 'not_found');
      expectError(
        await api.request('GET', `/api/v1/files/${id}/thumbnail`, { token: mallory.token }),
        404,
        'not_found',
      );
      expectError(
        await api.request('GET', `/api/v1/files/${id}/thumbnail`, { token: bob.token }),
        404,
        'not_found',
      );
      expectError(
        await api.request('GET', '/api/v1/files/no-such-file', { token: bob.token }),
        404,
        'not_found',
      );
      expectError(await api.request('GET', `/api/v1/files/${id}`), 401, 'unauthorized');
    });

    it('[F1] limits: size (on Content-Length and as bytes arrive), quota, empty files, names', async () => {
      const big = await upload(quinn, 'big.bin', binary(MAX_UPLOAD + 1));
      expectError(big, 413, 'payload_too_large');
      assert.equal(big.body.error.details.max, MAX_UPLOAD);

      // Chunked (no Content-Length): refused once the bytes pass the limit.
      const streamed = await new Promise<{ status: number; body: any }>((resolve, reject) => {
        const url = new URL(`${api.urlFor(quinn.token)}/api/v1/files?name=stream.bin`);
        const req = httpRequest(url, {
          method: 'POST',
          headers: { authorization: `Bearer ${quinn.token}`, 'transfer-encoding': 'chunked' },
        });
        req.on('response', (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => (text += d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
        });
        req.on('error', reject);
        const piece = binary(64 * 1024);
        let sent = 0;
        const pump = () => {
          while (sent <= MAX_UPLOAD + piece.length && !req.destroyed) {
            sent += piece.length;
            if (!req.write(piece)) return void req.once('drain', pump);
          }
          req.end();
        };
        pump();
      });
      assert.equal(streamed.status, 413);
      assert.equal(streamed.body.error.code, 'payload_too_large');

      // The refused uploads stored nothing.
      const storage = await api.request('GET', '/api/v1/me/storage', { token: quinn.token });
      assert.deepEqual(storage.body, {
        usedBytes: 0,
        quotaBytes: QUOTA,
        maxUploadBytes: MAX_UPLOAD,
      });

      for (let i = 0; i < 3; i++)
        expectStatus(await upload(quinn, `f${i}.bin`, binary(MAX_UPLOAD)), 201);
      const over = await upload(quinn, 'one-more.bin', binary(10));
      expectError(over, 413, 'quota_exceeded');
      assert.deepEqual(over.body.error.details, { quota: QUOTA, used: QUOTA });
      const used = await api.request('GET', '/api/v1/me/storage', { token: quinn.token });
      assert.equal(used.body.usedBytes, QUOTA);

      expectError(await upload(alice, 'empty.txt', ''), 400, 'invalid_request');
      expectError(await upload(alice, '', 'x'), 400, 'invalid_request');
      expectError(await upload(alice, '   ', 'x'), 400, 'invalid_request');
      expectError(await upload(alice, 'two\nlines', 'x'), 400, 'invalid_request');
      expectError(await upload(alice, 'x'.repeat(256), 'x'), 400, 'invalid_request');
      expect201(await upload(alice, `${'é'.repeat(255)}`, 'x'));
      const noName = await fetch(`${api.urlFor(alice.token)}/api/v1/files`, {
        method: 'POST',
        headers: { authorization: `Bearer ${alice.token}` },
        body: 'x',
      });
      assert.equal(noName.status, 400);
    });

    it('[F3] sends: attachment ids must be your own unattached uploads, at most 10, in order', async () => {
      const group = await api.group(alice, uniqueName('g'), [bob.username]);
      const mine = await Promise.all(
        [0, 1, 2].map(async (i) => (await upload(alice, `n${i}.txt`, `note ${i}`)).body.file.id),
      );
      const bobs = (await upload(bob, 'bob.txt', 'bob')).body.file.id;
      expectError(await sendWith(alice, group, 'x', [bobs]), 400, 'invalid_request');
      expectError(await sendWith(alice, group, 'x', ['no-such-file']), 400, 'invalid_request');
      expectError(await sendWith(alice, group, 'x', [mine[0]!, mine[0]!]), 400, 'invalid_request');
      expectError(
        await sendWith(
          alice,
          group,
          'x',
          Array.from({ length: 11 }, () => mine[0]!),
        ),
        400,
        'invalid_request',
      );
      expectError(await sendWith(alice, group, '', []), 400, 'invalid_request');
      const sent = await sendWith(alice, group, 'three notes', [mine[2]!, mine[0]!, mine[1]!]);
      expectStatus(sent, 201);
      assert.deepEqual(
        sent.body.message.attachments.map((a: { id: string }) => a.id),
        [mine[2], mine[0], mine[1]],
      );
      // Attached already: refused for another message, and not deletable on its own.
      expectError(await sendWith(alice, group, 'again', [mine[0]!]), 400, 'invalid_request');
      expectError(
        await api.request('DELETE', `/api/v1/files/${mine[0]}`, { token: alice.token }),
        409,
        'conflict',
      );
      // A refused send attached nothing: bob's upload is still his to send.
      expectStatus(await sendWith(bob, group, '', [bobs]), 201);
    });

    it('[F3] a retry with the same clientMsgId returns the original, attachments included', async () => {
      const group = await api.group(alice, uniqueName('g'), [bob.username]);
      const id = (await upload(alice, 'once.txt', 'once')).body.file.id;
      const body = { clientMsgId: crypto.randomUUID(), body: 'with file', attachments: [id] };
      const path = `/api/v1/conversations/${group}/messages`;
      const first = await api.request('POST', path, { token: alice.token, body });
      expectStatus(first, 201);
      const retry = await api.request('POST', path, { token: alice.token, body });
      expectStatus(retry, 200);
      assert.deepEqual(retry.body.message, first.body.message);
      assert.equal(retry.body.message.attachments[0].id, id);
    });

    it('[F6][F7] deleting a message deletes its files; the uploader deletes unattached uploads', async () => {
      const group = await api.group(alice, uniqueName('g'), [bob.username]);
      const id = (await upload(alice, 'gone.txt', 'soon gone')).body.file.id;
      const sent = await sendWith(alice, group, 'temporary', [id]);
      const before = (await api.request('GET', '/api/v1/me/storage', { token: alice.token })).body;
      expectStatus(
        await api.request(
          'DELETE',
          `/api/v1/conversations/${group}/messages/${sent.body.message.seq}`,
          {
            token: alice.token,
          },
        ),
        204,
      );
      assert.equal((await download(alice, `/api/v1/files/${id}`)).status, 404);
      assert.equal((await download(bob, `/api/v1/files/${id}`)).status, 404);
      const after = (await api.request('GET', '/api/v1/me/storage', { token: alice.token })).body;
      assert.equal(after.usedBytes, before.usedBytes - 'soon gone'.length);
      const history = await api.request('GET', `/api/v1/conversations/${group}/messages`, {
        token: bob.token,
      });
      assert.deepEqual(history.body.messages.at(-1).attachments, []);

      const draft = (await upload(alice, 'draft.txt', 'draft')).body.file.id;
      expectError(
        await api.request('DELETE', `/api/v1/files/${draft}`, { token: bob.token }),
        404,
        'not_found',
      );
      expectStatus(
        await api.request('DELETE', `/api/v1/files/${draft}`, { token: alice.token }),
        204,
      );
      assert.equal((await download(alice, `/api/v1/files/${draft}`)).status, 404);
    });

    it('[F7] deleting an account deletes its unattached uploads; its sent files stay with the messages', async () => {
      const dora = await api.signup(uniqueName('dora'));
      const group = await api.group(dora, uniqueName('g'), [bob.username]);
      const sentFile = (await upload(dora, 'kept.txt', 'kept')).body.file.id;
      const draft = (await upload(dora, 'draft.txt', 'draft')).body.file.id;
      expectStatus(await sendWith(dora, group, '', [sentFile]), 201);
      expectStatus(
        await api.request('DELETE', '/api/v1/me', {
          token: dora.token,
          body: { password: dora.password },
        }),
        204,
      );
      assert.equal((await download(bob, `/api/v1/files/${sentFile}`)).status, 200);
      const history = await api.request('GET', `/api/v1/conversations/${group}/messages`, {
        token: bob.token,
      });
      assert.equal(history.body.messages.at(-1).attachments[0].id, sentFile);
      // The draft is gone from the database, its bytes with it (embedded: read the file itself).
      if (mode === 'embedded') {
        const db = new Database(sqlitePath(world().deployment.nodes[0]!.dataDir), {
          readonly: true,
        });
        try {
          const count = (sql: string, ...args: string[]) =>
            (db.prepare(sql).get(...args) as { n: number }).n;
          assert.equal(count('select count(*) as n from attachments where id = ?', draft), 0);
          assert.equal(count('select count(*) as n from attachments where id = ?', sentFile), 1);
          assert.equal(
            count(
              'select count(*) as n from blobs where complete = 1 and id not in ' +
                '(select blob_id from attachments union ' +
                'select thumb_blob_id from attachments where thumb_blob_id is not null)',
            ),
            0,
            'no complete blob is left without its attachment',
          );
        } finally {
          db.close();
        }
      }
    });

    it('[F7] deleting a group deletes its files', async () => {
      const group = await api.group(alice, uniqueName('g'), [bob.username]);
      const id = (await upload(alice, 'group.txt', 'in the group')).body.file.id;
      expectStatus(await sendWith(alice, group, 'file', [id]), 201);
      const before = (await api.request('GET', '/api/v1/me/storage', { token: alice.token })).body;
      expectStatus(
        await api.request('DELETE', `/api/v1/conversations/${group}`, { token: alice.token }),
        204,
      );
      assert.equal((await download(alice, `/api/v1/files/${id}`)).status, 404);
      const after = (await api.request('GET', '/api/v1/me/storage', { token: alice.token })).body;
      assert.equal(after.usedBytes, before.usedBytes - 'in the group'.length);
    });

    it('[F1] the upload route is in the OpenAPI document with a binary body', async () => {
      const doc = (await api.request('GET', '/api/v1/openapi.json')).body;
      const post = doc.paths['/api/v1/files'].post;
      assert.ok(post.requestBody.content['application/octet-stream']);
      assert.ok(doc.paths['/api/v1/files/{id}'].get);
      assert.ok(doc.paths['/api/v1/files/{id}'].delete);
      assert.ok(doc.paths['/api/v1/files/{id}/thumbnail'].get);
      assert.ok(doc.paths['/api/v1/me/storage'].get);
    });
  });

function expect201(res: { status: number; body: unknown }): void {
  assert.equal(res.status, 201, JSON.stringify(res.body));
}

describe('files: slow uploads [F8][S11]', () => {
  it('[F8][S11] an upload may trickle past the 20 s body deadline that still cuts off a slow JSON body', async () => {
    const node = await startTestNode({
      config: { headerTimeoutMs: 300 },
      tweak: (c) => {
        c.limits.maxUploadBytes = 2 * 1024 * 1024;
      },
    });
    try {
      const api = new Api(node.url);
      const user = await api.signup(uniqueName('slow'));
      const port = Number(new URL(node.url).port);
      /** Sends the head and then `pieces` one a second; resolves with the raw answer. */
      const trickle = (head: string, pieces: Buffer[]) =>
        new Promise<string>((resolve) => {
          const socket = connect(port, '127.0.0.1');
          socket.on('error', () => {});
          let received = '';
          let timer: NodeJS.Timeout | undefined;
          socket.setEncoding('utf8');
          socket.on('data', (d: string) => (received += d));
          socket.on('close', () => {
            clearInterval(timer);
            resolve(received);
          });
          socket.on('connect', () => {
            socket.write(head);
            let i = 0;
            timer = setInterval(() => {
              if (i < pieces.length && socket.writable) socket.write(pieces[i++]!);
              if (i >= pieces.length) clearInterval(timer);
            }, 1_000);
          });
          // The answer ends the exchange: close our side once it is complete.
          socket.on('data', () => {
            if (/\r\n\r\n[\s\S]*\}$/.test(received)) socket.end();
          });
        });
      const piece = binary(64 * 1024);
      const pieces = Array.from({ length: 23 }, () => piece);
      const uploadBytes = piece.length * pieces.length;
      const upload = trickle(
        `POST /api/v1/files?name=slow.bin HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${user.token}\r\n` +
          `Content-Type: application/octet-stream\r\nContent-Length: ${uploadBytes}\r\nConnection: close\r\n\r\n`,
        pieces,
      );
      const json = trickle(
        `POST /api/v1/groups HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${user.token}\r\n` +
          `Content-Type: application/json\r\nContent-Length: 1000\r\nConnection: close\r\n\r\n`,
        Array.from({ length: 30 }, () => Buffer.from(' ')),
      );
      const [uploaded, refused] = await Promise.all([upload, json]);
      assert.match(refused, /^HTTP\/1\.1 408 /, refused);
      assert.match(refused, /"request_timeout"/);
      assert.match(uploaded, /^HTTP\/1\.1 201 /, uploaded.slice(0, 300));
      assert.match(uploaded, new RegExp(`"size":${uploadBytes}`));
    } finally {
      await node.dispose();
    }
  });
});
