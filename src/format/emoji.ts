/**
 * Emoji: GitHub's shortcodes (`:thumbsup:`, `:+1:`, `:tada:`, which Slack's users type too),
 * from emojibase-data's compact table of them, and what counts as one emoji.
 *
 * Browser-safe: the web UI bundles this file (the table is about 16 kB gzipped).
 */
import shortcodes from 'emojibase-data/en/shortcodes/github.json' with { type: 'json' };

/** A shortcode (without its colons) and the emoji it stands for. */
export interface ShortcodeMatch {
  shortcode: string;
  emoji: string;
}

/** The characters of a shortcode. */
const SHORTCODE_CHARS = '[a-z0-9_+-]';
/** `:name:` not glued to a word or a number before it (so `12:30:45` is no shortcode). */
const SHORTCODE = new RegExp(`(?<![\\p{L}\\p{N}]):(${SHORTCODE_CHARS}+):`, 'gu');
/** Code, where shortcodes stay as written: fenced blocks, then backtick spans. */
const CODE =
  /^ {0,3}(`{3,}|~{3,})[^\n]*(?:\n[\s\S]*?(?:\n {0,3}\1[`~]*[ \t]*(?=\n|$))|[\s\S]*$)|(?<!`)(`+)(?!`)[\s\S]*?(?<!`)\2(?!`)/gm;

const ALL: ShortcodeMatch[] = [];
const BY_SHORTCODE = new Map<string, string>();
const BY_EMOJI = new Map<string, string[]>();
for (const [hexcode, names] of Object.entries(shortcodes)) {
  const emoji = fromHexcode(hexcode);
  const list = typeof names === 'string' ? [names] : names;
  BY_EMOJI.set(emoji, list);
  for (const shortcode of list) {
    ALL.push({ shortcode, emoji });
    BY_SHORTCODE.set(shortcode, emoji);
  }
}
// Shorter names first, so `:thu` offers thumbsup before thunder_cloud_and_rain.
ALL.sort((a, b) => a.shortcode.length - b.shortcode.length || (a.shortcode < b.shortcode ? -1 : 1));

/**
 * The emoji of an emojibase hexcode (`1F44D`, `2764-FE0F-200D-1F525`). emojibase writes
 * sequences without the variation selector U+FE0F after a first code point that is text by
 * default (☀, ❤); the emoji form needs it.
 */
export function fromHexcode(hexcode: string): string {
  const points = hexcode.split('-').map((hex) => parseInt(hex, 16));
  const [first, second] = points;
  const text = String.fromCodePoint(first!);
  if (second !== 0xfe0f && !/^\p{Emoji_Presentation}$/u.test(text)) points.splice(1, 0, 0xfe0f);
  return String.fromCodePoint(...points);
}

/** The emoji a shortcode (without colons, any case) stands for, if it is one. */
export function emojiForShortcode(shortcode: string): string | undefined {
  return BY_SHORTCODE.get(shortcode.toLowerCase());
}

/** The shortcodes (without colons) of an emoji, in the table's order; empty when it has none. */
export function shortcodesOf(emoji: string): readonly string[] {
  return BY_EMOJI.get(emoji) ?? [];
}

/**
 * Up to `limit` shortcodes for what is typed after a `:`: the exact name first, then names that
 * start with it (shortest first), then names with a word (after `_`) that starts with it.
 */
export function searchShortcodes(prefix: string, limit: number): ShortcodeMatch[] {
  const query = prefix.toLowerCase();
  if (!query || limit <= 0) return [];
  const starts: ShortcodeMatch[] = [];
  const words: ShortcodeMatch[] = [];
  for (const entry of ALL) {
    if (entry.shortcode.startsWith(query)) starts.push(entry);
    else if (words.length < limit && entry.shortcode.includes(`_${query}`)) words.push(entry);
    if (starts.length >= limit) break;
  }
  return [...starts, ...words].slice(0, limit);
}

/**
 * Turns every complete, known `:shortcode:` into its emoji, outside code (fenced blocks and
 * backtick spans keep them as written). Unknown names stay as typed.
 */
export function replaceShortcodes(text: string): string {
  let out = '';
  let last = 0;
  for (const code of text.matchAll(CODE)) {
    out += replaceIn(text.slice(last, code.index)) + code[0];
    last = code.index + code[0].length;
  }
  return out + replaceIn(text.slice(last));
}

function replaceIn(text: string): string {
  return text.replace(SHORTCODE, (whole, name: string) => emojiForShortcode(name) ?? whole);
}

/**
 * One emoji as Unicode counts it (RGI: a single emoji, a skin-tone or ZWJ sequence, a flag,
 * a keycap): what a reaction may be. Built at run time: TypeScript's ES2022 target refuses a
 * `v`-flag literal; Node 20 and every current browser have the flag.
 */
const SINGLE_EMOJI = new RegExp('^\\p{RGI_Emoji}$', 'v');

/** Whether `s` is exactly one emoji (no text, no spaces, not two emoji). */
export function isSingleEmoji(s: string): boolean {
  return SINGLE_EMOJI.test(s);
}
