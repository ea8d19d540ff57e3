/**
 * Protocol limits both sides must know (browser-safe). Documented in docs/SPEC.md (W9).
 */

/** Most cursors one `hello` or `sync` frame may carry; more is `invalid_request`. */
export const MAX_CURSORS_PER_FRAME = 1_000;

/** The services' limits a client checks before it asks (rules F1, F3, Q2), from domain/limits.ts. */
export {
  FILE_NAME_MAX,
  MAX_ATTACHMENTS_PER_MESSAGE,
  SEARCH_PAGE_MAX,
  SEARCH_QUERY_MAX,
} from '../domain/limits.js';
