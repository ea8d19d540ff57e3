import { useEffect, useState } from 'preact/hooks';
import { ProfileCache, ProfilesApi, RestApi, type ProfileDto } from '../../../src/client/index.js';

/**
 * The page's profiles (rule PR2): one cache for every avatar, sender name and profile card,
 * filled in batches (every id shown in the same tick goes in one request). The page's session
 * is the node's cookie, so it has its own same-origin RestApi.
 */
class PageProfiles {
  readonly api = new ProfilesApi(
    new RestApi({ baseUrl: globalThis.location?.origin ?? '', cookieSession: true }),
  );
  readonly cache = new ProfileCache(this.api);
  readonly #watchers = new Map<string, Set<() => void>>();

  constructor() {
    this.cache.onChange((profiles) => {
      for (const p of profiles) for (const w of this.#watchers.get(p.userId) ?? []) w();
    });
  }

  watch(userId: string, changed: () => void): () => void {
    let set = this.#watchers.get(userId);
    if (!set) this.#watchers.set(userId, (set = new Set()));
    set.add(changed);
    void this.cache.want([userId]);
    return () => {
      set.delete(changed);
      if (set.size === 0) this.#watchers.delete(userId);
    };
  }

  /** Fetches a profile afresh (a card opened: status and last seen may have changed). */
  async refresh(userId: string): Promise<void> {
    this.cache.put(await this.api.many([userId]));
  }
}

export const pageProfiles = new PageProfiles();

/** The cached profile of a user (undefined until it arrives); re-renders when it does. */
export function useProfile(userId: string | null | undefined): ProfileDto | undefined {
  const [, setTick] = useState(0);
  useEffect(() => {
    if (!userId) return undefined;
    return pageProfiles.watch(userId, () => setTick((n) => n + 1));
  }, [userId]);
  return userId ? pageProfiles.cache.get(userId) : undefined;
}
