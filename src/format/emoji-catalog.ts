/**
 * The emoji picker's catalog: emojibase-data's compact English table in Unicode's order, by
 * group, each emoji with its name, search tags and GitHub shortcodes. Skin-tone variants and
 * the "component" group (skin tones, hair styles alone) are left out. Its own module, not
 * emoji.ts, so that a web page loads the table (about 90 kB gzipped) only when a picker opens.
 */
import compact from 'emojibase-data/en/compact.json' with { type: 'json' };
import { fromHexcode, shortcodesOf } from './emoji.js';

/** One emoji of the picker. */
export interface CatalogEmoji {
  emoji: string;
  /** CLDR name: "thumbs up". */
  label: string;
  /** GitHub shortcodes without colons (may be empty). */
  shortcodes: string[];
  /** CLDR search tags, lowercase. */
  tags: string[];
}

/** A group of the picker, in Unicode's order. */
export interface CatalogGroup {
  key: GroupKey;
  /** "Smileys & emotion". */
  label: string;
  emojis: CatalogEmoji[];
}

/** The key of a picker group (emojibase's group names). */
export type GroupKey =
  | 'smileys-emotion'
  | 'people-body'
  | 'animals-nature'
  | 'food-drink'
  | 'travel-places'
  | 'activities'
  | 'objects'
  | 'symbols'
  | 'flags';

/** emojibase's group numbers (meta/groups.json) of the picker, without 2 (component). */
const GROUPS: Record<number, { key: GroupKey; label: string }> = {
  0: { key: 'smileys-emotion', label: 'Smileys & emotion' },
  1: { key: 'people-body', label: 'People & body' },
  3: { key: 'animals-nature', label: 'Animals & nature' },
  4: { key: 'food-drink', label: 'Food & drink' },
  5: { key: 'travel-places', label: 'Travel & places' },
  6: { key: 'activities', label: 'Activities' },
  7: { key: 'objects', label: 'Objects' },
  8: { key: 'symbols', label: 'Symbols' },
  9: { key: 'flags', label: 'Flags' },
};

function buildGroups(): CatalogGroup[] {
  const byGroup = new Map<number, { order: number; entry: CatalogEmoji }[]>();
  for (const e of compact) {
    if (e.group === undefined || !(e.group in GROUPS)) continue;
    const emoji = fromHexcode(e.hexcode);
    const list = byGroup.get(e.group) ?? [];
    list.push({
      order: e.order ?? Number.MAX_SAFE_INTEGER,
      entry: {
        emoji,
        label: e.label,
        shortcodes: [...shortcodesOf(emoji)],
        tags: (e.tags ?? []).map((t) => t.toLowerCase()),
      },
    });
    byGroup.set(e.group, list);
  }
  return Object.entries(GROUPS).map(([group, { key, label }]) => ({
    key,
    label,
    emojis: (byGroup.get(Number(group)) ?? [])
      .sort((a, b) => a.order - b.order)
      .map((x) => x.entry),
  }));
}

/** The picker's groups, in Unicode's order, each emoji in Unicode's order within its group. */
export const EMOJI_GROUPS: readonly CatalogGroup[] = buildGroups();

const ALL: readonly CatalogEmoji[] = EMOJI_GROUPS.flatMap((g) => g.emojis);

/**
 * Up to `limit` emoji whose shortcode, name or tag matches `query` (case-insensitive): exact
 * shortcode first, then shortcodes or names starting with it, then a word of a shortcode or
 * name, or a tag, starting with it; each tier in Unicode's order.
 */
export function searchEmoji(query: string, limit: number): CatalogEmoji[] {
  const q = query.trim().toLowerCase().replace(/^:|:$/g, '');
  if (!q || limit <= 0) return [];
  const tiers: CatalogEmoji[][] = [[], [], []];
  for (const e of ALL) {
    const label = e.label.toLowerCase();
    if (e.shortcodes.includes(q)) tiers[0]!.push(e);
    else if (label.startsWith(q) || e.shortcodes.some((s) => s.startsWith(q))) tiers[1]!.push(e);
    else if (
      [...e.shortcodes.flatMap((s) => s.split('_')), ...label.split(/[\s:,-]+/), ...e.tags].some(
        (w) => w.startsWith(q),
      )
    )
      tiers[2]!.push(e);
  }
  return tiers.flat().slice(0, limit);
}
