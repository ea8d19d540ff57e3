import type { WebSocketFactory } from './transport.js';

/** Options of `ParleyClient`. */
export interface ClientOptions {
  /** One or more node base URLs (http://host:port); the client fails over between them. */
  urls: string[];
  token?: string | null;
  /** WebSocket constructor; defaults to the global one (browsers, Node 22+). */
  webSocket?: WebSocketFactory;
  fetch?: typeof fetch;
  /** Reconnect delays; `random` also picks the node to move to and spreads the refresh after. */
  backoff?: { baseMs?: number; maxMs?: number; random?: () => number };
  /** Positions the application already holds (e.g. restored from disk). */
  cursors?: Record<string, number>;
  /** How long to wait for `ready` before giving up on a node. */
  connectTimeoutMs?: number;
  /**
   * Liveness of a ready socket: after this long without a frame the client sends `ping`, and
   * gives the socket up (and connects again) when the ping stays unanswered as long (a node
   * that vanished without closing its connections, a partition). Default 10 s.
   */
  heartbeatMs?: number;
  /** Delay before re-sending a send refused with a retryable code. */
  retryDelayMs?: number;
  /** Browser pages: the HttpOnly session cookie authenticates REST and the WebSocket upgrade. */
  cookieSession?: boolean;
  /**
   * Learn the cluster's other nodes after connecting, for failover (default true). Cookie
   * sessions default to false: the cookie and the Origin check bind a page to its own origin.
   */
  discover?: boolean;
  /**
   * The protocol versions to offer in `hello` (default: every version this library speaks).
   * `[1]` makes the client speak protocol 1 (tools and tests that exercise old clients).
   */
  protocols?: readonly number[];
}
