import type { RestApi } from '../../../src/client/index.js';

/**
 * Who is online, as far as this page knows (best effort, rule G7): from `presence` frames,
 * member lists, and a look-up for people heard of otherwise (a new DM's peer).
 */
export class Presence {
  readonly #online = new Map<string, boolean>();
  readonly #asked = new Set<string>();
  readonly #api: RestApi;
  readonly #changed: () => void;

  constructor(api: RestApi, changed: () => void) {
    this.#api = api;
    this.#changed = changed;
  }

  get(username: string): boolean | undefined {
    return this.#online.get(username);
  }

  set(username: string, online: boolean): void {
    this.#online.set(username, online);
    this.#changed();
  }

  /** Looks someone up once, unless already known. */
  ensure(username: string): void {
    if (this.#online.has(username) || this.#asked.has(username)) return;
    this.#asked.add(username);
    this.#api.user(username).then(
      ({ user }) => {
        if (!this.#online.has(username)) this.set(username, user.online);
      },
      () => this.#asked.delete(username),
    );
  }

  /** Looks everyone up again (after a reconnect: frames sent meanwhile were lost). */
  async refresh(usernames: Iterable<string>): Promise<void> {
    await Promise.allSettled(
      [...new Set(usernames)].map(async (username) => {
        const { user } = await this.#api.user(username);
        this.#online.set(username, user.online);
      }),
    );
    this.#changed();
  }
}
