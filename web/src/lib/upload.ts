import { ApiError, ClientErrorCode } from '../../../src/client/index.js';
import type { AttachmentDto } from '../../../src/protocol/schemas.js';

/** Where a file's bytes, thumbnail and download are (same origin: `img-src 'self'` covers them). */
export const fileUrl = (id: string) => `/api/v1/files/${encodeURIComponent(id)}`;
export const thumbnailUrl = (id: string) => `${fileUrl(id)}/thumbnail`;
export const downloadUrl = (id: string) => `${fileUrl(id)}?download=1`;

/** "1.4 MB", "812 KB", "17 bytes" (decimal units, as file managers show them). */
export function formatBytes(n: number): string {
  if (n < 1000) return `${n} ${n === 1 ? 'byte' : 'bytes'}`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = n / 1000;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${value >= 100 ? Math.round(value) : Number(value.toFixed(1))} ${units[unit]}`;
}

/** True for the types the server makes thumbnails of and serves inline (rule F-contract). */
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

/**
 * Why a file cannot be uploaded, checked before any request: empty, a folder (a dropped
 * directory arrives as a File of 0 bytes, or is known from its DataTransfer entry), or over
 * the node's maximum upload size. Null when it may go.
 */
export function refusal(file: File, maxBytes: number, isFolder = false): string | null {
  if (isFolder) return `“${file.name}” is a folder. Attach the files inside it instead.`;
  if (file.size === 0) return `“${file.name}” is empty.`;
  if (file.size > maxBytes) {
    return `“${file.name}” is too large (${formatBytes(file.size)}). The limit is ${formatBytes(maxBytes)}.`;
  }
  return null;
}

/** The user's storage as `GET /api/v1/me/storage` tells it. */
export interface Storage {
  usedBytes: number;
  quotaBytes: number;
  maxUploadBytes: number;
}

let storage: Promise<Storage> | null = null;

/** The node's upload limits, read once per page (a failed read is tried again next time). */
export function readStorage(): Promise<Storage> {
  storage ??= fetch('/api/v1/me/storage', { credentials: 'same-origin' })
    .then(async (res) => {
      if (!res.ok) throw apiError(res.status, await res.text());
      return (await res.json()) as Storage;
    })
    .catch((err: unknown) => {
      storage = null;
      throw err instanceof ApiError ? err : unreachable();
    });
  return storage;
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
