/**
 * Protocol limits both sides must know (browser-safe). Documented in docs/SPEC.md (W9).
 */

/** Most cursors one `hello` or `sync` frame may carry; more is `invalid_request`. */
export const MAX_CURSORS_PER_FRAME = 1_000;
