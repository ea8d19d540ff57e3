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
/** No code unit above U+007F: NFKC and NFD leave such a text as it is and it has no marks. */
const ASCII = /^[^\u0080-\uffff]*$/;
/** The ASCII letters and digits are exactly its `L` and `N` characters (lowercased). */
const ASCII_TOKEN = /[a-z0-9]+/g;

/**
 * The search tokens of a text, in the order they appear (duplicates kept). Every send cuts its
 * body here, and most bodies are ASCII: those skip the two normalizations and the Unicode
 * classes, with the same tokens as {@link unicodeSearchTokens} (a test compares them).
 */
export function searchTokens(text: string): string[] {
  if (!ASCII.test(text)) return unicodeSearchTokens(text);
  const tokens = text.toLowerCase().match(ASCII_TOKEN) ?? [];
  for (let i = 0; i < tokens.length; i++)
    if (tokens[i]!.length > SEARCH_TOKEN_MAX) tokens[i] = tokens[i]!.slice(0, SEARCH_TOKEN_MAX);
  return tokens;
}

/** searchTokens for any text: NFKC, lowercase, marks removed, runs of letters and digits. */
export function unicodeSearchTokens(text: string): string[] {
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
