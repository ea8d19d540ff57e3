/**
 * Codes the client library itself reports (in `ApiError.code`, `warning` events) beside the
 * server's `ErrorCode`s: the call never got a server's answer it could read, or never went.
 * Refusals the client makes on the server's behalf (an upload over `maxUploadBytes` or the
 * quota, an empty file) carry the server's own code (`payload_too_large`, `quota_exceeded`,
 * `invalid_request`), so callers handle each case once.
 */
export const ClientErrorCode = {
  /** The node could not be reached (status 0). */
  Unreachable: 'unreachable',
  /** The node answered something that is not JSON. */
  InvalidResponse: 'invalid_response',
  /** An error status without a Parley error body (a proxy's page, say). */
  HttpError: 'http_error',
  /** A WebSocket frame that is not JSON. */
  InvalidFrame: 'invalid_frame',
  /** A file to upload cannot be read (missing, a directory, no permission; Node only). */
  FileUnreadable: 'file_unreadable',
} as const;

/** A code of {@link ClientErrorCode}. */
export type ClientErrorCode = (typeof ClientErrorCode)[keyof typeof ClientErrorCode];
