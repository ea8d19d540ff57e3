import {
  ApiError,
  ClientErrorCode,
  type ConnectionState,
  type ParleyClient,
} from '../../../src/client/index.js';

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
  /**
   * The page's own node (its origin) does not answer at all, not even over REST (UI17): it is
   * down or unreachable. The client keeps retrying; cleared once it answers again.
   */
  originDown = false;
  /** The cluster's other nodes, as the node listed them while it was up (for the banner). */
  otherNodes: string[] = [];
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
    // The node ended the session itself (logout, revocation): nothing left to ask it.
    options.client.on('session.ended', () => {
      this.#stopped = true;
    });
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
      if (!this.everOnline) void this.#learnNodes();
      this.everOnline = true;
      this.originDown = false;
      this.#online();
    }
    // A refused upgrade (expired session) looks like a network error to a browser: ask.
    // Asked a moment later: a socket the node closed for good reports `session.ended` right
    // after this state, and then there is nothing to ask (the question would log a 401).
    if (state === 'offline')
      queueMicrotask(() => {
        if (!this.browserOffline && !this.#stopped) void this.#checkSession();
      });
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

  /** "Try again": one attempt now instead of at the end of the current backoff delay. */
  retryNow(): void {
    if (this.#stopped || this.browserOffline) return;
    this.#client.close();
    this.#client.connect();
  }

  /** Asks the node over REST: a 401 ends the session; no answer at all means it is down. */
  async #checkSession(): Promise<void> {
    let down = false;
    try {
      await this.#client.api.me();
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) this.#sessionGone();
      down = err instanceof ApiError && err.code === ClientErrorCode.Unreachable;
    }
    if (this.#stopped || this.state === 'online' || down === this.originDown) return;
    this.originDown = down;
    this.#changed();
  }

  async #learnNodes(): Promise<void> {
    try {
      const { nodes } = await this.#client.api.request<{ nodes: Array<{ url: string }> }>(
        'GET',
        '/api/v1/cluster',
      );
      const here = location.origin;
      this.otherNodes = nodes
        .map((n) => n.url.replace(/\/+$/, ''))
        .filter((url) => url !== here && /^https?:\/\//.test(url));
    } catch {
      // Only the banner's list of other nodes: nothing to do without it.
    }
  }
}
