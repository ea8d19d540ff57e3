import { AppError } from './errors.js';

/**
 * The input alphabet (rule S6), shared by the edge schemas and the store so that every engine
 * accepts and refuses the same strings. Pure (no Node API): the web page bundles it too.
 *
 * No string anywhere may hold a lone UTF-16 surrogate (it is not Unicode text and has no UTF-8
 * encoding, so PostgreSQL cannot store it and SQLite would store something else) or a
 * noncharacter (U+FDD0–U+FDEF, U+xFFFE and U+xFFFF of every plane: reserved for a program's
 * internal use, never for interchange).
 */
const NEVER = /\p{Cs}|\p{Noncharacter_Code_Point}/u;
/** Any control character (C0, DEL, C1): names and ids are one line of visible text. */
const CONTROL = /\p{Cc}/u;
/**
 * C0 controls other than tab, line feed and carriage return: NUL among them, which PostgreSQL
 * text cannot store. A message body may span lines and be indented.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const BODY_CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F]/;

/** The two alphabets of rule S6. */
export type Alphabet = 'line' | 'body';

/**
 * True if `value` belongs to the alphabet: `line` for names, usernames, ids, clientMsgIds and
 * search patterns; `body` for message bodies. Emoji, combining marks and bidirectional
 * controls (U+202E …) are text and belong to both.
 */
export function inAlphabet(value: string, alphabet: Alphabet): boolean {
  if (NEVER.test(value)) return false;
  return !(alphabet === 'line' ? CONTROL : BODY_CONTROL).test(value);
}

/** Why a string is refused, for error messages (the same sentence at every layer). */
export function alphabetMessage(alphabet: Alphabet): string {
  return alphabet === 'line'
    ? 'must not contain control characters, lone surrogates or noncharacters (rule S6)'
    : 'must not contain control characters other than tab and newlines, lone surrogates or noncharacters (rule S6)';
}

/**
 * Throws `invalid_request` unless every given string belongs to the alphabet. The store calls
 * it before any statement, so a caller that skipped the edge still gets the same typed answer
 * from every engine instead of an engine error (and never a failed statement in a batch).
 */
export function requireAlphabet(
  alphabet: Alphabet,
  fields: Record<string, string | null | undefined>,
): void {
  for (const [field, value] of Object.entries(fields)) {
    if (typeof value === 'string' && !inAlphabet(value, alphabet))
      throw new AppError('invalid_request', `${field} ${alphabetMessage(alphabet)}`);
  }
}
