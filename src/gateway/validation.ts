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
