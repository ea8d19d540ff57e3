import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ApiError } from '../../src/client/api-error.js';
import { ParleyClient } from '../../src/client/client.js';
import { nodeWebSocket } from '../../src/client/node.js';
import { uploadPath } from '../../src/client/node-upload.js';
import type { MessageDto } from '../../src/protocol/schemas.js';
import type { TestUser } from '../helpers/api.js';
import { testModes, useDeploymentWithUsers } from '../helpers/deployment.js';

const MiB = 1024 * 1024;

for (const mode of testModes()) {
  describe(`client library: files, search and mute against real nodes (${mode})`, () => {
    // 1 MiB per file and 2 MiB per user, so the limits are reached with small files.
    const world = useDeploymentWithUsers(mode, ['ann', 'bob'], {
      config: { maxUploadMb: 1, uploadQuotaMb: 2 },
    });
    const dir = mkdtempSync(join(tmpdir(), 'parley-client-files-'));
    const clients: ParleyClient[] = [];
    after(() => {
      clients.forEach((c) => c.close());
      rmSync(dir, { recursive: true, force: true });
    });

    const connect = async (user: TestUser) => {
      const client = new ParleyClient({
        urls: [world().deployment.urlOf(user)],
        token: user.token,
        webSocket: nodeWebSocket,
        backoff: { baseMs: 20, maxMs: 200 },
      });
      clients.push(client);
      client.connect();
      await client.online();
      await client.refreshConversations();
      return client;
    };
    const write = (name: string, bytes: Uint8Array) => {
      const path = join(dir, name);
      writeFileSync(path, bytes);
      return path;
    };
    const refusal = async (promise: Promise<unknown>): Promise<ApiError> => {
      const err = await promise.then(
        () => assert.fail('expected a refusal'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof ApiError, String(err));
      return err;
    };
    const download = async (user: TestUser, url: string) => {
      const res = await fetch(url, { headers: { authorization: `Bearer ${user.token}` } });
      return { status: res.status, bytes: new Uint8Array(await res.arrayBuffer()) };
    };

    it('[F1][F3][F4][G3] a file streamed from disk, sent over the socket, reaches the peer (on the other node in cluster mode) with the same bytes', async () => {
      const { api, users } = world();
      const ann = await connect(users.ann);
      const bob = await connect(users.bob);
      const dm = await api.dm(users.ann, users.bob.username);
      await Promise.all([ann.refreshConversations(), bob.refreshConversations()]);
      const bytes = randomBytes(300 * 1024);
      const progress: number[] = [];
      const file = await uploadPath(ann.api, write('data.bin', bytes), {
        onProgress: (sent, total) => progress.push(sent / total),
      });
      assert.equal(file.size, bytes.length);
      assert.equal(file.name, 'data.bin');
      assert.equal(file.contentType, 'application/octet-stream');
      assert.equal(progress.at(-1), 1, 'progress reached the whole file');
      assert.ok(progress.length > 1, 'in steps');

      const seen = new Promise<MessageDto>((resolve) =>
        bob.on('message', (m) => m.conversationId === dm && resolve(m)),
      );
      const sent = await ann.send(dm, '', { attachments: [file.id] }).done;
      assert.deepEqual(
        sent.attachments.map((a) => a.id),
        [file.id],
      );
      const live = await seen;
      assert.equal(live.body, '');
      assert.deepEqual(live.attachments, sent.attachments);
      const got = await download(users.bob, bob.api.fileUrl(file.id));
      assert.equal(got.status, 200);
      assert.ok(Buffer.from(got.bytes).equals(bytes), 'the bytes came through unchanged');
      assert.equal((await bob.api.storage()).usedBytes, 0, "bob's storage is his own");
      assert.equal((await ann.api.storage()).usedBytes, bytes.length);

      const err = await refusal(ann.api.deleteUpload(file.id));
      assert.deepEqual([err.status, err.code], [409, 'conflict'], 'an attached file stays');
    });

    it('[F1][F7] limits refuse before upload with the server’s codes; the server’s own refusals keep theirs; unreadable paths say so', async () => {
      const { users } = world();
      const ann = await connect(users.ann);
      const before = await ann.api.storage();
      assert.deepEqual(
        [before.maxUploadBytes, before.quotaBytes],
        [MiB, 2 * MiB],
        'the node says its limits',
      );
      const big = await refusal(uploadPath(ann.api, write('big.bin', randomBytes(MiB + 1))));
      assert.deepEqual(
        [big.status, big.code, big.details],
        [413, 'payload_too_large', { max: MiB }],
      );
      const empty = await refusal(uploadPath(ann.api, write('empty.txt', new Uint8Array(0))));
      assert.deepEqual([empty.status, empty.code], [400, 'invalid_request']);
      assert.equal((await ann.api.storage()).usedBytes, before.usedBytes, 'nothing was stored');

      // Exactly the largest file passes; then the quota has less than a MiB of room.
      const max = await uploadPath(ann.api, write('max.bin', randomBytes(MiB)));
      assert.equal(max.size, MiB);
      const room = 2 * MiB - (before.usedBytes + MiB);
      const over = await refusal(uploadPath(ann.api, write('over.bin', randomBytes(room + 1))));
      assert.equal(over.code, 'quota_exceeded');
      assert.deepEqual(over.details, { quota: 2 * MiB, used: before.usedBytes + MiB });
      // With stale figures the client lets it go, and the server refuses it with the same code.
      const stale = await refusal(uploadPath(ann.api, join(dir, 'over.bin'), { storage: before }));
      assert.deepEqual([stale.status, stale.code], [413, 'quota_exceeded']);

      // An unattached upload can be deleted; its URL is then not found.
      await ann.api.deleteUpload(max.id);
      assert.equal((await download(users.ann, ann.api.fileUrl(max.id))).status, 404);
      assert.equal((await ann.api.storage()).usedBytes, before.usedBytes);

      const missing = await refusal(uploadPath(ann.api, join(dir, 'nope.bin')));
      assert.equal(missing.code, 'file_unreadable');
      assert.match(missing.message, /nope\.bin: no such file/);
      mkdirSync(join(dir, 'folder'));
      const folder = await refusal(uploadPath(ann.api, join(dir, 'folder')));
      assert.equal(folder.code, 'file_unreadable');
    });

    it('[Q1][Q2][Q3] search finds by word prefix, narrows by conversation and sender, and pages', async () => {
      const { api, users } = world();
      const ann = await connect(users.ann);
      const group = await api.group(users.bob, `ops${Date.now() % 1e6}`, [users.ann.username]);
      const dm = await api.dm(users.ann, users.bob.username);
      for (let i = 1; i <= 3; i++)
        assert.equal(
          (await api.send(users.bob, group, `deploying build ${i} tonight`)).status,
          201,
        );
      assert.equal((await api.send(users.ann, dm, 'the deploy went fine')).status, 201);
      assert.equal((await api.send(users.ann, dm, 'unrelated words')).status, 201);

      const all = await ann.api.search('depl');
      assert.equal(all.results.length, 4);
      assert.deepEqual(
        all.results.map((r) => r.message.body),
        [
          'the deploy went fine',
          'deploying build 3 tonight',
          'deploying build 2 tonight',
          'deploying build 1 tonight',
        ],
        'newest first',
      );
      const hit = all.results[0]!;
      const [start, end] = hit.snippet.highlights[0]!;
      assert.equal(hit.snippet.text.slice(start, end).toLowerCase().slice(0, 4), 'depl');

      const inGroup = await ann.api.search('deploy tonight', { conversation: group });
      assert.equal(inGroup.results.length, 3);
      const fromAnn = await ann.api.search('deploy', { sender: users.ann.username });
      assert.deepEqual(
        fromAnn.results.map((r) => r.message.conversationId),
        [dm],
      );
      const first = await ann.api.search('deploy', { limit: 2 });
      assert.equal(first.results.length, 2);
      assert.ok(first.nextCursor);
      const second = await ann.api.search('deploy', { limit: 2, cursor: first.nextCursor });
      assert.deepEqual(
        second.results.map((r) => r.message.body),
        ['deploying build 2 tonight', 'deploying build 1 tonight'],
      );
      assert.equal(second.nextCursor, null);
      const bad = await refusal(ann.api.search('!!!'));
      assert.deepEqual([bad.status, bad.code], [400, 'invalid_request']);
    });

    it('[N3][N4] mute from one device reaches the other’s cache; do-not-disturb is a setting', async () => {
      const { api, users } = world();
      const phone = await connect(users.ann);
      const laptop = await connect(users.ann);
      const dm = await api.dm(users.ann, users.bob.username);
      await Promise.all([phone.refreshConversations(), laptop.refreshConversations()]);
      assert.equal(laptop.conversations.get(dm)?.muted, false);
      const told = new Promise<boolean>((resolve) =>
        laptop.on('conversation', (c) => c.id === dm && resolve(c.muted)),
      );
      assert.deepEqual(await phone.api.setMuted(dm, true), { muted: true });
      assert.equal(await told, true, 'the other device learnt it live');
      assert.equal(laptop.conversations.get(dm)?.muted, true);
      const listed = (await laptop.api.conversations()).conversations.find((c) => c.id === dm);
      assert.equal(listed?.muted, true, 'the summary says so');
      await phone.api.setMuted(dm, false);

      const until = Date.now() + 3_600_000;
      const { settings } = await phone.api.setDoNotDisturb(until);
      assert.equal(settings.doNotDisturbUntil, until);
      assert.equal((await laptop.api.settings()).settings.doNotDisturbUntil, until);
      await phone.api.setDoNotDisturb(null);
      assert.equal((await laptop.api.settings()).settings.doNotDisturbUntil, null);
      const err = await refusal(phone.api.setMuted('no-such-conversation', true));
      assert.deepEqual([err.status, err.code], [404, 'not_found']);
    });
  });
}
