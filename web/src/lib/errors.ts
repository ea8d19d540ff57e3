import { ApiError, ClientErrorCode, ErrorCode } from '../../../src/client/index.js';

/** Friendlier words for the error codes a person is most likely to meet. */
const MESSAGES: Record<string, string> = {
  [ErrorCode.InvalidCredentials]: 'Wrong username or password.',
  [ErrorCode.UsernameTaken]: 'That username is taken. Try another one.',
  [ErrorCode.RateLimited]: 'Too many attempts. Wait a moment and try again.',
  [ClientErrorCode.Unreachable]: "Can't reach the server. Check your connection and try again.",
  [ErrorCode.Unauthorized]: 'Your session has ended. Log in again.',
  [ErrorCode.OriginNotAllowed]: 'This page is not allowed to talk to the server (origin check).',
  [ErrorCode.GroupFull]: 'This group is full.',
  [ErrorCode.MessageTooLong]: 'This message is too long.',
  [ErrorCode.Unavailable]: 'The server is restarting. Try again in a moment.',
  [ErrorCode.Internal]: 'Something went wrong on the server. Try again.',
};

/** A sentence to show for a failed call: ours for common codes, else the server's own message. */
export function describeError(err: unknown): string {
  if (err instanceof ApiError) {
    const known = MESSAGES[err.code];
    if (known) return known;
    const text = err.message.trim();
    return text ? text.charAt(0).toUpperCase() + text.slice(1).replace(/([^.!?])$/, '$1.') : '';
  }
  if (err instanceof Error && err.message) return err.message;
  return 'Something went wrong. Try again.';
}

/** The error's stable code, if it is an API error. */
export function errorCode(err: unknown): string | undefined {
  return err instanceof ApiError ? err.code : undefined;
}
