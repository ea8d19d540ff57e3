/**
 * A REST call the server refused, with its stable error code (`not_found`, `forbidden`, …) and
 * the error's `details` if it had any (`max` of `payload_too_large`, `quota`/`used` of
 * `quota_exceeded`). The client's own refusals before a request (an oversize upload) use the
 * code the server would have answered.
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
  }
}
