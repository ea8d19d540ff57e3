import type { ProfileDto } from '../protocol/profile-schemas.js';
import type { RestApi } from './rest.js';

export type { ProfileDto } from '../protocol/profile-schemas.js';

/** Most ids one GET /api/v1/profiles takes (rule PR2). */
export const PROFILE_BATCH = 100;

/** The profile routes (rules PR1-PR7), over a node's RestApi. */
export class ProfilesApi {
  readonly #api: RestApi;

  constructor(api: RestApi) {
    this.#api = api;
  }

  /** One user's profile by name. */
  async get(username: string): Promise<ProfileDto> {
    const { profile } = await this.#api.request<{ profile: ProfileDto }>(
      'GET',
      `/api/v1/users/${encodeURIComponent(username)}/profile`,
    );
    return profile;
  }

  /** Profiles by id (any number: asked PROFILE_BATCH at a time); unknown ids are left out. */
  async many(ids: readonly string[]): Promise<ProfileDto[]> {
    const unique = [...new Set(ids)];
    const out: ProfileDto[] = [];
    for (let i = 0; i < unique.length; i += PROFILE_BATCH) {
      const batch = unique.slice(i, i + PROFILE_BATCH);
      const { profiles } = await this.#api.request<{ profiles: ProfileDto[] }>(
        'GET',
        `/api/v1/profiles?${new URLSearchParams({ ids: batch.join(',') })}`,
      );
      out.push(...profiles);
    }
    return out;
  }

  /** Changes the display name and/or status (null or blank clears). */
  async update(patch: { displayName?: string | null; statusText?: string | null }) {
    return (await this.#api.request<{ profile: ProfileDto }>('PATCH', '/api/v1/me/profile', patch))
      .profile;
  }

  /** Uploads an avatar: the image's bytes (the node re-encodes them to a 256x256 WebP). */
  async setAvatar(image: Blob | Uint8Array, contentType?: string): Promise<ProfileDto> {
    const type =
      contentType ??
      (image instanceof Blob && image.type ? image.type : 'application/octet-stream');
    const { profile } = await this.#api.call<{ profile: ProfileDto }>('/api/v1/me/avatar', {
      method: 'PUT',
      headers: { 'content-type': type },
      body: image as BodyInit,
    });
    return profile;
  }

  async removeAvatar(): Promise<ProfileDto> {
    return (await this.#api.request<{ profile: ProfileDto }>('DELETE', '/api/v1/me/avatar'))
      .profile;
  }
}

/**
 * Profiles by user id, fetched in batches and kept (rule PR2): `want` ids as they are shown,
 * and every id wanted in the same tick goes in one request. Listeners hear each arrival.
 */
export class ProfileCache {
  readonly #api: Pick<ProfilesApi, 'many'>;
  readonly #known = new Map<string, ProfileDto>();
  readonly #asked = new Set<string>();
  readonly #pending = new Set<string>();
  readonly #listeners = new Set<(profiles: ProfileDto[]) => void>();
  #flush: Promise<void> | null = null;
  readonly #running = new Set<Promise<void>>();

  constructor(api: Pick<ProfilesApi, 'many'>) {
    this.#api = api;
  }

  /** The cached profile, if it has arrived. */
  get(userId: string): ProfileDto | undefined {
    return this.#known.get(userId);
  }

  /** Asks for profiles not cached or asked yet; resolves once those have arrived. */
  want(userIds: Iterable<string>): Promise<void> {
    for (const id of userIds) {
      if (this.#known.has(id) || this.#asked.has(id)) continue;
      this.#asked.add(id);
      this.#pending.add(id);
    }
    if (this.#pending.size > 0) this.#flush ??= Promise.resolve().then(() => this.#fetch());
    // Whatever is being fetched may hold ids asked earlier: wait for it all.
    return Promise.all([this.#flush, ...this.#running]).then(() => undefined);
  }

  /** Stores profiles learnt otherwise (an edit of one's own, a fresh GET). */
  put(profiles: ProfileDto[]): void {
    for (const p of profiles) this.#known.set(p.userId, p);
    if (profiles.length > 0) for (const l of this.#listeners) l(profiles);
  }

  /** Forgets a profile so the next `want` fetches it again. */
  forget(userId: string): void {
    this.#known.delete(userId);
    this.#asked.delete(userId);
  }

  /** Hears profiles as they arrive; returns the unsubscribe. */
  onChange(listener: (profiles: ProfileDto[]) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async #fetch(): Promise<void> {
    const ids = [...this.#pending];
    this.#pending.clear();
    this.#flush = null;
    const running = this.#api.many(ids).then(
      (profiles) => this.put(profiles),
      () => {
        // Asked again on the next want (a network blip must not hide names for good).
        for (const id of ids) this.#asked.delete(id);
      },
    );
    this.#running.add(running);
    await running;
    this.#running.delete(running);
  }
}

/** The name to show for a user: the display name if set, else the username. */
export function shownName(profile: Pick<ProfileDto, 'displayName' | 'username'>): string {
  return profile.displayName ?? profile.username;
}
