import type { RefObject } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { StorageDto } from '../../../src/client/index.js';
import { refusals } from '../lib/upload.js';
import { MAX_FILES_PER_MESSAGE, trayFor, type UploadTray } from '../lib/upload-tray.js';
import type { ChatStore } from '../state/chat-store.js';
import { useFileDrop } from './attachment-tray.js';
import { PaperclipIcon } from './icons.js';

/** What a composer needs of its files (useAttachments). */
export interface Attachments {
  tray: UploadTray;
  /** Files are being dragged over the drop area. */
  dragging: boolean;
  /** Why the last Enter did not send (an upload still running, or one that failed). */
  held: string | null;
  /** Checks and starts uploading files from the picker, a drop or a paste. */
  attach: (files: readonly File[], folders?: ReadonlySet<File>) => Promise<void>;
  /** Whether the files allow a send now; if not, `held` says why. */
  ready: () => boolean;
}

/**
 * The files side of a composer: the tray under `key` (kept while switching conversations),
 * drops on the element `area` (a selector of an ancestor of `form`), the checks made before
 * any upload, and what holds a send back.
 */
export function useAttachments(
  store: ChatStore,
  key: string,
  options: { form: RefObject<HTMLFormElement>; area: string; focus: () => void },
): Attachments {
  // Per user too: another account signing in on this page must not find these files.
  const tray = trayFor(`${store.me.id}:${key}`);
  const [, setVersion] = useState(0);
  useEffect(() => tray.subscribe(() => setVersion((n) => n + 1)), [tray]);
  const [held, setHeld] = useState<string | null>(null);
  const [dragging, setDragging] = useState(false);
  const waiting = tray.uploading > 0 || tray.failed > 0;

  // Once nothing holds the message back any more, the composer stops saying so.
  useEffect(() => {
    if (held && !waiting) setHeld(null);
  }, [held, waiting]);

  /**
   * Refused files (and those past the per-message limit) are named in one notice; none of
   * them is sent anywhere.
   */
  const attach = async (files: readonly File[], folders: ReadonlySet<File> = new Set()) => {
    if (files.length === 0) return;
    let storage: StorageDto;
    try {
      // Read again for every batch: the quota's use changes with each upload.
      storage = await store.client.api.storage();
    } catch {
      return store.notify(
        "Can't check the upload limits. Check your connection and try again.",
        'error',
      );
    }
    const problems: string[] = [];
    let room = tray.room;
    const why = refusals(files, storage, folders);
    files.forEach((file, i) => {
      if (why[i]) problems.push(why[i]);
      else if (room <= 0) {
        problems.push(
          `A message takes at most ${MAX_FILES_PER_MESSAGE} files; “${file.name}” was left out.`,
        );
      } else {
        room -= 1;
        tray.add(file);
      }
    });
    if (problems.length > 0) store.notify(problems.join(' '), 'error');
    options.focus();
  };

  useFileDrop(
    options.form,
    options.area,
    setDragging,
    (files, folders) => void attach(files, folders),
  );

  const ready = () => {
    if (tray.uploading > 0) {
      const n = tray.uploading;
      setHeld(`Wait for ${n === 1 ? 'the upload' : `${n} uploads`} to finish, then send.`);
      return false;
    }
    if (tray.failed > 0) {
      setHeld('Remove the file that could not be uploaded, then send.');
      return false;
    }
    return true;
  };

  return { tray, dragging, held, attach, ready };
}

/** The paper clip and its hidden multiple file picker. */
export function AttachButton(props: { onFiles: (files: File[]) => void }) {
  const picker = useRef<HTMLInputElement>(null);
  return (
    <>
      <input
        ref={picker}
        type="file"
        multiple
        class="sr-only"
        tabIndex={-1}
        aria-hidden="true"
        onChange={(e) => {
          const files = [...(e.currentTarget.files ?? [])];
          // Cleared, so choosing the same file again fires another change.
          e.currentTarget.value = '';
          props.onFiles(files);
        }}
      />
      <button
        type="button"
        class="icon-button attach-button"
        aria-label="Attach files"
        title="Attach files (or drop or paste them)"
        onClick={() => picker.current?.click()}
      >
        <PaperclipIcon size={20} />
      </button>
    </>
  );
}

/**
 * A paste's files (a screenshot, files copied in a file manager), which then do not paste as
 * text; none for a paste of text.
 */
export function pastedFiles(e: ClipboardEvent): File[] {
  const files = [...(e.clipboardData?.files ?? [])];
  if (files.length > 0) e.preventDefault();
  return files;
}
