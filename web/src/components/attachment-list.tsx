import { useState } from 'preact/hooks';
import type { AttachmentDto } from '../../../src/protocol/schemas.js';
import { downloadUrl, fileKind, formatBytes, isImage, thumbnailUrl } from '../lib/upload.js';
import { DownloadIcon, FileIcon } from './icons.js';
import { ImageViewer } from './image-viewer.js';

/**
 * A message's files: images as thumbnails (their size reserved from the stored thumbnail
 * dimensions, so nothing shifts when they load; lazily loaded) that open the viewer, other
 * files as cards with their type's icon, name, size and a download link.
 */
export function AttachmentList(props: { attachments: readonly AttachmentDto[] }) {
  const [viewing, setViewing] = useState<number | null>(null);
  const images = props.attachments.filter(isImage);
  const files = props.attachments.filter((a) => !isImage(a));
  return (
    <div class="attachments">
      {images.length > 0 && (
        <ul class={`attachment-images${images.length > 1 ? ' is-several' : ''}`}>
          {images.map((a, index) => (
            <li key={a.id}>
              <button
                type="button"
                class="attachment-image"
                aria-label={`Open image ${a.name}`}
                onClick={() => setViewing(index)}
              >
                <img
                  src={thumbnailUrl(a.id)}
                  alt={a.name}
                  width={a.thumbnail!.width}
                  height={a.thumbnail!.height}
                  loading="lazy"
                  decoding="async"
                />
              </button>
            </li>
          ))}
        </ul>
      )}
      {files.map((a) => (
        <FileCard key={a.id} attachment={a} />
      ))}
      {viewing !== null && images[viewing] && (
        <ImageViewer
          images={images}
          index={viewing}
          onIndex={setViewing}
          onClose={() => setViewing(null)}
        />
      )}
    </div>
  );
}

/** A file that is not shown inline: what it is, how big, and its download. */
function FileCard({ attachment: a }: { attachment: AttachmentDto }) {
  const kind = fileKind(a.contentType, a.name);
  return (
    <div class="file-card">
      <span class={`file-card-icon is-${kind}`}>
        <FileIcon kind={kind} size={22} />
      </span>
      <span class="file-card-text">
        <span class="file-card-name" title={a.name}>
          {a.name}
        </span>
        <span class="file-card-size">{formatBytes(a.size)}</span>
      </span>
      <a
        class="icon-button icon-button-sm file-card-download"
        href={downloadUrl(a.id)}
        download={a.name}
        aria-label={`Download ${a.name}`}
        title="Download"
      >
        <DownloadIcon size={16} />
      </a>
    </div>
  );
}
