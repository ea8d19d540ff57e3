import { ApiError } from '../../../src/client/rest.js';

/** Friendlier words for the error codes a person is most likely to meet. */
const MESSAGES: Record<string, string> = {
  invalid_credentials: 'Wrong username or password.',
  username_taken: 'That username is taken. Try another one.',
  rate_limited: 'Too many attempts. Wait a moment and try again.',
  unreachable: "Can't reach the server. Check your connection and try again.",
  unauthorized: 'Your session has ended. Log in again.',
  origin_not_allowed: 'This page is not allowed to talk to the server (origin check).',
  group_full: 'This group is full.',
  message_too_long: 'This message is too long.',
  unavailable: 'The server is restarting. Try again in a moment.',
  internal: 'Something went wrong on the server. Try again.',
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
