/**
 * Codes the client library itself reports (in `ApiError.code`, `warning` events) beside the
 * server's `ErrorCode`s: the call never got a server's answer it could read.
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
} as const;

/** A code of {@link ClientErrorCode}. */
export type ClientErrorCode = (typeof ClientErrorCode)[keyof typeof ClientErrorCode];
