import { AppError } from '../domain/errors.js';
import { USER_PAGE_MAX } from '../domain/limits.js';
import type { User } from '../domain/model.js';
import { normalizeUsername } from '../domain/usernames.js';
import type { UsersStore } from '../ports/store.js';

/**
 * Turns a user pattern into a LIKE pattern (rule A7): `*` matches any run of characters;
 * a pattern without `*` matches usernames containing it. LIKE's own wildcards are escaped.
 */
export function patternToLike(pattern: string): string | null {
  const p = normalizeUsername(pattern);
  if (p === '' || /^\*+$/.test(p)) return null;
  const escaped = p.replace(/[\\%_]/g, (c) => `\\${c}`).replace(/\*+/g, '%');
  return p.includes('*') ? escaped : `%${escaped}%`;
}

/** What UserService reads: user search and lookup by name. */
export interface UserDeps {
  store: Pick<UsersStore, 'searchUsers' | 'getUserByUsername'>;
}

/** Listing and finding users. */
export class UserService {
  readonly #deps: UserDeps;

  constructor(deps: UserDeps) {
    this.#deps = deps;
  }

  /** A page of users matching `pattern`, ordered by username, after the `after` cursor. */
  async search(
    pattern: string,
    options: { limit: number; after: string | null },
  ): Promise<{ users: User[]; next: string | null }> {
    const limit = Math.min(Math.max(options.limit, 1), USER_PAGE_MAX);
    const users = await this.#deps.store.searchUsers({
      like: patternToLike(pattern),
      afterUsername: options.after === null ? null : normalizeUsername(options.after),
      limit: limit + 1,
    });
    const page = users.slice(0, limit);
    return { users: page, next: users.length > limit ? (page.at(-1)?.username ?? null) : null };
  }

  /** One user by name; `not_found` for unknown or deleted users. */
  async get(username: string): Promise<User> {
    const user = await this.#deps.store.getUserByUsername(normalizeUsername(username));
    if (!user) throw new AppError('not_found', `user "${username}" not found`);
    return user;
  }
}
