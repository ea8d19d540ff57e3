import { useEffect, useLayoutEffect, useRef, useState, type MutableRef } from 'preact/hooks';
import type { ConversationDto, MessageDto } from '../../../src/protocol/schemas.js';
import { describeError } from '../lib/errors.js';
import { conversationTitle } from '../lib/format.js';
import type { ChatStore } from '../state/chat-store.js';
import { ConfirmDialog } from './dialog.js';
import { ArrowDownIcon } from './icons.js';
import { renderRows } from './message-rows.js';
import { seenTarget, useReaders } from './seen-by.js';

/** Distance from the end, in pixels, that still counts as "at the end". */
const END_SLACK = 48;
/** Within this many pixels of the top, older messages load (as the sentinel's root margin). */
const TOP_SLACK = 400;
/** How long a message jumped to stays highlighted. */
const HIGHLIGHT_MS = 2000;

/**
 * The history of a conversation: older pages load as the top comes into view (infinite
 * scroll, with the reading position kept), new messages follow at the end while the reader is
 * there, day separators and a "new" line mark where the reader left off, system lines sit among
 * the messages; a jump to a message (a reply's quote, the mention list) scrolls to it and
 * highlights it briefly.
 */
export function MessageList(props: {
  store: ChatStore;
  conversation: ConversationDto;
  stickToEnd: MutableRef<boolean>;
  editLastRequest: number;
}) {
  const { store, conversation: c, stickToEnd } = props;
  const view = store.history(c.id);
  const outbox = store.outbox(c.id);
  const scroller = useRef<HTMLDivElement>(null);
  const sentinel = useRef<HTMLDivElement>(null);
  const bottom = useRef<HTMLDivElement>(null);
  const last = useRef<{ height: number; firstSeq: number | undefined }>({
    height: 0,
    firstSeq: undefined,
  });
  const [atEnd, setAtEnd] = useState(true);
  const [editing, setEditing] = useState<number | null>(null);
  const [deleting, setDeleting] = useState<MessageDto | null>(null);
  const [deleteError, setDeleteError] = useState<string | null>(null);
  const [highlighted, setHighlighted] = useState<number | null>(null);
  // Where the reader left off when the conversation opened: the "New" line goes there.
  const [readUpTo] = useState(() => (c.unreadCount > 0 ? c.lastReadSeq : null));
  const messages = view.messages;
  const seen = seenTarget(messages, store.me.id, useReaders(store, c));
  const firstUnread =
    readUpTo === null
      ? undefined
      : messages.find((m) => m.seq > readUpTo && m.sender !== store.me.id)?.seq;

  // Keep the reading position: at the end stay at the end; when older messages are added
  // above, shift by the height they took.
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const firstSeq = messages[0]?.seq;
    if (stickToEnd.current && !view.hasNewer) el.scrollTop = el.scrollHeight;
    else if (
      last.current.firstSeq !== undefined &&
      firstSeq !== undefined &&
      firstSeq < last.current.firstSeq
    ) {
      el.scrollTop += el.scrollHeight - last.current.height;
    }
    last.current = { height: el.scrollHeight, firstSeq };
  });

  // A jump to a message of this conversation: scroll it to the middle and highlight it.
  const focus = store.focus;
  useEffect(() => {
    if (!focus || focus.conversationId !== c.id) return;
    const el = scroller.current?.querySelector<HTMLElement>(
      `.message-list > .message[data-seq="${focus.seq}"]`,
    );
    if (!el) return;
    stickToEnd.current = false;
    el.scrollIntoView({ block: 'center' });
    el.querySelector<HTMLElement>('.bubble')?.focus({ preventScroll: true });
    setHighlighted(focus.seq);
    const timer = setTimeout(() => setHighlighted(null), HIGHLIGHT_MS);
    return () => clearTimeout(timer);
  }, [focus?.id, c.id]);

  // Older pages load when the top of the history comes near.
  useEffect(() => {
    const el = sentinel.current;
    if (!el || !view.hasMore || view.loading) return;
    const observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((e) => e.isIntersecting)) void store.histories.loadOlder(c.id);
      },
      { root: scroller.current, rootMargin: `${TOP_SLACK}px 0px 0px 0px` },
    );
    observer.observe(el);
    return () => observer.disconnect();
  }, [store, c.id, view.hasMore, view.loading, messages.length]);

  // Likewise newer pages, in a history loaded around a jump, as its end comes near.
  useEffect(() => {
    const el = bottom.current;
    if (!el || !view.hasNewer || view.loading) return;
    const observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((e) => e.isIntersecting)) void store.histories.loadNewer(c.id);
      },
      { root: scroller.current, rootMargin: `0px 0px ${TOP_SLACK}px 0px` },
    );
    observer.observe(el);
    return () => observer.disconnect();
  }, [store, c.id, view.hasNewer, view.loading, messages.length]);

  // What is on screen at the end is read: up to the last seq, or the newest entry shown when
  // the summary lags it (a list read over REST before a message came live, answered after it,
  // says the message is not there and nothing is unread: no marker would go out, rule R9).
  const upTo = Math.max(c.lastSeq, view.entries.at(-1)?.seq ?? 0);
  useEffect(() => {
    const mark = () => {
      if (atEnd && view.loaded && !view.hasNewer && document.visibilityState === 'visible')
        store.markRead(c.id, upTo);
    };
    mark();
    document.addEventListener('visibilitychange', mark);
    window.addEventListener('focus', mark);
    return () => {
      document.removeEventListener('visibilitychange', mark);
      window.removeEventListener('focus', mark);
    };
  }, [store, c.id, atEnd, view.loaded, view.hasNewer, upTo]);

  // ↑ in the empty composer: edit the last message of ours.
  useEffect(() => {
    if (props.editLastRequest === 0) return;
    const mine = [...messages].reverse().find((m) => m.sender === store.me.id && !m.deletedAt);
    if (mine) setEditing(mine.seq);
    // Only a new request starts an edit, not new messages: `messages` is deliberately left out.
  }, [props.editLastRequest]);

  const onScroll = () => {
    const el = scroller.current;
    if (!el) return;
    const below = el.scrollHeight - el.scrollTop - el.clientHeight;
    // History loaded around a jump ends before the conversation does: its end is not the end.
    const end = below < END_SLACK && !view.hasNewer;
    stickToEnd.current = end;
    if (below < TOP_SLACK && view.hasNewer && !view.loading) void store.histories.loadNewer(c.id);
    if (end !== atEnd) setAtEnd(end);
    // The observer reports changes only; a scroll that ends near the top asks as well, so a
    // page that finished loading while the reader was already up there is followed by the next.
    if (el.scrollTop < TOP_SLACK && view.hasMore && !view.loading)
      void store.histories.loadOlder(c.id);
  };

  const jumpToEnd = () => {
    const el = scroller.current;
    if (!el) return;
    stickToEnd.current = true;
    setAtEnd(true);
    // Far back in the history (a jump): the latest page, read afresh, instead of every page.
    if (view.hasNewer) void store.histories.reload(c.id);
    else el.scrollTo({ top: el.scrollHeight, behavior: 'smooth' });
  };

  const confirmDelete = async () => {
    if (!deleting) return;
    try {
      await store.deleteMessage(c.id, deleting.seq);
      setDeleting(null);
      setDeleteError(null);
    } catch (err) {
      setDeleteError(describeError(err));
    }
  };

  return (
    <div class="messages-frame">
      <div class="messages" ref={scroller} onScroll={onScroll} tabIndex={-1}>
        <div class="messages-top">
          {view.error ? (
            <div class="history-error" role="alert">
              <span>Couldn't load messages: {view.error}</span>
              <button
                type="button"
                class="button button-small"
                onClick={() => void store.histories.reload(c.id)}
              >
                Try again
              </button>
            </div>
          ) : view.hasMore ? (
            <div ref={sentinel} class="history-more">
              {view.loading ? (
                <span class="history-loading">
                  <span class="spinner" aria-hidden="true" /> Loading earlier messages…
                </span>
              ) : (
                <button
                  type="button"
                  class="button button-small button-quiet"
                  onClick={() => void store.histories.loadOlder(c.id)}
                >
                  Load earlier messages
                </button>
              )}
            </div>
          ) : view.loaded ? (
            <Beginning conversation={c} />
          ) : (
            <span class="history-loading">
              <span class="spinner" aria-hidden="true" /> Loading messages…
            </span>
          )}
        </div>
        <ol class="message-list" aria-label={`Messages in ${conversationTitle(c)}`}>
          {renderRows({
            store,
            conversation: c,
            entries: view.entries,
            outbox,
            firstUnread,
            seen,
            actions: {
              editing,
              setEditing,
              highlighted,
              onDelete: (m) => {
                setDeleteError(null);
                setDeleting(m);
              },
            },
          })}
        </ol>
        {view.hasNewer && view.loaded && (
          <div ref={bottom} class="history-more history-newer">
            {view.loading ? (
              <span class="history-loading">
                <span class="spinner" aria-hidden="true" /> Loading later messages…
              </span>
            ) : (
              <button
                type="button"
                class="button button-small button-quiet"
                onClick={() => void store.histories.loadNewer(c.id)}
              >
                Load later messages
              </button>
            )}
          </div>
        )}
      </div>
      {!atEnd && (
        <button type="button" class="jump-button" onClick={jumpToEnd}>
          {c.unreadCount > 0 ? `${c.unreadCount} new` : 'Latest'}
          <ArrowDownIcon size={16} />
        </button>
      )}
      {deleting && (
        <ConfirmDialog
          title="Delete message?"
          message="The message will be removed for everyone in this conversation. This can't be undone."
          confirmLabel="Delete"
          error={deleteError}
          onConfirm={() => void confirmDelete()}
          onClose={() => setDeleting(null)}
        />
      )}
    </div>
  );
}

/** The top of a conversation's history. */
function Beginning({ conversation: c }: { conversation: ConversationDto }) {
  return (
    <div class="history-start">
      <p class="history-start-title">
        {c.kind === 'dm'
          ? `This is the beginning of your conversation with ${conversationTitle(c)}.`
          : `This is the beginning of ${conversationTitle(c)}.`}
      </p>
      <p class="history-start-sub">
        {c.kind === 'dm'
          ? 'Messages here are only between the two of you.'
          : 'Everything said here is visible to all its members.'}
      </p>
    </div>
  );
}
