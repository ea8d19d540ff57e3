import { AppError } from '../domain/errors.js';
import { ulid } from '../domain/ids.js';
import { FILE_NAME_MAX } from '../domain/limits.js';
import type { Attachment, User } from '../domain/model.js';
import { inAlphabet } from '../domain/text.js';
import { ImageTooLargeError, type MediaInspector } from '../ports/media.js';
import {
  BLOB_CHUNK_BYTES,
  type AttachmentRecord,
  type AttachmentsStore,
  type MembersStore,
  type TransactionsStore,
} from '../ports/store.js';
import type { ServiceDeps } from './deps.js';

/** Bytes file-type needs to see to recognise every format it knows. */
const SNIFF_BYTES = 4100;
/** What a file that is neither a known type nor text is served as (rule F4). */
export const BINARY_TYPE = 'application/octet-stream';
/** What valid UTF-8 text without NUL is served as (rule F4). */
export const TEXT_TYPE = 'text/plain; charset=utf-8';
/** Unattached uploads are swept this long after their upload (rule F9). */
export const UNATTACHED_TTL_MS = 24 * 3_600_000;
/** Incomplete blobs (uploads that died half-way) are swept this long after they began (F9). */
export const INCOMPLETE_TTL_MS = 3_600_000;

/** What AttachmentService uses: the files store, memberships and transactions. */
export type AttachmentDeps = Pick<ServiceDeps, 'limits' | 'log' | 'now'> & {
  store: AttachmentsStore & Pick<MembersStore, 'getMember'> & TransactionsStore;
};

/** An upload as the gateway hands it over: the name, the declared length, the bytes. */
export interface UploadInput {
  name: string;
  /** Content-Length, if the client sent one. */
  declaredBytes: number | null;
  body: AsyncIterable<Uint8Array>;
}

/** A file ready to be served: its record and its bytes, read chunk by chunk. */
export interface FileDownload {
  attachment: Attachment;
  contentType: string;
  size: number;
  chunks: AsyncIterable<Uint8Array>;
}

/** How an {@link AttachmentService} is tuned beyond its dependencies. */
export interface AttachmentServiceOptions {
  /** Takes one upload of `userId` from its rate limit; absent, every upload is allowed. */
  uploadAllowed?: (userId: string) => boolean;
}

/**
 * Uploads, downloads and the storage of files (rules F1-F9). An upload streams into chunked
 * blobs (each chunk its own short transaction); images are decoded, stripped of metadata and
 * thumbnailed by the media port first. Who may read a file: its uploader while unattached,
 * then the members of its message's conversation; anyone else gets `not_found`.
 */
export class AttachmentService {
  readonly #deps: AttachmentDeps;
  readonly #media: MediaInspector;
  readonly #uploadAllowed: (userId: string) => boolean;

  constructor(deps: AttachmentDeps, media: MediaInspector, options: AttachmentServiceOptions = {}) {
    this.#deps = deps;
    this.#media = media;
    this.#uploadAllowed = options.uploadAllowed ?? (() => true);
  }

  /** The user's stored bytes, quota and the per-file limit (rule F1). */
  async storage(
    me: User,
  ): Promise<{ usedBytes: number; quotaBytes: number; maxUploadBytes: number }> {
    return {
      usedBytes: await this.#deps.store.usedUploadBytes(me.id),
      quotaBytes: this.#deps.limits.uploadQuotaBytes,
      maxUploadBytes: this.#deps.limits.maxUploadBytes,
    };
  }

  /**
   * Checks what can be checked before a byte is read (rule F1): the name, the rate limit, the
   * declared length against the limit and the quota. Throws the refusal.
   */
  async precheck(me: User, name: string, declaredBytes: number | null): Promise<void> {
    checkName(name);
    const { maxUploadBytes: max } = this.#deps.limits;
    if (declaredBytes !== null && declaredBytes > max) throw tooLarge(max);
    if (declaredBytes === 0) throw new AppError('invalid_request', 'the file is empty');
    if (!this.#uploadAllowed(me.id)) throw new AppError('rate_limited', 'uploading too fast');
    const used = await this.#deps.store.usedUploadBytes(me.id);
    this.#checkQuota(used, declaredBytes ?? 1);
  }

  /** Stores an upload (rules F1-F5) and returns it, unattached; see {@link precheck}. */
  async upload(me: User, input: UploadInput): Promise<Attachment> {
    await this.precheck(me, input.name, input.declaredBytes);
    const max = this.#deps.limits.maxUploadBytes;
    const created: string[] = [];
    try {
      const received = await this.#receive(input.body, max, created);
      if (received.size === 0) throw new AppError('invalid_request', 'the file is empty');
      const record = await this.#finish(me, input.name, received, created);
      return toAttachment(record);
    } catch (err) {
      await this.#deps.store.deleteBlobs(created).catch((e: unknown) => {
        this.#deps.log.warn({ event: 'files.cleanup_failed', err: e }, 'upload cleanup failed');
      });
      throw err;
    }
  }

  /** The file's bytes, for a reader allowed to see it (rule F6); `not_found` otherwise. */
  async download(me: User, id: string): Promise<FileDownload> {
    const record = await this.#readable(me, id);
    return {
      attachment: toAttachment(record),
      contentType: record.contentType,
      size: record.size,
      chunks: this.#chunks(record.blobId),
    };
  }

  /** The file's thumbnail (image/webp), same rule; `not_found` if it has none. */
  async thumbnail(me: User, id: string): Promise<FileDownload> {
    const record = await this.#readable(me, id);
    if (record.thumbBlobId === null) throw new AppError('not_found', 'the file has no thumbnail');
    const blob = await this.#deps.store.getBlob(record.thumbBlobId);
    if (!blob?.complete) throw new AppError('not_found', 'the file has no thumbnail');
    return {
      attachment: toAttachment(record),
      contentType: 'image/webp',
      size: blob.size,
      chunks: this.#chunks(record.thumbBlobId),
    };
  }

  /** The uploader deletes an unattached upload (rule F7); attached: `conflict`. */
  async remove(me: User, id: string): Promise<void> {
    const record = await this.#deps.store.getAttachment(id);
    // Only the uploader learns the file exists (an attached file of theirs included).
    if (!record || record.uploaderId !== me.id) throw new AppError('not_found', 'file not found');
    if (record.conversationId !== null || !(await this.#deps.store.deleteUpload(id, me.id)))
      throw new AppError('conflict', 'the file is attached to a message; delete the message');
  }

  /** The leader's sweep (rule F9): old unattached uploads, then incomplete blobs. */
  async sweep(): Promise<{ uploads: number; blobs: number }> {
    const now = this.#deps.now();
    const uploads = await this.#deps.store.sweepUnattachedUploads(now - UNATTACHED_TTL_MS);
    const blobs = await this.#deps.store.deleteIncompleteBlobs(now - INCOMPLETE_TTL_MS);
    return { uploads, blobs };
  }

  #checkQuota(used: number, adding: number): void {
    const quota = this.#deps.limits.uploadQuotaBytes;
    if (used + adding > quota) {
      throw new AppError('quota_exceeded', `your files may take at most ${quota} bytes`, {
        details: { quota, used },
      });
    }
  }

  async #readable(me: User, id: string): Promise<AttachmentRecord> {
    const record = await this.#deps.store.getAttachment(id);
    if (!record || !(await this.#canRead(me, record)))
      throw new AppError('not_found', 'file not found');
    return record;
  }

  async #canRead(me: User, record: AttachmentRecord): Promise<boolean> {
    if (record.conversationId === null) return record.uploaderId === me.id;
    return (await this.#deps.store.getMember(record.conversationId, me.id)) !== null;
  }

  async *#chunks(blobId: string): AsyncGenerator<Uint8Array> {
    const blob = await this.#deps.store.getBlob(blobId);
    if (!blob?.complete) throw new AppError('not_found', 'file not found');
    for (let i = 0; i < blob.chunks; i++) {
      const chunk = await this.#deps.store.readBlobChunk(blobId, i);
      if (!chunk) throw new AppError('not_found', 'file not found');
      yield chunk;
    }
  }

  /**
   * Reads the body. Until its type is known the bytes are held; an image is then held whole
   * (it is decoded and re-encoded before anything is stored), any other file streams into a
   * blob chunk by chunk. Past `max` bytes the upload is refused at once.
   */
  async #receive(
    body: AsyncIterable<Uint8Array>,
    max: number,
    created: string[],
  ): Promise<Received> {
    const text = this.#media.textDetector();
    let size = 0;
    let pending: Uint8Array[] = [];
    let pendingBytes = 0;
    let sniffed: string | null | undefined;
    let writer: BlobWriter | null = null;
    for await (const chunk of body) {
      size += chunk.byteLength;
      if (size > max) throw tooLarge(max);
      text.push(chunk);
      pending.push(chunk);
      pendingBytes += chunk.byteLength;
      if (sniffed === undefined && pendingBytes >= SNIFF_BYTES) {
        sniffed = await this.#media.sniff(concat(pending));
      }
      if (sniffed !== undefined && !(sniffed && this.#media.isImage(sniffed))) {
        writer ??= await this.#newWriter(created);
        while (pendingBytes >= BLOB_CHUNK_BYTES) {
          const all = concat(pending);
          await writer.append(all.subarray(0, BLOB_CHUNK_BYTES));
          const rest = all.subarray(BLOB_CHUNK_BYTES);
          pending = rest.byteLength ? [rest] : [];
          pendingBytes = rest.byteLength;
        }
      }
    }
    const tail = concat(pending);
    if (sniffed === undefined) sniffed = size > 0 ? await this.#media.sniff(tail) : null;
    if (writer) {
      if (tail.byteLength) await writer.append(tail);
      return { size, sniffed, isText: text.end(), blobId: await writer.complete(), held: null };
    }
    return { size, sniffed, isText: text.end(), blobId: null, held: tail };
  }

  async #finish(
    me: User,
    name: string,
    received: Received,
    created: string[],
  ): Promise<AttachmentRecord> {
    let { blobId } = received;
    let contentType = received.sniffed ?? (received.isText ? TEXT_TYPE : BINARY_TYPE);
    let size = received.size;
    let image: { width: number; height: number } | null = null;
    let thumb: { blobId: string; width: number; height: number } | null = null;
    if (received.held) {
      let data = received.held;
      if (this.#media.isImage(contentType)) {
        const processed = await this.#media
          .processImage(data, contentType)
          .catch((err: unknown) => {
            if (err instanceof ImageTooLargeError)
              throw new AppError('invalid_request', err.message, {
                details: { maxPixels: err.maxPixels },
              });
            throw err;
          });
        if (processed) {
          data = processed.data;
          image = { width: processed.width, height: processed.height };
          thumb = {
            blobId: await this.#store(processed.thumbnail.data, created),
            width: processed.thumbnail.width,
            height: processed.thumbnail.height,
          };
        } else {
          // An "image" that does not decode is a plain file, never shown inline (rule F5).
          contentType = BINARY_TYPE;
        }
      }
      size = data.byteLength;
      blobId = await this.#store(data, created);
    }
    if (blobId === null) throw new Error('upload stored no blob');
    const record: AttachmentRecord = {
      id: ulid(),
      name,
      contentType,
      size,
      width: image?.width ?? null,
      height: image?.height ?? null,
      thumbnail: thumb ? { width: thumb.width, height: thumb.height } : null,
      uploaderId: me.id,
      blobId,
      thumbBlobId: thumb?.blobId ?? null,
      conversationId: null,
      seq: null,
      position: null,
      createdAt: this.#deps.now(),
    };
    const quota = this.#deps.limits.uploadQuotaBytes;
    const { inserted, usedBytes } = await this.#deps.store.transaction((tx) =>
      tx.insertAttachmentWithinQuota(record, quota),
    );
    if (!inserted) this.#checkQuota(usedBytes, size);
    return record;
  }

  async #newWriter(created: string[]): Promise<BlobWriter> {
    const id = ulid();
    await this.#deps.store.createBlob(id, this.#deps.now());
    created.push(id);
    let index = 0;
    const store = this.#deps.store;
    return {
      // Each chunk in its own short transaction: a single-writer engine is never held for
      // the length of an upload (rule F2).
      append: async (data) => {
        const at = index++;
        await store.transaction((tx) => tx.appendBlobChunk(id, at, data));
      },
      complete: async () => {
        await store.completeBlob(id);
        return id;
      },
    };
  }

  /** Writes bytes held in memory as a complete blob. */
  async #store(data: Uint8Array, created: string[]): Promise<string> {
    const writer = await this.#newWriter(created);
    for (let at = 0; at < data.byteLength; at += BLOB_CHUNK_BYTES) {
      await writer.append(data.subarray(at, at + BLOB_CHUNK_BYTES));
    }
    return writer.complete();
  }
}

interface BlobWriter {
  append(data: Uint8Array): Promise<void>;
  complete(): Promise<string>;
}

interface Received {
  size: number;
  sniffed: string | null;
  isText: boolean;
  /** The blob the bytes streamed into; null if they were held (images, small files). */
  blobId: string | null;
  held: Uint8Array | null;
}

/** A file name (rule F1): one line of the S6 alphabet, not blank, at most FILE_NAME_MAX code points. */
export function checkName(name: string): void {
  if (name.trim() === '' || [...name].length > FILE_NAME_MAX || !inAlphabet(name, 'line')) {
    throw new AppError(
      'invalid_request',
      `a file name is one line of 1-${FILE_NAME_MAX} characters (no control characters)`,
    );
  }
}

function tooLarge(max: number): AppError {
  return new AppError('payload_too_large', `a file may have at most ${max} bytes`, {
    details: { max },
  });
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

/** The wire view of a stored attachment. */
export function toAttachment(r: AttachmentRecord): Attachment {
  return {
    id: r.id,
    name: r.name,
    contentType: r.contentType,
    size: r.size,
    width: r.width,
    height: r.height,
    thumbnail: r.thumbnail,
  };
}
