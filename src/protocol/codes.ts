/**
 * The wire's stable codes by name: `error.code` of REST error bodies and `error` frames, and
 * the WebSocket close codes (docs/protocol.md, "Errors" and "Close codes"). Zod-free, so
 * browser bundles import it without the schemas. The server's table (domain/errors.ts) is
 * tied to these at compile time (gateway/dto-types.ts).
 */

/** Error codes the server answers with. */
export const ErrorCode = {
  InvalidRequest: 'invalid_request',
  InvalidJson: 'invalid_json',
  MessageTooLong: 'message_too_long',
  PayloadTooLarge: 'payload_too_large',
  UnsupportedMediaType: 'unsupported_media_type',
  RequestTimeout: 'request_timeout',
  HeadersTooLarge: 'headers_too_large',
  Unauthorized: 'unauthorized',
  InvalidCredentials: 'invalid_credentials',
  Forbidden: 'forbidden',
  OriginNotAllowed: 'origin_not_allowed',
  NotFound: 'not_found',
  MethodNotAllowed: 'method_not_allowed',
  UsernameTaken: 'username_taken',
  Conflict: 'conflict',
  GroupFull: 'group_full',
  TooManyReactions: 'too_many_reactions',
  /** An upload would take the user past their storage quota (rule F1). */
  QuotaExceeded: 'quota_exceeded',
  /** Registration is closed, or needs an invite this request did not carry (issue 16). */
  RegistrationClosed: 'registration_closed',
  InviteInvalid: 'invite_invalid',
  ResetInvalid: 'reset_invalid',
  /** Login or a request of a suspended account. */
  AccountSuspended: 'account_suspended',
  /** A send by a member a moderator muted; details `{mutedUntil}`. */
  MemberMuted: 'member_muted',
  RateLimited: 'rate_limited',
  UnsupportedProtocol: 'unsupported_protocol',
  UnknownFrame: 'unknown_frame',
  Unavailable: 'unavailable',
  Internal: 'internal',
} as const;

/** An error code the server answers with. */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** WebSocket close codes: the standard ones the node uses, and Parley's own 4xxx. */
export const CloseCode = {
  Normal: 1000,
  /** The node is shutting down, or a catch-up failed: reconnect and resync. */
  GoingAway: 1001,
  UnsupportedData: 1003,
  InvalidPayload: 1007,
  PolicyViolation: 1008,
  TooBig: 1009,
  InternalError: 1011,
  TryAgainLater: 1013,
  /** A client gave the socket up (no answer from the node); sent by clients, never the node. */
  ClientGaveUp: 4000,
  /** `hello` without a valid token: log in again. */
  Unauthorized: 4001,
  /** Unsupported protocol version: upgrade the client. */
  UnsupportedProtocol: 4002,
  Forbidden: 4003,
  /** This session logged out or the account was deleted: stop, log in again. */
  SessionRevoked: 4004,
  /** No successful `hello` within 10 s: reconnect and say `hello` at once. */
  HelloTimeout: 4008,
  /** More than 8 MiB waiting to be sent: reconnect and resync from cursors. */
  SlowConsumer: 4013,
  RateLimited: 4029,
} as const;

/** A WebSocket close code of {@link CloseCode}. */
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

/** Close codes after which reconnecting cannot help (the session or the client must change). */
export const FINAL_CLOSE_CODES: ReadonlySet<number> = new Set<CloseCode>([
  CloseCode.Unauthorized,
  CloseCode.UnsupportedProtocol,
  CloseCode.SessionRevoked,
]);
