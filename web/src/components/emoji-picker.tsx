import type { RefObject } from 'preact';
import { useEffect, useId, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import { useCatalog, type Catalog, type CatalogEmoji } from '../lib/emoji-catalog.js';
import { emojiRows, recordEmojiUse } from '../lib/emoji-usage.js';
import { chunk, moveInGrid, type Cell } from '../lib/grid-nav.js';

/** Emoji per row of the grid (the CSS sizes the picker for it). */
const COLUMNS = 8;
/** Search results shown at most. */
const SEARCH_LIMIT = 64;
/** Space kept between the picker and the window's edges, and its anchor. */
const MARGIN = 8;
const GAP = 6;

/** The tab of each category: a typical emoji of it. */
const TAB_ICON: Record<string, string> = {
  'smileys-emotion': '😀',
  'people-body': '👋',
  'animals-nature': '🐻',
  'food-drink': '🍔',
  'travel-places': '✈️',
  activities: '⚽',
  objects: '💡',
  symbols: '❤️',
  flags: '🏁',
};

interface Item {
  emoji: string;
  /** The emoji's name ("thumbs up"), or the emoji itself when the catalog does not know it. */
  label: string;
  shortcode: string | undefined;
}

interface Section {
  id: string;
  title: string;
  items: Item[];
  /** The category the tabs show (a tab panel). */
  category?: boolean;
}

/** The props of {@link EmojiPicker}. */
export interface EmojiPickerProps {
  /** Whose "Recent" and "Frequent" emoji (kept per user in this browser's localStorage). */
  userId: string;
  /** The dialog's accessible name: "Add a reaction", "Insert an emoji". */
  label: string;
  /** What opened the picker: it is placed next to it, and focus returns to it on close. */
  anchor: RefObject<HTMLElement>;
  /**
   * Which edges line up: the anchor's left and the picker's ('start', it opens rightwards) or
   * their right edges ('end'). By default, toward the middle of the window.
   */
  align?: 'start' | 'end';
  /** Emoji shown as already chosen (the user's reactions), pressed toggle buttons. */
  selected?: ReadonlySet<string>;
  /** Called with the emoji picked; the picker then closes (calls `onClose`). */
  onPick: (emoji: string) => void;
  onClose: () => void;
}

/**
 * An emoji picker in a popover next to its anchor: a search box (shortcodes, names, tags), the
 * user's recent and frequent emoji, and the Unicode categories behind tabs. Keyboard: type to
 * search, ↓ into the grid, arrows / Home / End / Page keys move, Enter picks, Escape closes;
 * a click outside closes it too. The grid follows the ARIA grid pattern (one tab stop).
 */
export function EmojiPicker(props: EmojiPickerProps) {
  const { catalog, state } = useCatalog();
  const [usage] = useState(() => emojiRows(props.userId));
  const [query, setQuery] = useState('');
  const [groupKey, setGroupKey] = useState<string | null>(null);
  const [active, setActive] = useState<Cell>({ row: 0, col: 0 });
  const [hovered, setHovered] = useState<Item | null>(null);
  const root = useRef<HTMLDivElement>(null);
  const search = useRef<HTMLInputElement>(null);
  const onClose = useRef(props.onClose);
  onClose.current = props.onClose;
  const id = useId();

  const group = catalog.groups.find((g) => g.key === groupKey) ?? catalog.groups[0];
  const sections = useMemo(
    () => sectionsFor({ catalog, query: query.trim(), group, usage }),
    [catalog, query, group, usage],
  );
  // Every section's rows one after the other: the arrows move across sections.
  const rows = sections.flatMap((s) => chunk(s.items, COLUMNS));
  const activeItem = rows[active.row]?.[active.col];
  const shown = hovered ?? activeItem;

  useLayoutEffect(() => {
    const el = root.current;
    const anchor = props.anchor.current;
    if (!el) return;
    el.showPopover();
    const place = () => placeNear(el, props.anchor.current, props.align);
    place();
    search.current?.focus();
    const outside = (e: PointerEvent) => {
      const target = e.target as Node;
      if (!el.contains(target) && !props.anchor.current?.contains(target)) onClose.current();
    };
    // Placed again when the window or the picker changes size (the categories arrive later).
    const resized = new ResizeObserver(place);
    resized.observe(el);
    window.addEventListener('resize', place);
    // The history scrolling under it: the picker follows its anchor (but not its own list).
    const scrolled = (e: Event) => {
      if (!(e.target instanceof Node && el.contains(e.target))) place();
    };
    document.addEventListener('scroll', scrolled, true);
    document.addEventListener('pointerdown', outside, true);
    return () => {
      resized.disconnect();
      document.removeEventListener('scroll', scrolled, true);
      window.removeEventListener('resize', place);
      document.removeEventListener('pointerdown', outside, true);
      const focused = document.activeElement;
      const focusInside = !focused || focused === document.body || el.contains(focused);
      if (el.matches(':popover-open')) el.hidePopover();
      if (focusInside && anchor?.isConnected) anchor.focus();
    };
  }, []);

  // A new search or category starts again at its first emoji.
  useEffect(() => setActive({ row: 0, col: 0 }), [query, group]);

  const pick = (emoji: string) => {
    recordEmojiUse(props.userId, emoji);
    props.onPick(emoji);
    props.onClose();
  };

  const focusCell = (cell: Cell) =>
    root.current?.querySelector<HTMLElement>(`[data-cell="${cell.row}:${cell.col}"]`)?.focus();

  const onGridKey = (e: KeyboardEvent) => {
    const next = moveInGrid(
      rows.map((r) => r.length),
      active,
      e.key,
      e.ctrlKey || e.metaKey,
    );
    if (next === null) return;
    e.preventDefault();
    if (next === 'above') search.current?.focus();
    else focusCell(next);
  };

  const onSearchKey = (e: KeyboardEvent) => {
    if (e.key === 'ArrowDown' && rows.length > 0) {
      e.preventDefault();
      focusCell(active);
    } else if (e.key === 'Enter' && !e.isComposing) {
      e.preventDefault();
      if (activeItem) pick(activeItem.emoji);
    }
  };

  const onTabKey = (e: KeyboardEvent) => {
    const keys: string[] = catalog.groups.map((g) => g.key);
    const at = group ? keys.indexOf(group.key) : -1;
    const to =
      e.key === 'ArrowRight'
        ? (at + 1) % keys.length
        : e.key === 'ArrowLeft'
          ? (at - 1 + keys.length) % keys.length
          : e.key === 'Home'
            ? 0
            : e.key === 'End'
              ? keys.length - 1
              : -1;
    if (to < 0) return;
    e.preventDefault();
    setGroupKey(keys[to] ?? null);
    root.current?.querySelector<HTMLElement>(`[data-tab="${keys[to]}"]`)?.focus();
  };

  let rowIndex = 0;
  return (
    <div
      ref={root}
      class="emoji-picker"
      role="dialog"
      aria-label={props.label}
      popover="manual"
      onKeyDown={(e) => {
        if (e.key !== 'Escape') return;
        e.preventDefault();
        e.stopPropagation();
        props.onClose();
      }}
    >
      <input
        ref={search}
        class="emoji-search"
        type="search"
        placeholder="Search emoji"
        aria-label="Search emoji"
        autocomplete="off"
        spellcheck={false}
        value={query}
        onInput={(e) => setQuery(e.currentTarget.value)}
        onKeyDown={onSearchKey}
      />
      {!query.trim() && catalog.groups.length > 0 && (
        <div class="emoji-tabs" role="tablist" aria-label="Emoji categories">
          {catalog.groups.map((g) => (
            <button
              key={g.key}
              type="button"
              role="tab"
              class="emoji-tab"
              data-tab={g.key}
              aria-selected={g === group}
              aria-controls={`${id}-${g.key}`}
              aria-label={g.label}
              title={g.label}
              tabIndex={g === group ? 0 : -1}
              onClick={() => setGroupKey(g.key)}
              onKeyDown={onTabKey}
            >
              {TAB_ICON[g.key] ?? g.emojis[0]?.emoji}
            </button>
          ))}
        </div>
      )}
      <div class="emoji-scroll" onKeyDown={onGridKey} onMouseLeave={() => setHovered(null)}>
        {sections.map((s) => {
          const sectionRows = chunk(s.items, COLUMNS);
          const first = rowIndex;
          rowIndex += sectionRows.length;
          return (
            // A div, not a labelled section: Recent and Frequent are no landmarks of the page.
            <div
              key={s.id}
              class="emoji-section"
              id={s.category ? `${id}-${s.id}` : undefined}
              role={s.category ? 'tabpanel' : undefined}
              aria-labelledby={s.category ? `${id}-${s.id}-title` : undefined}
            >
              <h3 class="emoji-section-title" id={`${id}-${s.id}-title`}>
                {s.title}
              </h3>
              {s.items.length === 0 ? (
                <p class="emoji-empty">No emoji match “{query.trim()}”.</p>
              ) : (
                <div role="grid" class="emoji-grid" aria-labelledby={`${id}-${s.id}-title`}>
                  {sectionRows.map((row, r) => (
                    <div role="row" class="emoji-row" key={r}>
                      {row.map((item, col) => {
                        const cell = { row: first + r, col };
                        const isActive = cell.row === active.row && col === active.col;
                        return (
                          <div role="gridcell" key={item.emoji}>
                            <button
                              type="button"
                              class="emoji-cell"
                              data-cell={`${cell.row}:${col}`}
                              tabIndex={isActive ? 0 : -1}
                              aria-label={item.label}
                              aria-pressed={
                                props.selected ? props.selected.has(item.emoji) : undefined
                              }
                              title={item.shortcode ? `:${item.shortcode}:` : item.label}
                              onClick={() => pick(item.emoji)}
                              onFocus={() => setActive(cell)}
                              onMouseEnter={() => setHovered(item)}
                            >
                              {item.emoji}
                            </button>
                          </div>
                        );
                      })}
                    </div>
                  ))}
                </div>
              )}
            </div>
          );
        })}
        {!query.trim() && state !== 'ready' && (
          <p class="emoji-empty">
            {state === 'loading'
              ? 'Loading emoji…'
              : "Couldn't load every emoji. Search by shortcode still works."}
          </p>
        )}
      </div>
      <div class="emoji-preview" aria-hidden="true">
        {shown ? (
          <>
            <span class="emoji-preview-glyph">{shown.emoji}</span>
            <span class="emoji-preview-name">{shown.label}</span>
            {shown.shortcode && <code class="emoji-preview-code">:{shown.shortcode}:</code>}
          </>
        ) : (
          <span class="emoji-preview-name">Pick an emoji</span>
        )}
      </div>
    </div>
  );
}

/** The sections to show: search results, or recent, frequent and the chosen category. */
function sectionsFor(args: {
  catalog: Catalog;
  query: string;
  group: { key: string; label: string; emojis: readonly CatalogEmoji[] } | undefined;
  usage: { recent: string[]; frequent: string[] };
}): Section[] {
  const { catalog, query, group, usage } = args;
  const item = (emoji: string, entry = catalog.find(emoji)): Item => ({
    emoji,
    label: entry?.label ?? emoji,
    shortcode: entry?.shortcodes[0],
  });
  if (query) {
    const found = catalog.search(query, SEARCH_LIMIT);
    return [{ id: 'results', title: 'Search results', items: found.map((e) => item(e.emoji, e)) }];
  }
  const sections: Section[] = [];
  if (usage.recent.length > 0)
    sections.push({ id: 'recent', title: 'Recent', items: usage.recent.map((e) => item(e)) });
  sections.push({ id: 'frequent', title: 'Frequent', items: usage.frequent.map((e) => item(e)) });
  if (group) {
    sections.push({
      id: group.key,
      title: group.label,
      items: group.emojis.map((e) => item(e.emoji, e)),
      category: true,
    });
  }
  return sections;
}

/** Puts the picker under its anchor (above when there is no room), inside the window. */
function placeNear(el: HTMLElement, anchor: HTMLElement | null, align?: 'start' | 'end'): void {
  if (!anchor) return;
  const a = anchor.getBoundingClientRect();
  const width = el.offsetWidth;
  const height = el.offsetHeight;
  const below = a.bottom + GAP;
  const above = a.top - GAP - height;
  const fitsBelow = below + height <= window.innerHeight - MARGIN;
  const top =
    fitsBelow || above < MARGIN ? Math.min(below, window.innerHeight - MARGIN - height) : above;
  // Unless told, toward the middle of the window: from an anchor on the left, rightwards.
  const rightwards = align ? align === 'start' : a.left + a.width / 2 < window.innerWidth / 2;
  const start = rightwards ? a.left : a.right - width;
  const left = Math.min(start, window.innerWidth - MARGIN - width);
  // Positions set through the CSSOM (the CSP forbids style attributes, not this).
  el.style.top = `${Math.max(MARGIN, top)}px`;
  el.style.left = `${Math.max(MARGIN, left)}px`;
}
