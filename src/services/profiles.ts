import { AppError } from '../domain/errors.js';
import { ulid } from '../domain/ids.js';
import type { Profile, User } from '../domain/model.js';
import { inAlphabet } from '../domain/text.js';
import { ImageTooLargeError, type MediaInspector } from '../ports/media.js';
import {
  BLOB_CHUNK_BYTES,
  type BlobStore,
  type ProfilePatch,
  type ProfileRecord,
  type ProfilesStore,
  type TransactionsStore,
} from '../ports/store.js';
import type { ServiceDeps } from './deps.js';

/** Limits of rule PR3, in code points. */
export const DISPLAY_NAME_MAX = 64;
export const STATUS_TEXT_MAX = 140;
/** Rule PR4: the largest avatar upload, and the side of the square it is stored as. */
export const AVATAR_MAX_BYTES = 5 * 1024 * 1024;
export const AVATAR_SIZE = 256;
/** How many profiles one batch read answers (rule PR2). */
export const PROFILES_BATCH = 100;

/** What ProfileService uses: profiles and blobs of the store, the clock, and presence. */
export type ProfileDeps = Pick<ServiceDeps, 'now' | 'log'> & {
  store: ProfilesStore & BlobStore & TransactionsStore;
  /** Of `userIds`, those with an open socket on any node (rule G7). */
  onlineAmong(userIds: string[]): Promise<Set<string>>;
};

/** An avatar's bytes, as served. */
export interface AvatarDownload {
  contentType: 'image/webp';
  size: number;
  /** The `v` of its current URL (see {@link avatarUrl}). */
  version: string;
  data: Buffer<ArrayBuffer>;
}

/** An avatar upload: the raw body and its declared length (null when chunked). */
export interface AvatarUpload {
  declaredBytes: number | null;
  body: AsyncIterable<Uint8Array>;
}

/**
 * Profiles (rules PR1-PR7): display name and status text, the avatar (re-encoded by the media
 * layer to a 256×256 WebP and kept in the blob store), and last seen with its privacy setting.
 */
export class ProfileService {
  readonly #deps: ProfileDeps;
  readonly #media: MediaInspector;

  constructor(deps: ProfileDeps, media: MediaInspector) {
    this.#deps = deps;
    this.#media = media;
  }

  /** One live user's profile by name (rule PR2); `not_found` for no such user. */
  async byUsername(viewer: User, username: string): Promise<Profile> {
    const record = await this.#deps.store.getProfileByUsername(username);
    if (!record) throw new AppError('not_found', 'user not found');
    const online = await this.#online([record.userId]);
    return view(viewer, record, online);
  }

  /**
   * Profiles of up to PROFILES_BATCH users by id (rule PR2), in the order asked; unknown ids are
   * left out, deleted users read as `[deleted]` without a profile.
   */
  async byIds(viewer: User, ids: string[]): Promise<Profile[]> {
    const unique = [...new Set(ids)];
    if (unique.length === 0) throw new AppError('invalid_request', 'ids lists at least one id');
    if (unique.length > PROFILES_BATCH)
      throw new AppError('invalid_request', `ids lists at most ${PROFILES_BATCH} users`, {
        details: { field: 'ids', max: PROFILES_BATCH },
      });
    for (const id of unique) {
      if (id.length === 0 || id.length > 64 || !inAlphabet(id, 'line'))
        throw new AppError('invalid_request', 'ids holds an invalid id', {
          details: { field: 'ids' },
        });
    }
    const records = await this.#deps.store.getProfiles(unique);
    const byId = new Map(records.map((r) => [r.userId, r]));
    const online = await this.#online(
      records.filter((r) => r.deletedAt === null).map((r) => r.userId),
    );
    return unique.flatMap((id) => {
      const r = byId.get(id);
      return r ? [view(viewer, r, online)] : [];
    });
  }

  /** Changes the caller's display name and status (rule PR3); answers their profile. */
  async update(me: User, body: { displayName?: string | null; statusText?: string | null }) {
    const patch: ProfilePatch = {};
    if (body.displayName !== undefined)
      patch.displayName = checkText('displayName', body.displayName, DISPLAY_NAME_MAX);
    if (body.statusText !== undefined)
      patch.statusText = checkText('statusText', body.statusText, STATUS_TEXT_MAX);
    if (!(await this.#deps.store.updateProfile(me.id, patch)))
      throw new AppError('not_found', 'user not found');
    return this.#own(me);
  }

  /**
   * Replaces the caller's avatar (rule PR4): at most AVATAR_MAX_BYTES, sniffed, decoded and
   * re-encoded to a AVATAR_SIZE square WebP without metadata; the old one is deleted.
   */
  async setAvatar(me: User, upload: AvatarUpload): Promise<Profile> {
    if (upload.declaredBytes !== null && upload.declaredBytes > AVATAR_MAX_BYTES) throw tooLarge();
    if (upload.declaredBytes === 0) throw new AppError('invalid_request', 'the image is empty');
    const data = await readAll(upload.body, AVATAR_MAX_BYTES);
    if (data.byteLength === 0) throw new AppError('invalid_request', 'the image is empty');
    const type = await this.#media.sniff(data.subarray(0, 4100));
    if (type === null || !this.#media.isImage(type)) throw notAnImage();
    let webp: Uint8Array | null;
    try {
      webp = await this.#media.processAvatar(data, type, AVATAR_SIZE);
    } catch (err) {
      if (err instanceof ImageTooLargeError)
        throw new AppError('payload_too_large', err.message, {
          details: { maxPixels: err.maxPixels },
        });
      throw err;
    }
    if (webp === null) throw notAnImage();
    const image = webp;
    const now = this.#deps.now();
    const blobId = ulid();
    await this.#deps.store.transaction(async (tx) => {
      await tx.createBlob(blobId, now);
      for (let i = 0, n = 0; i < image.byteLength; i += BLOB_CHUNK_BYTES, n++)
        await tx.appendBlobChunk(blobId, n, image.subarray(i, i + BLOB_CHUNK_BYTES));
      await tx.completeBlob(blobId);
      const previous = await tx.setAvatar(me.id, blobId, now);
      if (previous === undefined) throw new AppError('not_found', 'user not found');
      if (previous !== null) await tx.deleteBlobs([previous]);
    });
    return this.#own(me);
  }

  /** Removes the caller's avatar (a generated one shows again). */
  async removeAvatar(me: User): Promise<Profile> {
    await this.#deps.store.transaction(async (tx) => {
      const previous = await tx.setAvatar(me.id, null, this.#deps.now());
      if (previous === undefined) throw new AppError('not_found', 'user not found');
      if (previous !== null) await tx.deleteBlobs([previous]);
    });
    return this.#own(me);
  }

  /** A user's avatar bytes (rule PR4); `not_found` if they have none. */
  async avatar(userId: string): Promise<AvatarDownload> {
    const [record] = await this.#deps.store.getProfiles([userId]);
    const blobId = record && record.deletedAt === null ? record.avatarBlobId : null;
    if (blobId === null || record?.avatarUpdatedAt == null)
      throw new AppError('not_found', 'no avatar');
    const version = record.avatarUpdatedAt.toString(36);
    const store = this.#deps.store;
    const info = await store.getBlob(blobId);
    if (!info?.complete) throw new AppError('not_found', 'no avatar');
    const chunks: Uint8Array[] = [];
    for (let i = 0; i < info.chunks; i++) {
      const chunk = await store.readBlobChunk(blobId, i);
      if (!chunk) throw new AppError('not_found', 'no avatar');
      chunks.push(chunk);
    }
    return {
      contentType: 'image/webp',
      size: info.size,
      version,
      data: Buffer.concat(chunks),
    };
  }

  /** Records that the user was active now (login, a socket's open or close: rule PR6). */
  async touch(userId: string): Promise<void> {
    await this.#deps.store.touchLastSeen(userId, this.#deps.now());
  }

  async #own(me: User): Promise<Profile> {
    const [record] = await this.#deps.store.getProfiles([me.id]);
    if (!record) throw new AppError('not_found', 'user not found');
    return view(me, record, await this.#online([me.id]));
  }

  #online(ids: string[]): Promise<Set<string>> {
    if (ids.length === 0) return Promise.resolve(new Set());
    return this.#deps.onlineAmong(ids).catch(() => new Set<string>());
  }
}

/** The avatar's URL: changes with each upload, so it is cached for ever (rule PR4). */
export function avatarUrl(userId: string, updatedAt: number): string {
  return `/api/v1/users/${encodeURIComponent(userId)}/avatar?v=${updatedAt.toString(36)}`;
}

/** What `viewer` sees of a profile: last seen only if shared, or their own (rule PR5). */
function view(viewer: User, r: ProfileRecord, online: Set<string>): Profile {
  if (r.deletedAt !== null)
    return {
      userId: r.userId,
      username: '[deleted]',
      displayName: null,
      statusText: null,
      avatarUrl: null,
      lastSeenAt: null,
      online: false,
    };
  const shares = r.shareLastSeen || r.userId === viewer.id;
  return {
    userId: r.userId,
    username: r.username,
    displayName: r.displayName,
    statusText: r.statusText,
    avatarUrl:
      r.avatarBlobId !== null && r.avatarUpdatedAt !== null
        ? avatarUrl(r.userId, r.avatarUpdatedAt)
        : null,
    lastSeenAt: shares ? r.lastSeenAt : null,
    online: online.has(r.userId),
  };
}

/**
 * Rule PR3: trimmed; blank or null clears; one line of the S6 alphabet; at most `max` code
 * points. Refusals are `invalid_request` with details.field and details.reason.
 */
export function checkText(field: string, value: string | null, max: number): string | null {
  if (value === null) return null;
  const trimmed = value.trim();
  if (trimmed === '') return null;
  if (/[\r\n\u2028\u2029]/.test(trimmed))
    throw new AppError('invalid_request', `${field} must be one line`, {
      details: { field, reason: 'multiline' },
    });
  if (!inAlphabet(trimmed, 'line'))
    throw new AppError('invalid_request', `${field} must not contain control characters`, {
      details: { field, reason: 'alphabet' },
    });
  const length = [...trimmed].length;
  if (length > max)
    throw new AppError('invalid_request', `${field} must be at most ${max} characters`, {
      details: { field, reason: 'too_long', max },
    });
  return trimmed;
}

function tooLarge(): AppError {
  return new AppError('payload_too_large', `an avatar is at most ${AVATAR_MAX_BYTES} bytes`, {
    details: { max: AVATAR_MAX_BYTES },
  });
}

function notAnImage(): AppError {
  return new AppError(
    'unsupported_media_type',
    'the avatar must be a JPEG, PNG, WebP or GIF image',
  );
}

/** The body's bytes, refused past `max` as soon as it is exceeded. */
async function readAll(body: AsyncIterable<Uint8Array>, max: number): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.byteLength;
    if (size > max) throw tooLarge();
    parts.push(chunk);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}
