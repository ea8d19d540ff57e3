/**
 * What a composer can complete at its caret: an emoji shortcode after `:` or a member after
 * `@`. Pure functions on the text and the caret, shared by the web composer and the terminal.
 */
import { searchShortcodes, type ShortcodeMatch } from './emoji.js';

/** The word being completed: `text.slice(start, end)` is the trigger and `query`. */
export interface CompletionToken {
  kind: 'emoji' | 'mention';
  /** What follows the trigger, up to the caret (without the `:` or `@`). */
  query: string;
  /** Where the trigger (`:` or `@`) is. */
  start: number;
  /** The end of the word: the caret, or past name characters right after it. */
  end: number;
}

/** A shortcode is offered from its second character on (`:D` and `12:30` open nothing). */
const MIN_EMOJI_QUERY = 2;
const WORD_CHAR = /[a-z0-9_.+-]/i;
/** A trigger counts after the start, a space or punctuation: not glued to a word. */
const GLUED = /[\p{L}\p{N}_.@:-]/u;

/** The shortcode or mention being typed where the caret is, if any. */
export function completionAt(text: string, caret: number): CompletionToken | null {
  let start = caret;
  while (start > 0 && WORD_CHAR.test(text[start - 1]!)) start--;
  const trigger = text[start - 1];
  if (trigger !== ':' && trigger !== '@') return null;
  const before = text[start - 2];
  if (before !== undefined && GLUED.test(before)) return null;
  let end = caret;
  while (end < text.length && WORD_CHAR.test(text[end]!)) end++;
  const query = text.slice(start, caret);
  if (trigger === ':') {
    if (query.length < MIN_EMOJI_QUERY || !/^[a-z0-9_+-]+$/i.test(query)) return null;
    return { kind: 'emoji', query, start: start - 1, end };
  }
  if (!/^[a-z0-9_.-]*$/i.test(query)) return null;
  return { kind: 'mention', query, start: start - 1, end };
}

/** Shortcodes for an emoji token. */
export function emojiCompletions(token: CompletionToken, limit: number): ShortcodeMatch[] {
  return token.kind === 'emoji' ? searchShortcodes(token.query, limit) : [];
}

/**
 * Up to `limit` usernames for a mention token: names that start with the query first, then
 * names that contain it, each in the members' order; `all` too when `allowAll` (a group where
 * the sender may notify everyone).
 */
export function mentionCompletions(
  token: CompletionToken,
  members: readonly { username: string }[],
  options: { allowAll?: boolean | undefined; limit: number },
): string[] {
  if (token.kind !== 'mention') return [];
  const query = token.query.toLowerCase();
  const names = members.map((m) => m.username.toLowerCase());
  if (options.allowAll && !names.includes('all')) names.push('all');
  const starts = names.filter((name) => name.startsWith(query));
  const contains = names.filter((name) => !name.startsWith(query) && name.includes(query));
  return [...new Set([...starts, ...contains])].slice(0, options.limit);
}

/**
 * The text with the token replaced by `insert` (an emoji, or `@name`) and a space after it
 * unless one follows already; `caret` is where typing goes on, past that space.
 */
export function applyCompletion(
  text: string,
  token: CompletionToken,
  insert: string,
): { text: string; caret: number } {
  const rest = text.slice(token.end);
  const head = text.slice(0, token.start) + insert;
  if (/^\s/.test(rest)) return { text: head + rest, caret: head.length + 1 };
  return { text: `${head} ${rest}`, caret: head.length + 1 };
}
