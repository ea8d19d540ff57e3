import { useEffect, useState } from 'preact/hooks';
import type { CatalogEmoji, CatalogGroup } from '../../../src/format/emoji-catalog.js';
import { searchShortcodes } from '../../../src/format/emoji.js';

export type { CatalogEmoji, CatalogGroup };

/** The emoji table of the picker, loaded on first use (its own chunk of the bundle). */
export interface Catalog {
  groups: readonly CatalogGroup[];
  /** Emoji whose shortcode, name or tag matches, best first. */
  search(query: string, limit: number): CatalogEmoji[];
  /** The emoji's entry (name, shortcodes), if the table has it. */
  find(emoji: string): CatalogEmoji | undefined;
}

let loading: Promise<Catalog> | undefined;

/** Loads the catalog once per page; a failed load is tried again on the next call. */
export function loadCatalog(): Promise<Catalog> {
  loading ??= import('../../../src/format/emoji-catalog.js').then(
    ({ EMOJI_GROUPS, searchEmoji }) => {
      const byEmoji = new Map<string, CatalogEmoji>();
      for (const group of EMOJI_GROUPS) for (const e of group.emojis) byEmoji.set(e.emoji, e);
      return { groups: EMOJI_GROUPS, search: searchEmoji, find: (emoji) => byEmoji.get(emoji) };
    },
    (err: unknown) => {
      loading = undefined;
      throw err;
    },
  );
  return loading;
}

/** What the picker has while the catalog loads (or if it failed): shortcodes only. */
export const NO_CATALOG: Catalog = {
  groups: [],
  search: (query, limit) =>
    searchShortcodes(query, limit).map(({ shortcode, emoji }) => ({
      emoji,
      label: shortcode.replaceAll('_', ' '),
      shortcodes: [shortcode],
      tags: [],
    })),
  find: () => undefined,
};

/** The catalog in a component: `state` says whether it is there yet. */
export function useCatalog(): { catalog: Catalog; state: 'loading' | 'ready' | 'failed' } {
  const [result, setResult] = useState<{ catalog: Catalog; state: 'loading' | 'ready' | 'failed' }>(
    { catalog: NO_CATALOG, state: 'loading' },
  );
  useEffect(() => {
    let live = true;
    loadCatalog().then(
      (catalog) => live && setResult({ catalog, state: 'ready' }),
      () => live && setResult({ catalog: NO_CATALOG, state: 'failed' }),
    );
    return () => {
      live = false;
    };
  }, []);
  return result;
}
