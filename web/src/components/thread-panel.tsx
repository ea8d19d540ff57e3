import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { replaceShortcodes } from '../../../src/format/emoji.js';
import type { ConversationDto, MessageDto } from '../../../src/protocol/schemas.js';
import { codePoints } from '../lib/format.js';
import type { ChatStore } from '../state/chat-store.js';
import type { ThreadView } from '../state/threads.js';
import { AttachButton, pastedFiles, useAttachments } from './attachment-picker.js';
import { AttachmentTray, DropOverlay } from './attachment-tray.js';
import { CloseIcon, SendIcon } from './icons.js';
import { MessageItem } from './message-item.js';
import { draftOf } from './message-rows.js';
import { AddReactionButton, ReactionBar } from './reaction-bar.js';
import { quoteText } from './reply-quote.js';

/**
 * The thread panel (rule R3): a thread's root and its replies, kept live, with a composer that
 * replies in the thread (to the root, or to the reply chosen with Reply). A side panel beside
 * the conversation on wide screens, the whole view on narrow ones; Escape closes it.
 */
export function ThreadPanel(props: {
  store: ChatStore;
  conversation: ConversationDto;
  thread: ThreadView;
}) {
  const { store, conversation: c, thread } = props;
  const [quoting, setQuoting] = useState<MessageDto | null>(null);
  const list = useRef<HTMLOListElement>(null);
  const count = thread.replies.length;
  // The user's unsent replies in this thread (pending, or failed with Retry).
  const inThread = new Set([thread.rootSeq, ...thread.replies.map((m) => m.seq)]);
  const unsent = store
    .outbox(c.id)
    .filter((e) => e.replyTo !== undefined && inThread.has(e.replyTo));
  const close = () => {
    store.threads.close();
    document.getElementById('composer-input')?.focus();
  };

  useEffect(() => {
    // As the composer: not on touch screens (the keyboard would cover the thread).
    if (!matchMedia('(pointer: coarse)').matches) document.getElementById('thread-input')?.focus();
  }, [thread.rootSeq]);

  // New replies come at the end: keep them in view.
  useLayoutEffect(() => {
    const el = list.current?.parentElement;
    if (el) el.scrollTop = el.scrollHeight;
  }, [count, unsent.length]);

  // The panel says what the thread is: replies to the root need no quote of it, nor the root
  // its count (the divider shows it).
  const item = (m: MessageDto, root: boolean) => (
    <MessageItem
      key={m.seq}
      message={
        root ? { ...m, replyCount: 0 } : m.reply?.seq === thread.rootSeq ? { ...m, reply: null } : m
      }
      me={store.me}
      mine={m.sender === store.me.id}
      group={c.kind === 'group'}
      continued={false}
      state="sent"
      mentionsMe={store.mentions.mentionsMe(m)}
      reactions={<ReactionBar store={store} conversation={c} message={m} />}
      actions={<AddReactionButton store={store} conversation={c} message={m} />}
      onReply={() => {
        setQuoting(root ? null : m);
        document.getElementById('thread-input')?.focus();
      }}
      onJumpToParent={
        m.reply && m.reply.seq !== thread.rootSeq
          ? () => {
              // On a narrow screen the panel covers the conversation: make way for it.
              if (matchMedia('(max-width: 900px)').matches) store.threads.close();
              void store.jumpTo(c.id, m.reply!.seq);
            }
          : undefined
      }
    />
  );

  return (
    <aside
      class="thread-panel"
      aria-labelledby="thread-title"
      onKeyDown={(e) => {
        if (e.key === 'Escape' && !e.defaultPrevented) {
          e.stopPropagation();
          close();
        }
      }}
    >
      <header class="thread-header">
        <div class="thread-heading">
          <h2 id="thread-title">Thread</h2>
          <p class="thread-subtitle" aria-live="polite">
            {count} {count === 1 ? 'reply' : 'replies'}
          </p>
        </div>
        <button type="button" class="icon-button" aria-label="Close thread" onClick={close}>
          <CloseIcon />
        </button>
      </header>
      <div class="thread-scroll">
        {thread.error ? (
          <p class="history-error" role="alert">
            Couldn't load the thread: {thread.error}
          </p>
        ) : thread.loading && !thread.root ? (
          <p class="history-loading">
            <span class="spinner" aria-hidden="true" /> Loading the thread…
          </p>
        ) : null}
        <ol class="thread-list" ref={list} aria-label="Messages in this thread">
          {thread.root && item(thread.root, true)}
          {thread.root && count > 0 && (
            <li class="thread-divider" aria-hidden="true">
              <span>
                {count} {count === 1 ? 'reply' : 'replies'}
              </span>
            </li>
          )}
          {thread.replies.map((m) => item(m, false))}
          {unsent.map((e) => (
            <MessageItem
              key={e.clientMsgId}
              message={{ ...draftOf(store, c, e), reply: null }}
              me={store.me}
              mine
              group={c.kind === 'group'}
              continued={false}
              state={e.state === 'failed' ? 'failed' : 'pending'}
              error={e.error?.message}
              onRetry={() => store.sends.retry(e.clientMsgId)}
              onDiscard={() => store.sends.discard(e.clientMsgId)}
            />
          ))}
        </ol>
      </div>
      {thread.root && thread.root.deletedAt === null && (
        <ThreadComposer
          store={store}
          conversation={c}
          replyTo={quoting ?? thread.root}
          quoting={quoting}
          onCancelQuote={() => setQuoting(null)}
        />
      )}
    </aside>
  );
}

/**
 * The thread panel's composer: Enter sends in the thread, Shift+Enter adds a line; files
 * attach as in the conversation's composer (UI9), dropped on the panel.
 */
function ThreadComposer(props: {
  store: ChatStore;
  conversation: ConversationDto;
  replyTo: MessageDto;
  quoting: MessageDto | null;
  onCancelQuote: () => void;
}) {
  const { store, conversation: c, quoting } = props;
  const [text, setText] = useState('');
  const input = useRef<HTMLTextAreaElement>(null);
  const form = useRef<HTMLFormElement>(null);
  // The thread's own files (dropped on the panel, picked or pasted here).
  const files = useAttachments(store, `${c.id}:thread:${props.replyTo.seq}`, {
    form,
    area: '.thread-panel',
    focus: () => input.current?.focus(),
  });
  const outgoing = replaceShortcodes(text);
  const over = codePoints(outgoing) > store.limits.maxMessageChars;
  const blank = !text.trim();
  const empty = blank && files.tray.ready === 0;
  const send = () => {
    if (over || !files.ready() || empty) return;
    store.send(c.id, blank ? '' : outgoing, props.replyTo.seq, files.tray.take());
    setText('');
    props.onCancelQuote();
    input.current?.focus();
  };
  return (
    <form
      ref={form}
      class="composer thread-composer"
      onSubmit={(e) => {
        e.preventDefault();
        send();
      }}
    >
      {quoting && (
        <ReplyBar
          who={quoting.sender === store.me.id ? 'yourself' : quoting.senderName}
          text={quoteText({ snippet: quoting.body, deleted: quoting.deletedAt !== null })}
          onCancel={props.onCancelQuote}
        />
      )}
      {files.dragging && <DropOverlay title="in the thread" />}
      <AttachmentTray items={files.tray.items} onRemove={(key) => files.tray.remove(key)} />
      <div class={`composer-box${over ? ' is-over' : ''}`}>
        <AttachButton onFiles={(chosen) => void files.attach(chosen)} />
        <label class="sr-only" for="thread-input">
          Reply in thread
        </label>
        <textarea
          id="thread-input"
          ref={input}
          rows={1}
          value={text}
          placeholder="Reply in thread"
          onInput={(e) => {
            setText(e.currentTarget.value);
            if (e.currentTarget.value.trim()) store.typing(c.id);
          }}
          onPaste={(e) => void files.attach(pastedFiles(e))}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
              e.preventDefault();
              send();
            } else if (e.key === 'Escape' && quoting) {
              // First Escape drops the quote, the next one closes the panel.
              e.preventDefault();
              props.onCancelQuote();
            }
          }}
        />
        <button
          type="submit"
          class="send-button"
          aria-label="Send reply"
          disabled={empty || over || files.tray.uploading > 0}
        >
          <SendIcon size={18} />
        </button>
      </div>
      {files.held && (
        <p class="composer-held thread-held" role="status">
          {files.held}
        </p>
      )}
    </form>
  );
}

/** "Replying to bob: snippet" above a composer, with its cancel button. */
export function ReplyBar(props: { who: string; text: string; onCancel: () => void }) {
  return (
    <div class="reply-bar" role="status">
      <span class="reply-bar-label">
        Replying to <strong>{props.who}</strong>
      </span>
      <span class="reply-bar-text">{props.text}</span>
      <button
        type="button"
        class="icon-button icon-button-sm"
        aria-label="Cancel reply"
        title="Cancel reply (Escape)"
        onClick={props.onCancel}
      >
        <CloseIcon size={16} />
      </button>
    </div>
  );
}
