import { ApiError, type ConnectionState, type ParleyClient } from '../../../src/client/index.js';

/**
 * The connection as the page shows it, and the one thing the page adds to the client library
 * (UI4): the client is paused (`close()`) while the browser reports no network and resumed
 * (`connect()`, which says `hello` with the cursors) when it is back, because a socket on a
 * dead network can look open for minutes.
 */
export class Connectivity {
  state: ConnectionState = 'connecting';
  /** True once the first connection came up: later drops show "reconnecting". */
  everOnline = false;
  /** The browser says there is no network: the connection is paused until it is back. */
  browserOffline = false;
  readonly #client: ParleyClient;
  readonly #changed: () => void;
  readonly #online: () => void;
  readonly #sessionGone: () => void;
  #stopped = false;

  constructor(options: {
    client: ParleyClient;
    changed: () => void;
    /** Called each time the client is online (connected and caught up). */
    online: () => void;
    /** The node no longer knows the session. */
    sessionGone: () => void;
  }) {
    this.#client = options.client;
    this.#changed = options.changed;
    this.#online = options.online;
    this.#sessionGone = options.sessionGone;
  }

  /** Connects, unless the browser has no network. */
  start(): void {
    this.browserOffline = !navigator.onLine;
    if (!this.browserOffline) this.#client.connect();
  }

  /** The page's session ended: nothing more to watch. */
  stop(): void {
    this.#stopped = true;
  }

  /** The client's `state` event. */
  onState(state: ConnectionState): void {
    this.state = state;
    if (state === 'online') {
      this.everOnline = true;
      this.#online();
    }
    // A refused upgrade (expired session) looks like a network error to a browser: ask.
    if (state === 'offline' && !this.browserOffline && !this.#stopped) void this.#checkSession();
    this.#changed();
  }

  /** The browser's `online` / `offline` events. */
  setBrowserOffline(offline: boolean): void {
    if (this.browserOffline === offline || this.#stopped) return;
    this.browserOffline = offline;
    // Without a network the socket is dead even if the browser has not noticed yet: pause the
    // client, and resume at once when the network is back (it resyncs from its cursors).
    if (offline) this.#client.close();
    else this.#client.connect();
    this.#changed();
  }

  async #checkSession(): Promise<void> {
    try {
      await this.#client.api.me();
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) this.#sessionGone();
    }
  }
}
