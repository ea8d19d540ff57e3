import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { openSqliteStore, sqlitePath } from '../../src/adapters/sqlite/sqlite-store.js';
import { isAppError } from '../../src/domain/errors.js';
import { ulid } from '../../src/domain/ids.js';
import { DEFAULT_LIMITS } from '../../src/domain/limits.js';
import type { User } from '../../src/domain/model.js';
import { createLogger } from '../../src/log/logger.js';
import { SharpMedia } from '../../src/media/media.js';
import { ImageTooLargeError } from '../../src/ports/media.js';
import { BLOB_CHUNK_BYTES, type Store } from '../../src/ports/store.js';
import {
  AttachmentService,
  INCOMPLETE_TTL_MS,
  UNATTACHED_TTL_MS,
} from '../../src/services/attachments.js';
import { LeaderDuties } from '../../src/services/leader.js';
import { PresenceService } from '../../src/services/presence.js';
import { MemoryBus } from '../../src/adapters/memory-bus/memory-bus.js';

/** The bytes as a stream of pieces of `size` (the way a request body arrives). */
async function* pieces(data: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < data.byteLength; at += size) {
    // A turn of the event loop between pieces, as between a socket's reads.
    await new Promise((resolve) => setImmediate(resolve));
    yield data.subarray(at, at + size);
  }
}

async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const c of chunks) out.push(Buffer.from(c));
  return Buffer.concat(out);
}

describe('media: sniffing, text, images [F4][F5]', () => {
  const media = new SharpMedia();

  it('[F4] UTF-8 text is told from binary across chunk boundaries', () => {
    const text = Buffer.from('naïve café 😀 — ok');
    const split = media.textDetector();
    // Cut inside the emoji's four bytes.
    const cut = text.indexOf(0xf0) + 2;
    split.push(text.subarray(0, cut));
    split.push(text.subarray(cut));
    assert.equal(split.end(), true);
    const truncated = media.textDetector();
    truncated.push(text.subarray(0, cut));
    assert.equal(truncated.end(), false, 'a sequence cut off at the end is not text');
    const nul = media.textDetector();
    nul.push(Buffer.from('a\u0000b'));
    assert.equal(nul.end(), false);
    const latin1 = media.textDetector();
    latin1.push(Buffer.from([0x63, 0x61, 0x66, 0xe9]));
    assert.equal(latin1.end(), false);
  });

  it('[F5] WebP and PNG are re-encoded without metadata; GIF is kept as uploaded; small images are not enlarged', async () => {
    const base = sharp({ create: { width: 120, height: 80, channels: 3, background: '#39f' } });
    const webp = await base
      .clone()
      .webp()
      .withExif({ IFD0: { Artist: 'Somebody' } })
      .toBuffer();
    assert.ok((await sharp(webp).metadata()).exif);
    const out = await media.processImage(webp, 'image/webp');
    assert.ok(out);
    assert.equal((await sharp(out.data).metadata()).exif, undefined);
    assert.deepEqual(
      [out.width, out.height, out.thumbnail.width, out.thumbnail.height],
      [120, 80, 120, 80],
    );
    const gif = await base.clone().gif().toBuffer();
    const kept = await media.processImage(gif, 'image/gif');
    assert.ok(kept);
    assert.equal(Buffer.compare(Buffer.from(kept.data), gif), 0);
    assert.equal((await sharp(kept.thumbnail.data).metadata()).format, 'webp');
    assert.equal(await media.processImage(Buffer.from('not an image'), 'image/png'), null);
    assert.equal(await media.sniff(webp), 'image/webp');
    assert.equal(await media.sniff(Buffer.from('plain words')), null);
  });

  it('[F5] past the pixel bound an image is refused before decoding', async () => {
    const small = new SharpMedia({ maxPixels: 1_000 });
    const png = await sharp({ create: { width: 40, height: 40, channels: 3, background: '#000' } })
      .png()
      .toBuffer();
    await assert.rejects(small.processImage(png, 'image/png'), ImageTooLargeError);
  });
});

describe('attachments service on SQLite [F1][F2][F9]', () => {
  let dir: string;
  let store: Store;
  let now = 1_700_000_000_000;
  let alice: User;
  let service: AttachmentService;
  const log = createLogger({ level: 'silent', nodeId: 'test' });
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-files-'));
    store = await openSqliteStore(sqlitePath(dir));
    alice = await store.createUser({
      id: ulid(),
      username: 'alice',
      passwordHash: 'x',
      createdAt: now,
      deletedAt: null,
    });
    service = new AttachmentService(
      { store, log, now: () => now, limits: { ...DEFAULT_LIMITS, maxUploadBytes: 2_000_000 } },
      new SharpMedia(),
    );
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('[F2] a streamed file lands in chunks of at most 256 KiB, whatever the pieces it arrived in', async () => {
    const data = Buffer.alloc(BLOB_CHUNK_BYTES * 2 + 5_000);
    for (let i = 0; i < data.length; i++) data[i] = (i * 7 + 3) & 0xff;
    const file = await service.upload(alice, {
      name: 'data.bin',
      declaredBytes: null,
      body: pieces(data, 10_007),
    });
    const record = await store.getAttachment(file.id);
    assert.ok(record);
    const blob = await store.getBlob(record.blobId);
    assert.deepEqual([blob?.chunks, blob?.size, blob?.complete], [3, data.length, true]);
    const down = await service.download(alice, file.id);
    assert.equal(Buffer.compare(await collect(down.chunks), data), 0);
  });

  it('[F1] bytes past the limit are refused as they arrive, and nothing stays behind', async () => {
    const before = await store.usedUploadBytes(alice.id);
    const incompleteBefore = await store.deleteIncompleteBlobs(Number.MAX_SAFE_INTEGER);
    assert.equal(incompleteBefore, 0);
    await assert.rejects(
      service.upload(alice, {
        name: 'huge.bin',
        declaredBytes: null,
        body: pieces(Buffer.alloc(2_100_000, 1), 65_536),
      }),
      (err: unknown) => isAppError(err, 'payload_too_large'),
    );
    assert.equal(await store.usedUploadBytes(alice.id), before);
    // The half-written blob was deleted at once, not left for the sweep.
    assert.equal(await store.deleteIncompleteBlobs(Number.MAX_SAFE_INTEGER), 0);
  });

  it('[F9] the leader sweeps unattached uploads after 24 h and incomplete blobs after an hour', async () => {
    const file = await service.upload(alice, {
      name: 'old.txt',
      declaredBytes: 3,
      body: pieces(Buffer.from('old'), 3),
    });
    const dead = ulid();
    await store.createBlob(dead, now);
    await store.appendBlobChunk(dead, 0, Buffer.from('half'));
    const leader = new LeaderDuties(
      { store, log, now: () => now },
      new PresenceService({ store, bus: new MemoryBus(), log, now: () => now }, 'test'),
    );
    now += INCOMPLETE_TTL_MS + 1;
    await leader.tick();
    assert.equal(await store.getBlob(dead), null);
    assert.ok(await store.getAttachment(file.id), 'an upload younger than a day stays');
    now += UNATTACHED_TTL_MS;
    // The sweep runs every 10 minutes, so the next tick well after that sweeps again.
    await leader.tick();
    assert.equal(await store.getAttachment(file.id), null);
  });
});
