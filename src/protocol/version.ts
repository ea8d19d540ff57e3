/**
 * WebSocket protocol versions. In a module of its own so the client library can use them
 * without bundling the zod schemas into browser pages.
 *
 * Every `hello` names {@link PROTOCOL_VERSION} in `protocol`, which every node accepts (a node
 * before 0.8 requires exactly 1 and ignores fields it does not know); the versions a client
 * speaks beyond it go in `protocols`, and `ready.protocol` says which one the node chose.
 */
export const PROTOCOL_VERSION = 1;

/**
 * Version 2: a send's `ack` with `delivered: true` is also the sending socket's delivery of
 * the stored message at its place in the timeline, so no `message` frame for it follows on
 * that socket (the user's other sockets still get one).
 */
export const PROTOCOL_ACK_DELIVERS = 2;

/** Every version this build speaks, oldest first; the newest both sides speak is chosen. */
export const PROTOCOL_VERSIONS: readonly number[] = [PROTOCOL_VERSION, PROTOCOL_ACK_DELIVERS];

/**
 * The version a node speaking `supported` chooses for a `hello` naming `protocol` and offering
 * `protocols`: the newest offered one it speaks, or null if none.
 */
export function chooseProtocol(
  protocol: number,
  protocols: readonly number[] | undefined,
  supported: readonly number[] = PROTOCOL_VERSIONS,
): number | null {
  let chosen: number | null = null;
  for (const version of [protocol, ...(protocols ?? [])])
    if (supported.includes(version) && (chosen === null || version > chosen)) chosen = version;
  return chosen;
}
