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

/**
 * JSON.parse that also rejects strings holding lone UTF-16 surrogates (`"\ud800"` escapes):
 * they are not Unicode text, and stored as UTF-8 they would not read back as they were sent.
 */
export function parseJson(text: string): unknown {
  return JSON.parse(text, (key, value: unknown) => {
    if (LONE_SURROGATE.test(key) || (typeof value === 'string' && LONE_SURROGATE.test(value)))
      throw new SyntaxError('strings must be valid Unicode (no lone surrogates)');
    return value;
  });
}
