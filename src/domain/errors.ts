/** Stable machine-readable error codes; the single table below maps them to transports. */
export const ERROR_CODES = {
  invalid_request: { http: 400, ws: 1008, message: 'The request is invalid.' },
  invalid_json: { http: 400, ws: 1007, message: 'The body is not valid JSON.' },
  message_too_long: { http: 400, ws: 1008, message: 'The message is too long.' },
  payload_too_large: { http: 413, ws: 1009, message: 'The payload is too large.' },
  unsupported_media_type: {
    http: 415,
    ws: 1003,
    message: 'Request bodies must be JSON (Content-Type: application/json).',
  },
  request_timeout: { http: 408, ws: 1008, message: 'The request took too long to arrive.' },
  headers_too_large: { http: 431, ws: 1008, message: 'The request headers are too large.' },
  unauthorized: { http: 401, ws: 4001, message: 'Authentication is required.' },
  invalid_credentials: { http: 401, ws: 4001, message: 'Wrong username or password.' },
  forbidden: { http: 403, ws: 4003, message: 'You are not allowed to do that.' },
  origin_not_allowed: { http: 403, ws: 4003, message: 'The request origin is not allowed.' },
  not_found: { http: 404, ws: 1008, message: 'Not found.' },
  method_not_allowed: { http: 405, ws: 1008, message: 'Method not allowed.' },
  username_taken: { http: 409, ws: 1008, message: 'That username is taken.' },
  conflict: { http: 409, ws: 1008, message: 'The request conflicts with the current state.' },
  group_full: { http: 409, ws: 1008, message: 'The group has reached its member limit.' },
  too_many_reactions: {
    http: 400,
    ws: 1008,
    message: 'The message has as many different reactions as it may have.',
  },
  quota_exceeded: {
    http: 413,
    ws: 1008,
    message: 'That would take you past your storage quota.',
  },
  registration_closed: {
    http: 403,
    ws: 4003,
    message: 'Registration is closed on this server, or needs an invite.',
  },
  invite_invalid: {
    http: 403,
    ws: 4003,
    message: 'The invite is unknown, used up, revoked or expired.',
  },
  reset_invalid: {
    http: 400,
    ws: 1008,
    message: 'The password reset link is unknown, used or expired.',
  },
  account_suspended: { http: 403, ws: 4004, message: 'This account is suspended.' },
  member_muted: {
    http: 403,
    ws: 4003,
    message: 'A moderator muted you in this conversation for now.',
  },
  rate_limited: { http: 429, ws: 4029, message: 'Too many requests; slow down.' },
  unsupported_protocol: { http: 400, ws: 4002, message: 'Unsupported protocol version.' },
  unknown_frame: { http: 400, ws: 1008, message: 'Unknown frame type.' },
  unavailable: { http: 503, ws: 1013, message: 'The service is temporarily unavailable.' },
  internal: { http: 500, ws: 1011, message: 'Internal error.' },
} as const satisfies Record<string, { http: number; ws: number; message: string }>;

/** A stable error code from {@link ERROR_CODES}. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** WebSocket close codes the node uses besides the per-error ones. */
export const CLOSE_CODES = {
  normal: 1000,
  goingAway: 1001,
  policy: 1008,
  tooBig: 1009,
  unauthorized: 4001,
  unsupportedProtocol: 4002,
  sessionRevoked: 4004,
  helloTimeout: 4008,
  rateLimited: 4029,
  slowConsumer: 4013,
} as const;

/** A domain error with a stable code; the gateways translate it, never its message text. */
export class AppError extends Error {
  override readonly name = 'AppError';
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(
    code: ErrorCode,
    message?: string,
    options?: { cause?: unknown; details?: Record<string, unknown> },
  ) {
    super(message ?? ERROR_CODES[code].message, { cause: options?.cause });
    this.code = code;
    this.details = options?.details;
  }

  /** The HTTP status of this error's code. */
  get status(): number {
    return ERROR_CODES[this.code].http;
  }
}

/** True if `err` is an {@link AppError} (optionally with the given code). */
export function isAppError(err: unknown, code?: ErrorCode): err is AppError {
  return err instanceof AppError && (code === undefined || err.code === code);
}
