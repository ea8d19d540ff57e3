/**
 * How message text is cut into search terms (rule Q1), alike on every engine: both engines
 * index the space-joined tokens this returns, never the body itself, so SQLite's FTS5 and
 * PostgreSQL's full-text search match exactly the same messages for the same query.
 *
 * A token is a maximal run of letters and digits (Unicode `L` and `N`), after NFKC
 * normalization, lowercasing and removing combining marks (so `Café` is `cafe`); tokens longer
 * than {@link SEARCH_TOKEN_MAX} code points are cut to it.
 */

/** The longest token kept, in code points; longer runs are cut (both in bodies and in queries). */
export const SEARCH_TOKEN_MAX = 64;

const MARKS = /\p{M}+/gu;
const TOKEN = /[\p{L}\p{N}]+/gu;

/** The search tokens of a text, in the order they appear (duplicates kept). */
export function searchTokens(text: string): string[] {
  const folded = text.normalize('NFKC').toLowerCase().normalize('NFD').replace(MARKS, '');
  const tokens: string[] = [];
  for (const match of folded.matchAll(TOKEN)) {
    const token = match[0];
    tokens.push(
      token.length > SEARCH_TOKEN_MAX ? [...token].slice(0, SEARCH_TOKEN_MAX).join('') : token,
    );
  }
  return tokens;
}

/** What the `messages.search_text` column holds for a body: its tokens joined by single spaces. */
export function searchText(body: string): string {
  return searchTokens(body).join(' ');
}
