import type { RefObject } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { fileKind, formatBytes, thumbnailUrl } from '../lib/upload.js';
import { MAX_FILES_PER_MESSAGE, type TrayItem } from '../lib/upload-tray.js';
import { AlertIcon, CloseIcon, FileIcon, UploadIcon } from './icons.js';

/**
 * The files chosen for the next message, as chips above the composer's box: name, size, a
 * progress bar while uploading (a native `<progress>`: no inline style under the CSP), the
 * error when it failed, a preview once an image is stored, and × to remove it.
 */
export function AttachmentTray(props: {
  items: readonly TrayItem[];
  onRemove: (key: number) => void;
}) {
  if (props.items.length === 0) return null;
  return (
    <ul class="attachment-tray" aria-label="Files to send">
      {props.items.map((item) => (
        <Chip key={item.key} item={item} onRemove={() => props.onRemove(item.key)} />
      ))}
    </ul>
  );
}

function Chip({ item, onRemove }: { item: TrayItem; onRemove: () => void }) {
  const a = item.attachment;
  const kind = a ? fileKind(a.contentType, a.name) : 'file';
  return (
    <li class={`attachment-chip is-${item.state}`} data-state={item.state}>
      <span class="attachment-chip-icon">
        {a?.thumbnail ? (
          <img src={thumbnailUrl(a.id)} alt="" width={36} height={36} />
        ) : item.state === 'failed' ? (
          <AlertIcon size={20} />
        ) : (
          <FileIcon kind={kind} size={20} />
        )}
      </span>
      <span class="attachment-chip-text">
        <span class="attachment-chip-name" title={item.name}>
          {item.name}
        </span>
        {item.state === 'uploading' ? (
          <progress
            class="attachment-chip-progress"
            max={item.size}
            value={item.sent}
            aria-label={`Uploading ${item.name}`}
          />
        ) : (
          <span class="attachment-chip-status" role={item.state === 'failed' ? 'alert' : undefined}>
            {item.state === 'failed' ? item.error : formatBytes(item.size)}
          </span>
        )}
      </span>
      <button
        type="button"
        class="icon-button icon-button-sm attachment-chip-remove"
        aria-label={`Remove ${item.name}`}
        title={item.state === 'uploading' ? 'Cancel upload' : 'Remove'}
        onClick={onRemove}
      >
        <CloseIcon size={14} />
      </button>
    </li>
  );
}

/** What covers the conversation while files are dragged over it. */
export function DropOverlay(props: { title: string }) {
  return (
    <div class="drop-overlay" aria-hidden="true">
      <div class="drop-overlay-card">
        <UploadIcon size={32} />
        <strong>Drop files to send {props.title}</strong>
        <span>Up to {MAX_FILES_PER_MESSAGE} files in one message</span>
      </div>
    </div>
  );
}

/**
 * Makes the element `area` (a selector) around `inside` a drop target for files: `onDragging` says when
 * files are over it (enter and leave counted, as they fire for every child), `onFiles` gets
 * the dropped ones. Drags of anything else (text, links) are left alone; files dropped
 * elsewhere on the page are ignored rather than opened by the browser.
 */
export function useFileDrop(
  inside: RefObject<HTMLElement>,
  area: string,
  onDragging: (dragging: boolean) => void,
  onFiles: (files: File[], folders: Set<File>) => void,
): void {
  // The latest callback, so the listeners need not be re-attached on every render.
  const latest = useRef(onFiles);
  latest.current = onFiles;
  useEffect(() => {
    const target = inside.current?.closest(area);
    if (!(target instanceof HTMLElement)) return;
    let depth = 0;
    const carriesFiles = (e: DragEvent) => e.dataTransfer?.types.includes('Files') ?? false;
    const listeners: Record<string, (e: DragEvent) => void> = {
      dragenter: (e) => {
        e.preventDefault();
        depth += 1;
        onDragging(true);
      },
      dragover: (e) => {
        e.preventDefault();
        e.dataTransfer!.dropEffect = 'copy';
      },
      dragleave: () => {
        depth = Math.max(0, depth - 1);
        if (depth === 0) onDragging(false);
      },
      drop: (e) => {
        e.preventDefault();
        depth = 0;
        onDragging(false);
        latest.current(...droppedFiles(e.dataTransfer!));
      },
    };
    const wrapped = Object.entries(listeners).map(([type, listener]) => {
      const only = (e: Event) => {
        if (carriesFiles(e as DragEvent)) listener(e as DragEvent);
      };
      target.addEventListener(type, only);
      return () => target.removeEventListener(type, only);
    });
    // Files dropped beside the target (the sidebar, the thread panel) would make the browser
    // open them in place of the app: such a drop does nothing instead.
    const elsewhere = (e: DragEvent) => {
      if (!carriesFiles(e) || e.defaultPrevented) return;
      e.preventDefault();
      if (e.dataTransfer) e.dataTransfer.dropEffect = 'none';
    };
    window.addEventListener('dragover', elsewhere);
    window.addEventListener('drop', elsewhere);
    return () => {
      for (const off of wrapped) off();
      window.removeEventListener('dragover', elsewhere);
      window.removeEventListener('drop', elsewhere);
    };
  }, [inside, area, onDragging]);
}

/**
 * The files of a drop, and which of them are folders (a folder arrives as a File too; only
 * its entry tells it apart).
 */
function droppedFiles(data: DataTransfer): [File[], Set<File>] {
  const files: File[] = [];
  const folders = new Set<File>();
  for (const item of data.items) {
    if (item.kind !== 'file') continue;
    const file = item.getAsFile();
    if (!file) continue;
    files.push(file);
    if (item.webkitGetAsEntry()?.isDirectory) folders.add(file);
  }
  // Some browsers (and synthetic drops) fill only `files`.
  if (files.length === 0) files.push(...data.files);
  return [files, folders];
}
