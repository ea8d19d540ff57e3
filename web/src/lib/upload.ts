import {
  ApiError,
  ClientErrorCode,
  formatBytes,
  type StorageDto,
} from '../../../src/client/index.js';
import { FILE_NAME_MAX } from '../../../src/protocol/limits.js';
import type { AttachmentDto } from '../../../src/protocol/schemas.js';

/** Where a file's bytes, thumbnail and download are (same origin: `img-src 'self'` covers them). */
export const fileUrl = (id: string) => `/api/v1/files/${encodeURIComponent(id)}`;
export const thumbnailUrl = (id: string) => `${fileUrl(id)}/thumbnail`;
export const downloadUrl = (id: string) => `${fileUrl(id)}?download=1`;

/** True for the images shown inline: those the server made a thumbnail of. */
export function isImage(a: Pick<AttachmentDto, 'contentType' | 'thumbnail'>): boolean {
  return a.thumbnail !== null && /^image\/(png|jpeg|webp|gif)$/.test(a.contentType);
}

/** A rough kind of file, for its card's icon. */
export type FileKind = 'image' | 'video' | 'audio' | 'archive' | 'pdf' | 'text' | 'file';

export function fileKind(contentType: string, name: string): FileKind {
  const type = contentType.split(';')[0]!.trim();
  if (type.startsWith('image/')) return 'image';
  if (type.startsWith('video/')) return 'video';
  if (type.startsWith('audio/')) return 'audio';
  if (type === 'application/pdf') return 'pdf';
  if (/zip|gzip|x-tar|x-7z|x-rar|x-bzip2|x-xz|zstd/.test(type)) return 'archive';
  if (type.startsWith('text/') || /\.(txt|md|csv|log|json|ya?ml|toml)$/i.test(name)) return 'text';
  return 'file';
}

/** Byte counts as the terminal client shows them too (`1.5 KB`, `25 MB`). */
export { formatBytes };

/**
 * Why each of a batch of files cannot be uploaded, checked before any request: empty, a
 * folder (a dropped directory arrives as a File too; its DataTransfer entry tells it apart),
 * a name over FILE_NAME_MAX, over the node's maximum upload size, or past what is left of the user's quota (counting
 * the batch's files before it). Null for a file that may go.
 */
export function refusals(
  files: readonly File[],
  storage: StorageDto,
  folders: ReadonlySet<File> = new Set(),
): (string | null)[] {
  let used = storage.usedBytes;
  return files.map((file) => {
    if (folders.has(file)) return `“${file.name}” is a folder. Attach the files inside it instead.`;
    if (file.size === 0) return `“${file.name}” is empty.`;
    if ([...file.name].length > FILE_NAME_MAX) {
      return `“${[...file.name].slice(0, 40).join('')}…” has too long a name (at most ${FILE_NAME_MAX} characters).`;
    }
    if (file.size > storage.maxUploadBytes) {
      return `“${file.name}” is too large (${formatBytes(file.size)}). The limit is ${formatBytes(storage.maxUploadBytes)}.`;
    }
    if (used + file.size > storage.quotaBytes) {
      return `“${file.name}” does not fit in your storage (${formatBytes(storage.quotaBytes - used)} left).`;
    }
    used += file.size;
    return null;
  });
}

/** A running upload: its result, and how to stop it. */
export interface UploadHandle {
  done: Promise<AttachmentDto>;
  abort(): void;
}

/**
 * Uploads one file's raw bytes (`POST /api/v1/files?name=…`, the body streamed from the File).
 * XMLHttpRequest rather than fetch: only it reports upload progress. The session cookie and
 * the page's Origin go with it like every same-origin write. Rejects with an ApiError (the
 * server's code, or `unreachable`); an abort rejects with an AbortError.
 */
export function upload(
  file: File,
  onProgress: (sent: number, total: number) => void,
): UploadHandle {
  const xhr = new XMLHttpRequest();
  const done = new Promise<AttachmentDto>((resolve, reject) => {
    xhr.open('POST', `/api/v1/files?name=${encodeURIComponent(file.name)}`);
    xhr.setRequestHeader('Content-Type', file.type || 'application/octet-stream');
    xhr.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : file.size);
    xhr.onload = () => {
      if (xhr.status === 201) {
        try {
          resolve((JSON.parse(xhr.responseText) as { file: AttachmentDto }).file);
        } catch {
          reject(new ApiError(xhr.status, 'internal', 'the server sent an unreadable answer'));
        }
      } else {
        reject(apiError(xhr.status, xhr.responseText));
      }
    };
    xhr.onerror = () => reject(unreachable());
    xhr.onabort = () => reject(new DOMException('upload aborted', 'AbortError'));
    xhr.send(file);
  });
  return { done, abort: () => xhr.abort() };
}

/** Removes an upload not attached to a message (the chip's ×); best effort. */
export async function deleteUpload(id: string): Promise<void> {
  await fetch(fileUrl(id), { method: 'DELETE', credentials: 'same-origin' }).catch(() => undefined);
}

function apiError(status: number, text: string): ApiError {
  try {
    const { error } = JSON.parse(text) as { error: { code: string; message: string } };
    return new ApiError(status, error.code, error.message);
  } catch {
    return new ApiError(status, status >= 500 ? 'internal' : 'invalid_request', `HTTP ${status}`);
  }
}

function unreachable(): ApiError {
  return new ApiError(0, ClientErrorCode.Unreachable, 'the server could not be reached');
}
