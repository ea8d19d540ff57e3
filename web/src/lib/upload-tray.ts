import { MAX_ATTACHMENTS_PER_MESSAGE } from '../../../src/protocol/limits.js';
import type { AttachmentDto } from '../../../src/protocol/schemas.js';
import { describeError } from './errors.js';
import { deleteUpload, upload, type UploadHandle } from './upload.js';

/** Files one message takes (rule F3). */
export const MAX_FILES_PER_MESSAGE = MAX_ATTACHMENTS_PER_MESSAGE;

/** One file chosen for the next message, from the moment it was picked until it is sent. */
export interface TrayItem {
  key: number;
  name: string;
  size: number;
  /** Bytes the browser has sent so far. */
  sent: number;
  state: 'uploading' | 'done' | 'failed';
  error?: string;
  /** The stored file, once the upload finished. */
  attachment?: AttachmentDto;
}

/**
 * The files waiting under a conversation's composer. Each upload starts at once; a removed
 * one is aborted (still running) or deleted on the server (finished, not sent yet). The
 * message takes the finished ones (`take`), which then leave the tray.
 */
export class UploadTray {
  #items: TrayItem[] = [];
  readonly #handles = new Map<number, UploadHandle>();
  readonly #listeners = new Set<() => void>();
  #next = 0;

  get items(): readonly TrayItem[] {
    return this.#items;
  }

  /** Uploads still running. */
  get uploading(): number {
    return this.#items.filter((i) => i.state === 'uploading').length;
  }

  /** Uploads the server refused or that were cut off. */
  get failed(): number {
    return this.#items.filter((i) => i.state === 'failed').length;
  }

  /** Finished uploads, ready to go with the message. */
  get ready(): number {
    return this.#items.filter((i) => i.state === 'done').length;
  }

  /** Room left in the message for more files. */
  get room(): number {
    return MAX_FILES_PER_MESSAGE - this.#items.length;
  }

  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Starts uploading `file` (already checked by `refusal`). */
  add(file: File): void {
    const key = ++this.#next;
    this.#items = [
      ...this.#items,
      { key, name: file.name, size: file.size, sent: 0, state: 'uploading' },
    ];
    const handle = upload(file, (sent) => this.#update(key, { sent }));
    this.#handles.set(key, handle);
    this.#changed();
    handle.done.then(
      (attachment) => {
        this.#handles.delete(key);
        // Removed while its answer was on the way: the file is stored but nobody wants it.
        if (!this.#items.some((i) => i.key === key)) return void deleteUpload(attachment.id);
        this.#update(key, { state: 'done', sent: file.size, attachment });
      },
      (err: unknown) => {
        this.#handles.delete(key);
        if (err instanceof DOMException && err.name === 'AbortError') return;
        this.#update(key, { state: 'failed', error: uploadError(err) });
      },
    );
  }

  /** Removes a file: aborts its upload, or deletes the stored file that was not sent. */
  remove(key: number): void {
    const item = this.#items.find((i) => i.key === key);
    if (!item) return;
    this.#items = this.#items.filter((i) => i.key !== key);
    this.#handles.get(key)?.abort();
    if (item.attachment) void deleteUpload(item.attachment.id);
    this.#changed();
  }

  /** The finished uploads, in the order they were chosen; they leave the tray. */
  take(): AttachmentDto[] {
    const taken = this.#items.flatMap((i) =>
      i.state === 'done' && i.attachment ? [i.attachment] : [],
    );
    this.#items = this.#items.filter((i) => i.state !== 'done');
    this.#changed();
    return taken;
  }

  #update(key: number, patch: Partial<TrayItem>): void {
    this.#items = this.#items.map((i) => (i.key === key ? { ...i, ...patch } : i));
    this.#changed();
  }

  #changed(): void {
    for (const listener of this.#listeners) listener();
  }
}

/** The words for a failed upload, on its chip. */
function uploadError(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  if (code === 'quota_exceeded') return 'Your storage quota is used up.';
  if (code === 'payload_too_large') return 'Too large for this server.';
  return describeError(err);
}

/** Per conversation: its tray, kept while switching between conversations (like drafts). */
const trays = new Map<string, UploadTray>();

export function trayFor(conversationId: string): UploadTray {
  let tray = trays.get(conversationId);
  if (!tray) trays.set(conversationId, (tray = new UploadTray()));
  return tray;
}
