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
