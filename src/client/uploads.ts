import { ErrorCode } from '../protocol/codes.js';
import type { AttachmentDto } from '../protocol/schemas.js';
import { ApiError } from './api-error.js';
import { ClientErrorCode } from './error-codes.js';

/** The user's file storage (rule F1): what they use, may use, and the largest one upload. */
export interface StorageDto {
  usedBytes: number;
  quotaBytes: number;
  maxUploadBytes: number;
}

/**
 * What an upload carries: bytes in memory, or a stream of them (Node: a file's read stream
 * through `Readable.toWeb`, see client/node-upload.ts), whose `size` must then be given.
 */
export type UploadBody = Uint8Array | Blob | ReadableStream<Uint8Array>;

/** Options of {@link RestApi.uploadFile}. */
export interface UploadOptions {
  /** The client's claim of the type (a hint only: the server sniffs the bytes, rule F2). */
  contentType?: string;
  /** The body's length in bytes; required for a stream. */
  size?: number;
  /** Told the bytes handed to the network so far (streams only; bytes in memory go at once). */
  onProgress?: (sent: number, total: number) => void;
  /** The storage figures, if just read (else they are read first). */
  storage?: StorageDto;
  signal?: AbortSignal;
}

/** A byte count as people read it: `512 B`, `1.5 KB`, `25 MB` (powers of 1024). */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const shown = value >= 10 ? Math.round(value) : Number(value.toFixed(1));
  return `${shown} ${units[unit]}`;
}

/** What an upload needs of the REST client (RestApi; an interface, so no import circle). */
export interface UploadTransport {
  storage(): Promise<StorageDto>;
  call<T>(path: string, init: RequestInit & { headers: Record<string, string> }): Promise<T>;
}

/** RestApi.uploadFile: checks the size against the storage figures, then sends the bytes. */
export async function upload(
  api: UploadTransport,
  body: UploadBody,
  name: string,
  options: UploadOptions,
): Promise<AttachmentDto> {
  const size = sizeOf(body, options.size);
  checkUpload(name, size, options.storage ?? (await api.storage()));
  const headers: Record<string, string> = {
    'content-type': options.contentType || 'application/octet-stream',
  };
  let sent: BodyInit = body as BodyInit;
  if (body instanceof ReadableStream) {
    headers['content-length'] = String(size);
    sent = options.onProgress ? counted(body, size, options.onProgress) : body;
  }
  const sending = api.call<{ file: AttachmentDto }>(
    `/api/v1/files?${new URLSearchParams({ name })}`,
    {
      method: 'POST',
      headers,
      body: sent,
      ...(options.signal ? { signal: options.signal } : {}),
      // A stream body is sent as it is read (fetch wants this said).
      ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
    },
  );
  try {
    return (await sending).file;
  } catch (err) {
    // A node refusing a body by its length answers at once and closes the connection, which
    // fetch may report as a failed connection instead of the answer: its figures say why.
    if (!(err instanceof ApiError) || err.code !== ClientErrorCode.Unreachable) throw err;
    checkUpload(name, size, await api.storage().catch(() => Promise.reject(err)));
    throw err;
  }
}

/**
 * Refuses an upload the server would refuse for its size, with the server's code and details:
 * an empty file (`invalid_request`), one over `maxUploadBytes` (`payload_too_large`), one past
 * the quota (`quota_exceeded`).
 */
export function checkUpload(name: string, size: number, storage: StorageDto): void {
  if (size === 0)
    throw new ApiError(400, ErrorCode.InvalidRequest, `${name} is empty: there is nothing to send`);
  if (size > storage.maxUploadBytes) {
    const [shown, max] = sizes(size, storage.maxUploadBytes);
    throw new ApiError(
      413,
      ErrorCode.PayloadTooLarge,
      `${name} is ${shown}: files may be at most ${max}`,
      { max: storage.maxUploadBytes },
    );
  }
  if (storage.usedBytes + size > storage.quotaBytes)
    throw new ApiError(
      413,
      ErrorCode.QuotaExceeded,
      `${name} (${formatBytes(size)}) does not fit: you use ${formatBytes(storage.usedBytes)} of your ${formatBytes(storage.quotaBytes)}`,
      { quota: storage.quotaBytes, used: storage.usedBytes },
    );
}

/** Two sizes as people read them, or in bytes where they would read the same (`1 MB`). */
function sizes(a: number, b: number): [string, string] {
  const [x, y] = [formatBytes(a), formatBytes(b)];
  return x === y ? [`${a} bytes`, `${b} bytes`] : [x, y];
}

/** An upload body's length: the bytes' own, or the size given for a stream. */
function sizeOf(body: UploadBody, given: number | undefined): number {
  if (body instanceof Uint8Array) return body.byteLength;
  if (body instanceof Blob) return body.size;
  if (given === undefined) throw new Error('uploadFile: a stream needs options.size');
  return given;
}

/** The stream passed through, telling `onProgress` how much has been read from it. */
function counted(
  body: ReadableStream<Uint8Array>,
  total: number,
  onProgress: (sent: number, total: number) => void,
): ReadableStream<Uint8Array> {
  let sent = 0;
  return body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        sent += chunk.byteLength;
        onProgress(sent, total);
        controller.enqueue(chunk);
      },
    }),
  );
}
