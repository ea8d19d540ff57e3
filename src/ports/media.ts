/**
 * What the attachment service needs of an image and file-type library (rules F4, F5): the
 * media layer (src/media) implements it over `file-type` and `sharp`; services never see them.
 */

/** An image as it will be stored: re-encoded or as uploaded, with its size and a thumbnail. */
export interface ProcessedImage {
  /** The bytes to store: re-encoded without metadata (JPEG, PNG, WebP), or as uploaded (GIF). */
  data: Uint8Array;
  contentType: string;
  width: number;
  height: number;
  /** A WebP fitting inside the thumbnail box. */
  thumbnail: { data: Uint8Array; width: number; height: number };
}

/** Thrown for an image whose pixel count exceeds the decoder's bound (a decompression bomb). */
export class ImageTooLargeError extends Error {
  override readonly name = 'ImageTooLargeError';
  constructor(readonly maxPixels: number) {
    super(`images may have at most ${maxPixels} pixels`);
  }
}

/** Tells valid UTF-8 text without NUL from binary, fed the bytes as they arrive. */
export interface TextDetector {
  push(chunk: Uint8Array): void;
  /** True if every byte pushed so far, taken as a whole, is UTF-8 text without NUL. */
  end(): boolean;
}

export interface MediaInspector {
  /** The type the leading bytes say (a MIME type), or null if unknown. */
  sniff(head: Uint8Array): Promise<string | null>;
  /** True for the image types {@link processImage} takes (JPEG, PNG, WebP, GIF). */
  isImage(contentType: string): boolean;
  /**
   * Decodes, strips and thumbnails an image. Null if it does not decode (stored as a plain
   * file); throws {@link ImageTooLargeError} past the pixel bound, before decoding it.
   */
  processImage(data: Uint8Array, contentType: string): Promise<ProcessedImage | null>;
  textDetector(): TextDetector;
  /**
   * A profile picture (rule PR4): the image cropped to a centred square of `size` pixels and
   * re-encoded as WebP without metadata. Null if it is not a decodable image; throws
   * {@link ImageTooLargeError} past the pixel bound.
   */
  processAvatar(data: Uint8Array, contentType: string, size: number): Promise<Uint8Array | null>;
}
