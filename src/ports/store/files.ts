import type { Attachment } from '../../domain/model.js';

/** The largest chunk a blob is written in (rule F2): one short write per chunk. */
export const BLOB_CHUNK_BYTES = 256 * 1024;

/** A blob's bookkeeping: its size so far, how many chunks, and whether the last one is in. */
export interface BlobInfo {
  id: string;
  size: number;
  chunks: number;
  complete: boolean;
  createdAt: number;
}

/**
 * Files' bytes, in the same database as everything else (rule F2): a blob is written chunk by
 * chunk, each chunk in its own short write (a single-writer engine is never held for a whole
 * upload), then marked complete; only complete blobs are read. Chunks are numbered from 0 and
 * at most {@link BLOB_CHUNK_BYTES} long.
 */
export interface BlobStore {
  /** Starts an empty, incomplete blob. */
  createBlob(id: string, createdAt: number): Promise<void>;
  /**
   * Appends chunk `index` (the blob's next one: `index` equals its chunk count) and adds its
   * length to the blob's size. Appending to a complete or missing blob, or out of order, is
   * refused (`invalid_request`).
   */
  appendBlobChunk(id: string, index: number, data: Uint8Array): Promise<void>;
  /** Marks the blob complete; false if there is no such blob. */
  completeBlob(id: string): Promise<boolean>;
  /** The blob's bookkeeping; null if there is none. */
  getBlob(id: string): Promise<BlobInfo | null>;
  /** Chunk `index` of the blob; null if there is none. */
  readBlobChunk(id: string, index: number): Promise<Uint8Array | null>;
  /** Deletes the blobs and their chunks (missing ids are ignored). */
  deleteBlobs(ids: readonly string[]): Promise<void>;
  /**
   * Deletes incomplete blobs created before `before` that no attachment refers to (uploads
   * that died half-way); returns how many.
   */
  deleteIncompleteBlobs(before: number): Promise<number>;
}

/** An attachment as stored: the file, who uploaded it, and where it is attached (if it is). */
export interface AttachmentRecord extends Attachment {
  uploaderId: string;
  blobId: string;
  /** The thumbnail's blob (images); null if none was made. */
  thumbBlobId: string | null;
  /** The message it is attached to; all three null while it is an unattached upload. */
  conversationId: string | null;
  seq: number | null;
  position: number | null;
  createdAt: number;
}

/** Where a message carries attachments: its conversation and seq. */
export interface MessageRef {
  conversationId: string;
  seq: number;
}

/**
 * Uploaded files (rules F1-F9): one row per file, its bytes in the {@link BlobStore}. An
 * upload is its uploader's alone until a message attaches it; from then on it lives and dies
 * with the message. Deleting attachments deletes their blobs (file and thumbnail) too.
 */
export interface AttachmentsStore extends BlobStore {
  /**
   * Inserts an unattached upload if the uploader's stored bytes plus its size stay within
   * `quotaBytes` (checked and written atomically: concurrent uploads of one user cannot both
   * pass); otherwise writes nothing. Returns the uploader's bytes before the insert.
   */
  insertAttachmentWithinQuota(
    record: AttachmentRecord,
    quotaBytes: number,
  ): Promise<{ inserted: boolean; usedBytes: number }>;
  /** The attachment; null if there is none. */
  getAttachment(id: string): Promise<AttachmentRecord | null>;
  /** The attachments with these ids that exist, in no particular order. */
  getAttachments(ids: readonly string[]): Promise<AttachmentRecord[]>;
  /**
   * Attaches unattached uploads to a message, `ids[i]` at position i. Returns how many it
   * attached: fewer than `ids.length` means some were missing or attached already (the caller
   * then rolls its transaction back).
   */
  attachToMessage(ids: readonly string[], message: MessageRef): Promise<number>;
  /** The attachments of these messages, each message's in position order; absent: none. */
  listMessageAttachments(messages: readonly MessageRef[]): Promise<Map<string, Attachment[]>>;
  /** Deletes a message's attachments and their blobs; returns how many. */
  deleteMessageAttachments(message: MessageRef): Promise<number>;
  /** Bytes of all files `userId` uploaded that still exist, attached or not (the quota's count). */
  usedUploadBytes(userId: string): Promise<number>;
  /** The user's unattached uploads, oldest first. */
  listUnattachedUploads(userId: string): Promise<AttachmentRecord[]>;
  /**
   * Deletes one unattached upload of `uploaderId` with its blobs; false (nothing deleted) if
   * there is none: missing, someone else's, or attached meanwhile.
   */
  deleteUpload(id: string, uploaderId: string): Promise<boolean>;
  /** Deletes the user's unattached uploads and their blobs (account deletion); how many. */
  deleteUnattachedUploads(userId: string): Promise<number>;
  /** Deletes unattached uploads created before `before`, with their blobs; how many. */
  sweepUnattachedUploads(before: number): Promise<number>;
}

/** The key of a message in {@link AttachmentsStore.listMessageAttachments}'s map. */
export function messageKey(message: MessageRef): string {
  return `${message.conversationId}\u0000${message.seq}`;
}
