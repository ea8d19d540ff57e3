import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { User } from '../../../src/domain/model.js';
import { BLOB_CHUNK_BYTES, messageKey, type AttachmentRecord } from '../../../src/ports/store.js';
import { must, rejectsWith, useStore, type Fixture, type OpenStore } from './fixture.js';

/** Bytes with every value 0-255 in them, so no engine may treat them as text. */
function bytes(length: number, seed = 0): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 31 + seed) & 0xff;
  return out;
}

/** Blobs and attachment rows (BlobStore, AttachmentsStore; rules F1-F9). */
export function filesContract(open: OpenStore): void {
  describe('files', () => {
    const fx = useStore(open);

    async function blob(f: Fixture, chunks: Uint8Array[]): Promise<string> {
      const id = f.id('blob');
      await f.store.createBlob(id, f.tick());
      for (const [i, chunk] of chunks.entries()) await f.store.appendBlobChunk(id, i, chunk);
      assert.equal(await f.store.completeBlob(id), true);
      return id;
    }

    function record(f: Fixture, uploader: User, blobId: string, size: number): AttachmentRecord {
      return {
        id: f.id('file'),
        name: 'report.pdf',
        contentType: 'application/pdf',
        size,
        width: null,
        height: null,
        thumbnail: null,
        uploaderId: uploader.id,
        blobId,
        thumbBlobId: null,
        conversationId: null,
        seq: null,
        position: null,
        createdAt: f.tick(),
      };
    }

    async function upload(f: Fixture, uploader: User, size = 10): Promise<AttachmentRecord> {
      const r = record(f, uploader, await blob(f, [bytes(size)]), size);
      const { inserted } = await f.store.insertAttachmentWithinQuota(r, Number.MAX_SAFE_INTEGER);
      assert.equal(inserted, true);
      return r;
    }

    it('[F2] a blob written in chunks reads back byte for byte, chunk by chunk', async () => {
      const f = fx();
      const chunks = [bytes(BLOB_CHUNK_BYTES, 1), bytes(BLOB_CHUNK_BYTES, 2), bytes(17, 3)];
      const id = await blob(f, chunks);
      const info = must(await f.store.getBlob(id));
      assert.equal(info.size, 2 * BLOB_CHUNK_BYTES + 17);
      assert.equal(info.chunks, 3);
      assert.equal(info.complete, true);
      for (const [i, chunk] of chunks.entries()) {
        assert.deepEqual(Buffer.from(must(await f.store.readBlobChunk(id, i))), Buffer.from(chunk));
      }
      assert.equal(await f.store.readBlobChunk(id, 3), null);
      assert.equal(await f.store.getBlob(f.id('none')), null);
    });

    it('[F2] chunks append in order only, never to a complete blob, never over 256 KiB', async () => {
      const f = fx();
      const id = f.id('blob');
      await f.store.createBlob(id, f.tick());
      assert.equal(must(await f.store.getBlob(id)).complete, false);
      await rejectsWith(f.store.appendBlobChunk(id, 1, bytes(4)), 'invalid_request');
      await f.store.appendBlobChunk(id, 0, bytes(4));
      await rejectsWith(f.store.appendBlobChunk(id, 0, bytes(4)), 'invalid_request');
      await rejectsWith(
        f.store.appendBlobChunk(id, 1, bytes(BLOB_CHUNK_BYTES + 1)),
        'invalid_request',
      );
      await rejectsWith(f.store.appendBlobChunk(f.id('none'), 0, bytes(4)), 'invalid_request');
      assert.equal(await f.store.completeBlob(id), true);
      await rejectsWith(f.store.appendBlobChunk(id, 1, bytes(4)), 'invalid_request');
      assert.equal(must(await f.store.getBlob(id)).size, 4);
      assert.equal(await f.store.completeBlob(f.id('none')), false);
    });

    it('[F9] deleteIncompleteBlobs removes old incomplete blobs only', async () => {
      const f = fx();
      const old = f.id('blob');
      await f.store.createBlob(old, f.tick());
      await f.store.appendBlobChunk(old, 0, bytes(8));
      const done = await blob(f, [bytes(8)]);
      const cutoff = f.tick();
      const young = f.id('blob');
      await f.store.createBlob(young, f.tick());
      assert.equal(await f.store.deleteIncompleteBlobs(cutoff), 1);
      assert.equal(await f.store.getBlob(old), null);
      assert.equal(await f.store.readBlobChunk(old, 0), null);
      assert.ok(await f.store.getBlob(done));
      assert.ok(await f.store.getBlob(young));
    });

    it('[F1] the quota is checked with the insert; used bytes count attached and unattached files', async () => {
      const f = fx();
      const alice = await f.user();
      const first = record(f, alice, await blob(f, [bytes(60)]), 60);
      assert.deepEqual(await f.store.insertAttachmentWithinQuota(first, 100), {
        inserted: true,
        usedBytes: 0,
      });
      const second = record(f, alice, await blob(f, [bytes(50)]), 50);
      assert.deepEqual(await f.store.insertAttachmentWithinQuota(second, 100), {
        inserted: false,
        usedBytes: 60,
      });
      assert.equal(await f.store.getAttachment(second.id), null);
      const fits = record(f, alice, await blob(f, [bytes(40)]), 40);
      assert.equal((await f.store.insertAttachmentWithinQuota(fits, 100)).inserted, true);
      assert.equal(await f.store.usedUploadBytes(alice.id), 100);
      const group = await f.group(alice);
      const message = await f.send(group, alice);
      assert.equal(
        await f.store.attachToMessage([first.id], { conversationId: group.id, seq: message.seq }),
        1,
      );
      assert.equal(await f.store.usedUploadBytes(alice.id), 100);
      assert.equal(await f.store.usedUploadBytes((await f.user()).id), 0);
    });

    it('[F1] concurrent uploads of one user cannot both pass the quota', async () => {
      const f = fx();
      const alice = await f.user();
      const records = await Promise.all(
        [1, 2, 3, 4].map(async () => record(f, alice, await blob(f, [bytes(30)]), 30)),
      );
      const results = await Promise.all(
        records.map((r) => f.store.transaction((tx) => tx.insertAttachmentWithinQuota(r, 60))),
      );
      assert.equal(results.filter((r) => r.inserted).length, 2);
      assert.equal(await f.store.usedUploadBytes(alice.id), 60);
    });

    it('[F3] attachToMessage keeps the order given and never re-attaches a file', async () => {
      const f = fx();
      const alice = await f.user();
      const group = await f.group(alice);
      const [m1, m2] = [await f.send(group, alice), await f.send(group, alice)];
      const [a, b, c] = [
        await upload(f, alice, 3),
        await upload(f, alice, 4),
        await upload(f, alice, 5),
      ];
      const ref1 = { conversationId: group.id, seq: m1.seq };
      const ref2 = { conversationId: group.id, seq: m2.seq };
      assert.equal(await f.store.attachToMessage([c.id, a.id], ref1), 2);
      assert.equal(await f.store.attachToMessage([a.id, b.id, f.id('none')], ref2), 1);
      const listed = await f.store.listMessageAttachments([ref1, ref2]);
      assert.deepEqual(
        listed.get(messageKey(ref1))?.map((x) => x.id),
        [c.id, a.id],
      );
      assert.deepEqual(
        listed.get(messageKey(ref2))?.map((x) => x.id),
        [b.id],
      );
      const stored = must(await f.store.getAttachment(c.id));
      assert.deepEqual(
        { conversationId: stored.conversationId, seq: stored.seq, position: stored.position },
        { conversationId: group.id, seq: m1.seq, position: 0 },
      );
      assert.deepEqual(listed.get(messageKey(ref1))?.[0], {
        id: c.id,
        name: c.name,
        contentType: c.contentType,
        size: 5,
        width: null,
        height: null,
        thumbnail: null,
      });
      assert.deepEqual(
        (await f.store.getAttachments([a.id, c.id, f.id('none')])).map((x) => x.id).sort(),
        [a.id, c.id].sort(),
      );
      assert.equal((await f.store.listMessageAttachments([])).size, 0);
    });

    it('[F3] images keep their sizes and thumbnail; names keep any text', async () => {
      const f = fx();
      const alice = await f.user();
      const thumb = await blob(f, [bytes(9)]);
      const r: AttachmentRecord = {
        ...record(f, alice, await blob(f, [bytes(20)]), 20),
        name: 'café 😀 ‮evil.png',
        contentType: 'image/png',
        width: 4000,
        height: 3000,
        thumbnail: { width: 400, height: 300 },
        thumbBlobId: thumb,
      };
      await f.store.insertAttachmentWithinQuota(r, 1000);
      assert.deepEqual(await f.store.getAttachment(r.id), r);
    });

    it('[F6] deleting a message\u2019s attachments deletes their blobs, and no other', async () => {
      const f = fx();
      const alice = await f.user();
      const group = await f.group(alice);
      const message = await f.send(group, alice);
      const thumb = await blob(f, [bytes(9)]);
      const withThumb: AttachmentRecord = {
        ...record(f, alice, await blob(f, [bytes(20)]), 20),
        thumbBlobId: thumb,
        thumbnail: { width: 1, height: 1 },
      };
      await f.store.insertAttachmentWithinQuota(withThumb, 1000);
      const other = await upload(f, alice);
      const ref = { conversationId: group.id, seq: message.seq };
      await f.store.attachToMessage([withThumb.id], ref);
      assert.equal(await f.store.deleteMessageAttachments(ref), 1);
      assert.equal(await f.store.getAttachment(withThumb.id), null);
      assert.equal(await f.store.getBlob(withThumb.blobId), null);
      assert.equal(await f.store.getBlob(thumb), null);
      assert.ok(await f.store.getAttachment(other.id));
      assert.ok(await f.store.getBlob(other.blobId));
      assert.equal(await f.store.usedUploadBytes(alice.id), 10);
    });

    it('[F7] a user\u2019s unattached uploads are listed and deleted; attached ones stay', async () => {
      const f = fx();
      const [alice, bob] = [await f.user(), await f.user()];
      const group = await f.group(alice);
      const message = await f.send(group, alice);
      const [a, b, c] = [await upload(f, alice), await upload(f, alice), await upload(f, alice)];
      const theirs = await upload(f, bob);
      await f.store.attachToMessage([b.id], { conversationId: group.id, seq: message.seq });
      assert.deepEqual(
        (await f.store.listUnattachedUploads(alice.id)).map((x) => x.id),
        [a.id, c.id],
      );
      assert.equal(await f.store.deleteUnattachedUploads(alice.id), 2);
      assert.equal(await f.store.getBlob(a.blobId), null);
      assert.ok(await f.store.getAttachment(b.id));
      assert.ok(await f.store.getAttachment(theirs.id));
      assert.deepEqual(await f.store.listUnattachedUploads(alice.id), []);
    });

    it('[F7] deleteUpload deletes only its uploader\u2019s unattached upload', async () => {
      const f = fx();
      const [alice, bob] = [await f.user(), await f.user()];
      const group = await f.group(alice);
      const message = await f.send(group, alice);
      const [draft, sent] = [await upload(f, alice), await upload(f, alice)];
      await f.store.attachToMessage([sent.id], { conversationId: group.id, seq: message.seq });
      assert.equal(await f.store.deleteUpload(draft.id, bob.id), false);
      assert.equal(await f.store.deleteUpload(sent.id, alice.id), false);
      assert.equal(await f.store.deleteUpload(f.id('none'), alice.id), false);
      assert.ok(await f.store.getAttachment(draft.id));
      assert.equal(await f.store.deleteUpload(draft.id, alice.id), true);
      assert.equal(await f.store.getAttachment(draft.id), null);
      assert.equal(await f.store.getBlob(draft.blobId), null);
      assert.ok(await f.store.getAttachment(sent.id));
    });

    it('[F9] the sweep deletes old unattached uploads with their blobs', async () => {
      const f = fx();
      const alice = await f.user();
      const group = await f.group(alice);
      const message = await f.send(group, alice);
      const [old, attached] = [await upload(f, alice), await upload(f, alice)];
      await f.store.attachToMessage([attached.id], { conversationId: group.id, seq: message.seq });
      const cutoff = f.tick();
      const young = await upload(f, alice);
      // Earlier tests of this block left unattached uploads too: all are older than the cutoff.
      const unattachedBefore = (await f.store.listUnattachedUploads(alice.id)).length - 1;
      assert.ok((await f.store.sweepUnattachedUploads(cutoff)) >= unattachedBefore);
      assert.equal(await f.store.getAttachment(old.id), null);
      assert.equal(await f.store.getBlob(old.blobId), null);
      assert.ok(await f.store.getAttachment(attached.id));
      assert.ok(await f.store.getAttachment(young.id));
    });

    it('[F6] deleting a conversation deletes its attachments and their blobs', async () => {
      const f = fx();
      const alice = await f.user();
      const group = await f.group(alice);
      const message = await f.send(group, alice);
      const file = await upload(f, alice);
      await f.store.attachToMessage([file.id], { conversationId: group.id, seq: message.seq });
      await f.store.deleteConversation(group.id);
      assert.equal(await f.store.getAttachment(file.id), null);
      assert.equal(await f.store.getBlob(file.blobId), null);
    });
  });
}
