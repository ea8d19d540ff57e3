import { fileTypeFromBuffer } from 'file-type';
import sharp from 'sharp';
import {
  ImageTooLargeError,
  type MediaInspector,
  type ProcessedImage,
  type TextDetector,
} from '../ports/media.js';

/** The raster types images are decoded for (rule F5); GIF is kept as uploaded (animation). */
const IMAGE_TYPES = new Set(['image/jpeg', 'image/png', 'image/webp', 'image/gif']);
/** The box a thumbnail fits inside (rule F5). */
export const THUMBNAIL_BOX = 400;
/**
 * The decoder's bound (rule F5): 50 megapixels, past every camera's JPEG, far below what a few
 * kilobytes of PNG can claim. Checked on the header before any pixel is decoded.
 */
export const MAX_IMAGE_PIXELS = 50_000_000;

/**
 * Images decoded at once. A 50-megapixel image takes some 200 MB decoded: the others wait
 * their turn rather than multiplying that by the number of concurrent uploads.
 */
export const IMAGE_SLOTS = 2;

/** How a {@link SharpMedia} is tuned; tests lower the bound. */
export interface MediaOptions {
  maxPixels?: number;
}

/**
 * The media layer (rules F4, F5): `file-type` sniffs, `sharp` (libvips) decodes, strips and
 * thumbnails. Only this folder imports either (.dependency-cruiser.mjs).
 */
export class SharpMedia implements MediaInspector {
  readonly #maxPixels: number;
  #busy = 0;
  readonly #waiting: Array<() => void> = [];

  constructor(options: MediaOptions = {}) {
    this.#maxPixels = options.maxPixels ?? MAX_IMAGE_PIXELS;
  }

  async sniff(head: Uint8Array): Promise<string | null> {
    return (await fileTypeFromBuffer(head))?.mime ?? null;
  }

  isImage(contentType: string): boolean {
    return IMAGE_TYPES.has(contentType);
  }

  async processImage(data: Uint8Array, contentType: string): Promise<ProcessedImage | null> {
    if (!this.isImage(contentType)) return null;
    return this.#inSlot(() => this.#process(data, contentType));
  }

  async processAvatar(
    data: Uint8Array,
    contentType: string,
    size: number,
  ): Promise<Uint8Array | null> {
    if (!this.isImage(contentType)) return null;
    return this.#inSlot(async () => {
      const image = sharp(data, {
        limitInputPixels: this.#maxPixels,
        failOn: 'error',
        animated: false,
      });
      try {
        const meta = await image.metadata();
        if (!meta.width || !meta.height) return null;
        if (meta.width * meta.height > this.#maxPixels)
          throw new ImageTooLargeError(this.#maxPixels);
        // The first frame, upright, centred square, no metadata (sharp writes none by default).
        const out = await image
          .rotate()
          .resize(size, size, { fit: 'cover', position: 'centre' })
          .webp({ quality: 85 })
          .toBuffer();
        return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
      } catch (err) {
        if (err instanceof ImageTooLargeError) throw err;
        if (isPixelLimit(err)) throw new ImageTooLargeError(this.#maxPixels);
        return null;
      }
    });
  }

  /** Runs `work` in one of the decoding slots; a finished one hands its slot to the next. */
  async #inSlot<T>(work: () => Promise<T>): Promise<T> {
    if (this.#busy < IMAGE_SLOTS) this.#busy++;
    else await new Promise<void>((resolve) => this.#waiting.push(resolve));
    try {
      return await work();
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#busy--;
    }
  }

  async #process(data: Uint8Array, contentType: string): Promise<ProcessedImage | null> {
    // `failOn: 'error'` refuses corrupt data instead of decoding garbage; the pixel limit makes
    // libvips refuse a bomb itself too, should the header check below ever be passed.
    const open = () =>
      sharp(data, { limitInputPixels: this.#maxPixels, failOn: 'error', animated: false });
    let meta: sharp.Metadata;
    try {
      meta = await open().metadata();
    } catch (err) {
      // libvips itself refuses a header past the bound; anything else does not decode.
      if (isPixelLimit(err)) throw new ImageTooLargeError(this.#maxPixels);
      return null;
    }
    const { width, height } = meta;
    if (!width || !height) return null;
    if (width * height > this.#maxPixels) throw new ImageTooLargeError(this.#maxPixels);
    try {
      // Orientation applied to the pixels (rotate() without an angle reads EXIF), so nothing
      // depends on the metadata that is dropped; sharp writes no metadata unless told to.
      const stored =
        contentType === 'image/gif'
          ? { data: Buffer.from(data), info: { width, height } }
          : await reencode(open().rotate(), contentType).toBuffer({ resolveWithObject: true });
      const thumb = await open()
        .rotate()
        .resize(THUMBNAIL_BOX, THUMBNAIL_BOX, { fit: 'inside', withoutEnlargement: true })
        .webp({ quality: 80 })
        .toBuffer({ resolveWithObject: true });
      return {
        data: new Uint8Array(stored.data.buffer, stored.data.byteOffset, stored.data.byteLength),
        contentType,
        width: stored.info.width,
        height: stored.info.height,
        thumbnail: {
          data: new Uint8Array(thumb.data.buffer, thumb.data.byteOffset, thumb.data.byteLength),
          width: thumb.info.width,
          height: thumb.info.height,
        },
      };
    } catch (err) {
      if (isPixelLimit(err)) throw new ImageTooLargeError(this.#maxPixels);
      return null;
    }
  }

  textDetector(): TextDetector {
    return new Utf8Detector();
  }
}

function reencode(image: sharp.Sharp, contentType: string): sharp.Sharp {
  if (contentType === 'image/png') return image.png();
  if (contentType === 'image/webp') return image.webp({ quality: 90 });
  return image.jpeg({ quality: 90, mozjpeg: true });
}

function isPixelLimit(err: unknown): boolean {
  return err instanceof Error && /pixel limit/i.test(err.message);
}

/** Valid UTF-8 (a streaming decoder that throws on the first bad sequence) and no NUL byte. */
class Utf8Detector implements TextDetector {
  readonly #decoder = new TextDecoder('utf-8', { fatal: true });
  #text = true;

  push(chunk: Uint8Array): void {
    if (!this.#text) return;
    if (chunk.includes(0)) {
      this.#text = false;
      return;
    }
    try {
      this.#decoder.decode(chunk, { stream: true });
    } catch {
      this.#text = false;
    }
  }

  end(): boolean {
    if (!this.#text) return false;
    try {
      this.#decoder.decode();
      return true;
    } catch {
      return false;
    }
  }
}
