import { SEARCH_TOKEN_MAX } from '../domain/search.js';
import { plainText } from './markdown.js';

/** About how long a snippet is, in UTF-16 code units, before its ellipses (rule Q4). */
export const SNIPPET_CHARS = 160;

/** How much of the window goes before the first match, at most. */
const LEAD_CHARS = 50;

const ELLIPSIS = '…';
const MARKS = /\p{M}+/gu;
const TOKEN_CHAR = /[\p{L}\p{N}]/u;
/** A code point and the combining marks after it: the unit offsets map back at. */
const UNIT = /\P{M}\p{M}*|\p{M}+/gu;

/** A piece of a message's text with the ranges to highlight, `[start, end)` UTF-16 offsets in it. */
export interface SnippetText {
  text: string;
  highlights: Array<[number, number]>;
}

/** A token of the text as search would cut it, with where it came from in the text. */
interface SourceToken {
  /** The folded token (at most SEARCH_TOKEN_MAX code points). */
  folded: string[];
  /** For each folded code point, the offset in the text just after the unit it came from. */
  ends: number[];
  start: number;
}

/**
 * The snippet of a message a search found (rule Q4): its plain text (markup removed, runs of
 * whitespace as one space), cut to about {@link SNIPPET_CHARS} around the first token a query
 * term is a prefix of, at spaces, with `…` where cut; each match in it highlighted, from the
 * token's start to the end of the part the term matched. Tokens are cut as domain/search.ts
 * cuts them (NFKC, lowercase, no combining marks), one code point and its marks at a time, so
 * every highlight falls on the original text however normalization changed its length.
 */
export function snippetOf(body: string, prefixes: readonly string[]): SnippetText {
  const text = plainText(body).replace(/\s+/gu, ' ').trim();
  const wanted = prefixes.map((p) => [...sigma(p)]);
  const matches: Array<[number, number]> = [];
  for (const token of sourceTokens(text)) {
    let best = 0;
    for (const prefix of wanted) {
      if (prefix.length > best && startsWith(token.folded, prefix)) best = prefix.length;
    }
    if (best > 0) matches.push([token.start, token.ends[best - 1]!]);
  }
  const [start, end] = windowOf(text, matches[0]);
  const lead = start > 0 ? ELLIPSIS : '';
  const trail = end < text.length ? ELLIPSIS : '';
  const shift = lead.length - start;
  const highlights: Array<[number, number]> = [];
  for (const [s, e] of matches) {
    if (s >= start && e <= end) highlights.push([s + shift, e + shift]);
  }
  return { text: lead + text.slice(start, end) + trail, highlights };
}

/** The text's search tokens, each with its source offsets. */
function sourceTokens(text: string): SourceToken[] {
  const tokens: SourceToken[] = [];
  let current: SourceToken | null = null;
  for (const match of text.matchAll(UNIT)) {
    const unit = match[0];
    const at = match.index;
    const end = at + unit.length;
    const folded = sigma(unit.normalize('NFKC').toLowerCase().normalize('NFD').replace(MARKS, ''));
    for (const c of folded) {
      if (!TOKEN_CHAR.test(c)) {
        current = null;
        continue;
      }
      if (!current) {
        current = { folded: [], ends: [], start: at };
        tokens.push(current);
      }
      if (current.folded.length < SEARCH_TOKEN_MAX) {
        current.folded.push(c);
        current.ends.push(end);
      }
    }
  }
  return tokens;
}

/**
 * The `[start, end)` of the window: the whole text when it is short; else about SNIPPET_CHARS
 * starting a little before the match (or at the text's start), moved to spaces where one is near.
 */
function windowOf(text: string, match: [number, number] | undefined): [number, number] {
  if (text.length <= SNIPPET_CHARS) return [0, text.length];
  const [ms, me] = match ?? [0, 0];
  let start = Math.max(0, Math.min(ms - LEAD_CHARS, text.length - SNIPPET_CHARS));
  if (start > 0) {
    // After the space nearest the cut, not past the match.
    const space = text.indexOf(' ', start - 1);
    start = space >= 0 && space < ms ? space + 1 : ms;
  }
  let end = Math.min(text.length, Math.max(start + SNIPPET_CHARS, me));
  if (end < text.length) {
    const space = text.lastIndexOf(' ', end);
    if (space > Math.max(me, start)) end = space;
    else if (isLowSurrogate(text.charCodeAt(end))) end -= 1;
  }
  return [start, end];
}

function isLowSurrogate(unit: number): boolean {
  return unit >= 0xdc00 && unit <= 0xdfff;
}

function startsWith(token: readonly string[], prefix: readonly string[]): boolean {
  if (prefix.length > token.length) return false;
  return prefix.every((c, i) => token[i] === c);
}

/**
 * Final sigma as sigma: lowercasing a whole text (the index) makes a word-final `Σ` `ς`, one
 * code point alone makes it `σ`; matching here must not depend on which.
 */
function sigma(s: string): string {
  return s.replaceAll('ς', 'σ');
}
