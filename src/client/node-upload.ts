import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { Readable } from 'node:stream';
import type { AttachmentDto } from '../protocol/schemas.js';
import { ClientErrorCode } from './error-codes.js';
import { ApiError, checkUpload, type RestApi, type UploadOptions } from './rest.js';

/**
 * Uploads a file from disk (Node only, like client/node.ts: not exported by the browser-safe
 * index), streamed from `fs.createReadStream` so its size never sits in memory. The file is
 * checked first: a path that is no readable regular file is refused with `file_unreadable`;
 * an empty, oversize or over-quota one as {@link RestApi.uploadFile} refuses it, before a byte
 * is sent. `name` defaults to the file's base name.
 */
export async function uploadPath(
  api: RestApi,
  path: string,
  options: Omit<UploadOptions, 'size'> & { name?: string } = {},
): Promise<AttachmentDto> {
  const { name = basename(path), ...rest } = options;
  let size: number;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new Error('not a regular file');
    size = info.size;
  } catch (err) {
    throw unreadable(path, err);
  }
  // Checked before opening, so an oversize file is refused without reading it.
  const storage = options.storage ?? (await api.storage());
  checkUpload(name, size, storage);
  const stream = createReadStream(path);
  // Opening can still fail (no read permission): say so instead of sending an empty body.
  await new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve());
    stream.once('error', (err) => reject(unreadable(path, err)));
  });
  try {
    return await api.uploadFile(Readable.toWeb(stream) as ReadableStream<Uint8Array>, name, {
      ...rest,
      size,
      storage,
    });
  } finally {
    stream.destroy();
  }
}

function unreadable(path: string, err: unknown): ApiError {
  const reason =
    err instanceof Error && 'code' in err && typeof err.code === 'string'
      ? err.code === 'ENOENT'
        ? 'no such file'
        : err.code === 'EACCES'
          ? 'permission denied'
          : err.code === 'EISDIR'
            ? 'a directory'
            : err.message
      : err instanceof Error
        ? err.message
        : String(err);
  return new ApiError(0, ClientErrorCode.FileUnreadable, `cannot read ${path}: ${reason}`);
}
