import type { z } from 'zod';

/** Turns zod issues into a readable one-line message (shared by the HTTP and WS edges). */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) =>
      issue.path.length ? `${issue.path.join('.')}: ${issue.message}` : issue.message,
    )
    .join('; ');
}

const LONE_SURROGATE = /\p{Cs}/u;
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;

/**
 * A JSON text that parses but holds a lone UTF-16 surrogate (a `"\ud800"` escape): well-formed
 * JSON, so the answer is `invalid_request` (rule S6), not `invalid_json`.
 */
export class LoneSurrogateError extends Error {
  override readonly name = 'LoneSurrogateError';
  constructor() {
    super('strings must be valid Unicode: no lone surrogates (rule S6)');
  }
}

/**
 * JSON.parse that also rejects strings and keys holding lone UTF-16 surrogates with a
 * {@link LoneSurrogateError}: they are not Unicode text, and stored as UTF-8 they would not read
 * back as they were sent. Checked here once for every field, including those no schema
 * refines (passwords, tokens).
 */
export function parseJson(text: string): unknown {
  // A surrogate can only reach a parsed string through the text itself or a `\uD8xx`-style
  // escape; without either, the reviver (several times slower on large frames) is not needed.
  if (!SURROGATE_ESCAPE.test(text) && !LONE_SURROGATE.test(text)) return JSON.parse(text);
  return JSON.parse(text, (key, value: unknown) => {
    if (LONE_SURROGATE.test(key) || (typeof value === 'string' && LONE_SURROGATE.test(value)))
      throw new LoneSurrogateError();
    return value;
  });
}
