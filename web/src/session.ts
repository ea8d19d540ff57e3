import { ParleyClient } from '../../src/client/index.js';
import type { Limits } from './state/chat-store.js';

/**
 * A client for this page's node. The session lives in the node's HttpOnly cookie (set by
 * login, sent with every same-origin request and the WebSocket upgrade), so no token is ever
 * held by the page or written to storage.
 */
export function newClient(): ParleyClient {
  return new ParleyClient({ urls: [location.origin], token: null, cookieSession: true });
}

/** The node's limits, written into the page by the node that served it. */
export function readLimits(): Limits {
  const read = (name: string, fallback: number) => {
    const value = Number(document.querySelector(`meta[name="${name}"]`)?.getAttribute('content'));
    return Number.isInteger(value) && value > 0 ? value : fallback;
  };
  return {
    maxMessageChars: read('parley:max-message-chars', 4000),
    maxGroupNameChars: read('parley:max-group-name-chars', 100),
  };
}

/**
 * The login screen's words for a socket the node closed (4004) because an admin suspended the
 * account (rule AD4): the close reason names the suspension; null for other ends.
 */
export function suspendedNotice(closeReason: string): string | null {
  if (!/suspend/i.test(closeReason)) return null;
  const detail = closeReason.replace(/^.*?suspended[.:]?\s*/i, '').trim();
  return `Your account was suspended by an administrator${detail ? `: ${detail}` : '.'}`;
}

/**
 * Whether this browser holds a session on this node, as far as the page knows (UI15): set
 * when it signs in, cleared when the session ends. The cookie itself is HttpOnly, so the page
 * cannot look; without this hint a first visit would ask the node and log a 401. Nothing
 * secret: "1" or nothing (UI3). Storage turned off reads as "maybe" (ask the node).
 */
export const sessionHint = {
  get(): boolean {
    try {
      return localStorage.getItem('parley:session-hint') === '1';
    } catch {
      return true;
    }
  },
  set(present: boolean): void {
    try {
      if (present) localStorage.setItem('parley:session-hint', '1');
      else localStorage.removeItem('parley:session-hint');
    } catch {
      // Storage off: the page asks the node on every visit.
    }
  },
};
