import { AppError } from '../domain/errors.js';
import type { Member, User, UserSettings } from '../domain/model.js';
import type { UsersStore } from '../ports/store.js';

/** How far ahead do-not-disturb may be set (rule N4): ten years, "until turned off". */
export const DND_MAX_AHEAD_MS = 10 * 365 * 86_400_000;

/** What SettingsService uses: the users' settings, and the clock (do-not-disturb). */
export interface SettingsDeps {
  store: Pick<UsersStore, 'getUserSettings' | 'updateUserSettings' | 'usersHidingReadMarkers'>;
  now: () => number;
}

/**
 * A user's own settings: whether others see their read markers (rule R9), and
 * do-not-disturb (rule N4: an end time, or null for off). A user
 * who does not share has their `lastReadSeq` read as 0 by everyone else in member lists,
 * and moves of their marker send no `receipt` (read-markers.ts).
 */
export class SettingsService {
  readonly #deps: SettingsDeps;

  constructor(deps: SettingsDeps) {
    this.#deps = deps;
  }

  async get(me: User): Promise<UserSettings> {
    const settings = await this.#deps.store.getUserSettings(me.id);
    if (!settings) throw new AppError('not_found', 'user not found');
    return settings;
  }

  /**
   * Changes the settings given, keeps the others; answers them all. Do-not-disturb may end at
   * most DND_MAX_AHEAD_MS from now; a time already past is stored and means off.
   */
  async update(me: User, patch: Partial<UserSettings>): Promise<UserSettings> {
    const until = patch.doNotDisturbUntil;
    if (typeof until === 'number' && until > this.#deps.now() + DND_MAX_AHEAD_MS)
      throw new AppError(
        'invalid_request',
        'doNotDisturbUntil must be at most ten years from now (null turns it off)',
        { details: { max: this.#deps.now() + DND_MAX_AHEAD_MS } },
      );
    const settings = await this.#deps.store.updateUserSettings(me.id, patch);
    if (!settings) throw new AppError('not_found', 'user not found');
    return settings;
  }

  /** The members as `viewer` may see them: others' read markers read 0 where they do not share. */
  async membersSeenBy<M extends Member>(viewer: User, members: M[]): Promise<M[]> {
    const others = members.filter((m) => m.userId !== viewer.id).map((m) => m.userId);
    const hidden = await this.#deps.store.usersHidingReadMarkers(others);
    if (hidden.size === 0) return members;
    return members.map((m) => (hidden.has(m.userId) ? { ...m, lastReadSeq: 0 } : m));
  }
}
