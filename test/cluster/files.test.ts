import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { startLocalCluster, type LocalCluster } from '../../src/supervisor/local-cluster.js';
import { Api, uniqueName, type TestUser } from '../helpers/api.js';
import { UNLIMITED } from '../helpers/limits.js';
import { WsClient } from '../helpers/ws.js';
import type { AttachmentDto } from '../../src/protocol/schemas.js';

/**
 * Files across two node processes on one PostgreSQL (rule F2): the bytes live in the database,
 * so a file uploaded through one node downloads, byte for byte, from the other.
 */
describe('files across two nodes', () => {
  let cluster: LocalCluster;
  let a: Api;
  let b: Api;
  let alice: TestUser;
  let bob: TestUser;
  before(async () => {
    cluster = await startLocalCluster({ nodes: 2, nats: 1, nodeArgs: UNLIMITED });
    a = new Api(cluster.urls[0]!);
    b = new Api(cluster.urls[1]!);
    alice = await a.signup(uniqueName('alice'));
    bob = await b.login((await a.signup(uniqueName('bob'))).username);
  });
  after(() => cluster?.stop());

  async function upload(node: string, user: TestUser, name: string, data: Uint8Array) {
    const res = await fetch(`${node}/api/v1/files?name=${encodeURIComponent(name)}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${user.token}`,
        'content-type': 'application/octet-stream',
      },
      body: new Uint8Array(data),
    });
    const body = (await res.json()) as { file: AttachmentDto };
    assert.equal(res.status, 201, JSON.stringify(body));
    return body.file;
  }

  async function download(node: string, user: TestUser, path: string) {
    const res = await fetch(`${node}${path}`, {
      headers: { authorization: `Bearer ${user.token}` },
    });
    return {
      status: res.status,
      headers: res.headers,
      bytes: Buffer.from(await res.arrayBuffer()),
    };
  }

  it('[F2][F6] a file uploaded through node A downloads from node B, sent over the WebSocket', async () => {
    // Several chunks (256 KiB each) and a ragged end.
    const data = randomBytes(3 * 256 * 1024 + 1234);
    const file = await upload(cluster.urls[0]!, alice, 'archive.bin', data);
    const image = await upload(
      cluster.urls[0]!,
      alice,
      'square.png',
      await sharp({ create: { width: 900, height: 900, channels: 3, background: '#36c' } })
        .png()
        .toBuffer(),
    );
    const group = await a.group(alice, uniqueName('g'), [bob.username]);
    const ws = (await WsClient.open(cluster.urls[0]!, alice.token)).client;
    const live = (await WsClient.open(cluster.urls[1]!, bob.token)).client;
    try {
      ws.send({
        type: 'send',
        conversationId: group,
        clientMsgId: 'with-files',
        body: '',
        attachments: [file.id, image.id],
      });
      const ack = await ws.next((f) => f.type === 'ack');
      assert.deepEqual(ack.message.attachments, [file, image]);
      // Bob, on node B, gets the message live with its attachments.
      const got = await live.next((f) => f.type === 'message');
      assert.deepEqual(got.message.attachments, [file, image]);
    } finally {
      await ws.close();
      await live.close();
    }
    const there = await download(cluster.urls[1]!, bob, `/api/v1/files/${file.id}`);
    assert.equal(there.status, 200);
    assert.equal(Buffer.compare(there.bytes, data), 0);
    assert.equal(there.headers.get('content-type'), 'application/octet-stream');
    const thumb = await download(cluster.urls[1]!, bob, `/api/v1/files/${image.id}/thumbnail`);
    assert.equal(thumb.status, 200);
    const meta = await sharp(thumb.bytes).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height], ['webp', 400, 400]);
    // History read on node B carries them too.
    const history = await b.history(bob, group);
    assert.deepEqual(history.body.messages.at(-1).attachments, [file, image]);
  });
});
