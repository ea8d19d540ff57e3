import { AppError, isAppError } from '../domain/errors.js';

/**
 * How an error thrown while serving a request (REST, a WebSocket frame, an upgrade) is
 * answered: `expected` for domain errors, which carry their own code; `unavailable` when an
 * engine is down (a warning at most: the client retries); `internal` for anything else, a bug,
 * answered opaquely and logged with context by the caller.
 */
export type ErrorKind = 'expected' | 'unavailable' | 'internal';

/** The answer to an error: what to send, and what kind of failure it was. */
export interface TranslatedError {
  error: AppError;
  kind: ErrorKind;
}

/**
 * The one translation of unknown errors into stable codes (rule H2, STYLE 5), shared by the
 * HTTP app, the WebSocket frames and the upgrade. `isUnavailable` is the store's classifier
 * (connection lost, not primary, read-only, a deadline).
 */
export function translateError(
  err: unknown,
  isUnavailable: (err: unknown) => boolean,
): TranslatedError {
  if (isAppError(err)) return { error: err, kind: 'expected' };
  if (isUnavailable(err))
    return {
      error: new AppError('unavailable', 'the database is unavailable; try again shortly', {
        cause: err,
      }),
      kind: 'unavailable',
    };
  return { error: new AppError('internal', undefined, { cause: err }), kind: 'internal' };
}
