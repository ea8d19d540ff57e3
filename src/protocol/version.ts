/**
 * Current WebSocket protocol version; `hello` must name it. In a module of its own so the
 * client library can use it without bundling the zod schemas into browser pages.
 */
export const PROTOCOL_VERSION = 1;
