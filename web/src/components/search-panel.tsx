import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { SearchHitDto, SnippetDto } from '../../../src/protocol/schemas.js';
import { conversationTitle, formatActivity, formatFull } from '../lib/format.js';
import type { ChatStore } from '../state/chat-store.js';
import { Avatar } from './avatar.js';
import { Dialog } from './dialog.js';
import { SearchIcon } from './icons.js';

/** How long typing pauses before the query runs (Enter runs it at once). */
const TYPING_PAUSE_MS = 250;

/**
 * Message search (UI6): the terms, where to look (everywhere, or the conversation it was
 * opened from) and from whom; results newest first with the matching words marked, more on
 * demand; picking one opens its conversation at that message, history loaded around it.
 */
export function SearchPanel(props: {
  store: ChatStore;
  /** The conversation on screen when the panel opened: offered as the "where" filter. */
  conversationId: string | null;
  /** Start with the search limited to that conversation. */
  scoped: boolean;
  onClose: () => void;
}) {
  const { store } = props;
  const view = store.search.view();
  const here = store.conversation(props.conversationId);
  const [q, setQ] = useState(view.query?.q ?? '');
  const [where, setWhere] = useState(props.scoped && here ? here.id : '');
  const [sender, setSender] = useState(view.query?.sender ?? '');
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  const run = (next: { q?: string; where?: string; sender?: string } = {}) => {
    clearTimeout(timer.current);
    void store.search.run({
      q: next.q ?? q,
      conversation: (next.where ?? where) || null,
      sender: (next.sender ?? sender).trim().replace(/^@/, '') || null,
    });
  };
  const later = (next: { q?: string; sender?: string }) => {
    clearTimeout(timer.current);
    timer.current = setTimeout(() => run(next), TYPING_PAUSE_MS);
  };
  useEffect(() => () => clearTimeout(timer.current), []);
  // A panel opened again with other filters than the results are for reads them afresh.
  useEffect(() => {
    if (view.query && (view.query.conversation ?? '') !== where) run();
  }, []);

  const open = (hit: SearchHitDto) => {
    props.onClose();
    void store.jumpTo(hit.message.conversationId, hit.message.seq);
  };

  const asked = view.query;
  return (
    <Dialog title="Search messages" onClose={props.onClose}>
      <form
        class="search-form"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          run();
        }}
      >
        <div class="search-input search-box">
          <SearchIcon size={18} />
          <input
            id="message-search"
            type="search"
            placeholder="Search messages"
            aria-label="Search messages"
            autocomplete="off"
            autoFocus
            maxLength={200}
            value={q}
            onInput={(e) => {
              setQ(e.currentTarget.value);
              later({ q: e.currentTarget.value });
            }}
          />
        </div>
        <div class="search-filters">
          <label>
            <span>In</span>
            <select
              value={where}
              onChange={(e) => {
                setWhere(e.currentTarget.value);
                run({ where: e.currentTarget.value });
              }}
            >
              <option value="">All conversations</option>
              {here && <option value={here.id}>{conversationTitle(here)}</option>}
            </select>
          </label>
          <label>
            <span>From</span>
            <input
              type="text"
              placeholder="Anyone"
              autocomplete="off"
              spellcheck={false}
              value={sender}
              onInput={(e) => {
                setSender(e.currentTarget.value);
                later({ sender: e.currentTarget.value });
              }}
            />
          </label>
        </div>
      </form>
      {view.error && (
        <p class="form-error" role="alert">
          Couldn't search: {view.error}
        </p>
      )}
      {asked && !view.loading && !view.error && view.results.length === 0 && (
        <p class="mention-empty">No messages match “{asked.q.trim()}”.</p>
      )}
      {!asked && (
        <p class="field-hint search-hint">
          Every word must appear, as a word or the start of one (“dep” finds “deploy”). Press{' '}
          <kbd>/</kbd> anywhere to search.
        </p>
      )}
      <ul class="mention-list search-results" aria-label="Search results" aria-busy={view.loading}>
        {view.results.map((hit) => {
          const m = hit.message;
          const c = store.conversation(m.conversationId);
          return (
            <li key={m.id}>
              <button type="button" class="mention-row search-hit" onClick={() => open(hit)}>
                <Avatar name={m.senderName} userId={m.sender} size="sm" />
                <span class="mention-main">
                  <span class="mention-top">
                    <span class="mention-sender">{m.senderName}</span>
                    <span class="mention-where">
                      in {c ? conversationTitle(c) : 'a conversation'}
                    </span>
                    <time
                      class="mention-time"
                      dateTime={new Date(m.createdAt).toISOString()}
                      title={formatFull(m.createdAt)}
                    >
                      {formatActivity(m.createdAt)}
                    </time>
                  </span>
                  <span class="mention-text search-snippet">{snippetParts(hit.snippet)}</span>
                </span>
              </button>
            </li>
          );
        })}
      </ul>
      {view.loading && (
        <p class="history-loading">
          <span class="spinner" aria-hidden="true" /> Searching…
        </p>
      )}
      {view.hasMore && !view.loading && (
        <button
          type="button"
          class="button button-small button-quiet"
          onClick={() => void store.search.more()}
        >
          More results
        </button>
      )}
    </Dialog>
  );
}

/**
 * The snippet as text with its highlights in `<mark>` elements (made one by one, never parsed
 * as HTML, UI2). Ranges out of order, overlapping or outside the text are skipped.
 */
export function snippetParts(snippet: SnippetDto): ComponentChildren[] {
  const { text } = snippet;
  const parts: ComponentChildren[] = [];
  let at = 0;
  for (const [start, end] of snippet.highlights) {
    if (start < at || end <= start || end > text.length) continue;
    if (start > at) parts.push(text.slice(at, start));
    parts.push(<mark key={start}>{text.slice(start, end)}</mark>);
    at = end;
  }
  if (at < text.length) parts.push(text.slice(at));
  return parts;
}
