import { useEffect, useId, useRef } from 'preact/hooks';
import type { AttachmentDto } from '../../../src/protocol/schemas.js';
import { downloadUrl, fileUrl, formatBytes } from '../lib/upload.js';
import { BackIcon, CloseIcon, DownloadIcon, ForwardIcon } from './icons.js';

/**
 * The full-size view of a message's images, on the native modal `<dialog>` as Dialog is: focus
 * moves in and is trapped by the browser, Escape or a click outside the picture closes it and
 * focus returns to the thumbnail; ← and → step through the message's images.
 */
export function ImageViewer(props: {
  images: readonly AttachmentDto[];
  index: number;
  onIndex: (index: number) => void;
  onClose: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const { images, index, onIndex, onClose } = props;
  const image = images[index]!;
  const several = images.length > 1;

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    const opener = document.activeElement as HTMLElement | null;
    dialog.showModal();
    return () => {
      dialog.close();
      if (opener?.isConnected) opener.focus();
    };
  }, []);

  const step = (by: number) => onIndex((index + by + images.length) % images.length);

  return (
    <dialog
      ref={ref}
      class="image-viewer"
      aria-labelledby={titleId}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
      onClick={(e) => {
        // The backdrop and the empty stage around the picture close it; the picture does not.
        const target = e.target as HTMLElement;
        if (target === ref.current || target.classList.contains('image-viewer-stage')) onClose();
      }}
      onKeyDown={(e) => {
        if (!several || e.altKey || e.ctrlKey || e.metaKey) return;
        if (e.key === 'ArrowLeft' || e.key === 'ArrowRight') {
          e.preventDefault();
          e.stopPropagation();
          step(e.key === 'ArrowLeft' ? -1 : 1);
        }
      }}
    >
      <header class="image-viewer-bar">
        <div class="image-viewer-title">
          <h2 id={titleId}>{image.name}</h2>
          <p>
            {image.width !== null && image.height !== null && `${image.width} × ${image.height} · `}
            {formatBytes(image.size)}
            {several && ` · ${index + 1} of ${images.length}`}
          </p>
        </div>
        <a
          class="icon-button"
          href={downloadUrl(image.id)}
          download={image.name}
          aria-label={`Download ${image.name}`}
          title="Download"
        >
          <DownloadIcon />
        </a>
        <button
          type="button"
          class="icon-button"
          aria-label="Close"
          title="Close (Esc)"
          onClick={onClose}
        >
          <CloseIcon />
        </button>
      </header>
      <div class="image-viewer-stage">
        {several && (
          <button
            type="button"
            class="icon-button image-viewer-step is-previous"
            aria-label="Previous image"
            title="Previous (←)"
            onClick={() => step(-1)}
          >
            <BackIcon />
          </button>
        )}
        <img
          key={image.id}
          class="image-viewer-image"
          src={fileUrl(image.id)}
          alt={image.name}
          width={image.width ?? undefined}
          height={image.height ?? undefined}
        />
        {several && (
          <button
            type="button"
            class="icon-button image-viewer-step is-next"
            aria-label="Next image"
            title="Next (→)"
            onClick={() => step(1)}
          >
            <ForwardIcon />
          </button>
        )}
      </div>
    </dialog>
  );
}
