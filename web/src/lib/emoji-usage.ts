import { isSingleEmoji } from '../../../src/format/emoji.js';

/** How many emoji the picker's "Recent" row shows. */
export const RECENT_COUNT = 8;
/** How many emoji the picker's "Frequent" rows show. */
export const FREQUENT_COUNT = 16;
/** Emoji remembered per user; the least used (then the oldest) are forgotten first. */
const MAX_TRACKED = 64;

/**
 * What fills "Frequent" before the user has picked enough of their own: the reactions chat
 * users reach for most (Slack's and Element's defaults are close to these).
 */
export const DEFAULT_FREQUENT = [
  '👍',
  '❤️',
  '😂',
  '🎉',
  '😮',
  '😢',
  '🙏',
  '👀',
  '🔥',
  '✅',
  '👏',
  '😄',
  '🤔',
  '💯',
  '🚀',
  '👋',
];

/** One emoji's use on this browser: how often and when last (ms since the epoch). */
interface Use {
  count: number;
  last: number;
}

type Usage = Record<string, Use>;

function key(userId: string): string {
  return `parley:emoji-usage:${userId}`;
}

/**
 * The user's emoji use on this browser, from localStorage. Anything unreadable (storage off,
 * another tab's half-written or foreign value) counts as no use yet.
 */
function load(userId: string): Usage {
  let raw: string | null = null;
  try {
    raw = localStorage.getItem(key(userId));
  } catch {
    return {};
  }
  if (!raw) return {};
  try {
    const parsed: unknown = JSON.parse(raw);
    if (typeof parsed !== 'object' || parsed === null) return {};
    const usage: Usage = {};
    for (const [emoji, use] of Object.entries(parsed as Record<string, unknown>)) {
      const { count, last } = (use ?? {}) as Partial<Use>;
      if (isSingleEmoji(emoji) && Number.isFinite(count) && Number.isFinite(last))
        usage[emoji] = { count: count!, last: last! };
    }
    return usage;
  } catch {
    return {};
  }
}

/** Remembers that the user picked `emoji` now (for "Recent" and "Frequent"). */
export function recordEmojiUse(userId: string, emoji: string, now = Date.now()): void {
  if (!isSingleEmoji(emoji)) return;
  const usage = load(userId);
  const use = usage[emoji];
  usage[emoji] = { count: (use?.count ?? 0) + 1, last: now };
  const kept = Object.entries(usage)
    .sort(([, a], [, b]) => b.count - a.count || b.last - a.last)
    .slice(0, MAX_TRACKED);
  try {
    localStorage.setItem(key(userId), JSON.stringify(Object.fromEntries(kept)));
  } catch {
    // Storage full or switched off: the picker just forgets.
  }
}

/** The rows the picker shows above its categories. */
export interface EmojiRows {
  /** Last picked first; empty for a new user. */
  recent: string[];
  /** Most picked first, topped up with {@link DEFAULT_FREQUENT}. */
  frequent: string[];
}

/** The user's recent and frequent emoji on this browser. */
export function emojiRows(userId: string): EmojiRows {
  const entries = Object.entries(load(userId));
  const recent = [...entries]
    .sort(([, a], [, b]) => b.last - a.last)
    .slice(0, RECENT_COUNT)
    .map(([emoji]) => emoji);
  const used = entries
    .sort(([, a], [, b]) => b.count - a.count || b.last - a.last)
    .map(([emoji]) => emoji);
  const frequent = [...new Set([...used, ...DEFAULT_FREQUENT])].slice(0, FREQUENT_COUNT);
  return { recent, frequent };
}
