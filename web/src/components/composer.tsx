import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { ConversationDto } from '../../../src/protocol/schemas.js';
import { codePoints } from '../lib/format.js';
import type { ChatStore } from '../state/chat-store.js';
import { SendIcon } from './icons.js';

/** Unsent text per conversation, kept while switching between them. */
const drafts = new Map<string, string>();

/** From this share of the limit on, a counter shows how many characters are left. */
const COUNTER_FROM = 0.9;

/**
 * Where messages are written: Enter sends, Shift+Enter starts a new line, ↑ in an empty box
 * edits your last message. Sends go to the client's outbox, so they survive a lost connection.
 */
export function Composer(props: {
  store: ChatStore;
  conversation: ConversationDto;
  title: string;
  onSent: () => void;
  onEditLast: () => void;
}) {
  const { store, conversation } = props;
  const id = conversation.id;
  const [text, setText] = useState(() => drafts.get(id) ?? '');
  const input = useRef<HTMLTextAreaElement>(null);
  const limit = store.limits.maxMessageChars;
  const length = codePoints(text);
  const over = length > limit;
  const blank = text.trim() === '';

  useEffect(() => {
    // Focus the box when a conversation opens, except on touch screens (the keyboard would
    // cover the history).
    if (!matchMedia('(pointer: coarse)').matches) input.current?.focus();
  }, [id]);

  useLayoutEffect(() => autosize(input.current), [text]);

  const update = (value: string) => {
    setText(value);
    if (value) drafts.set(id, value);
    else drafts.delete(id);
    if (value.trim()) store.typing(id);
  };

  const send = () => {
    if (blank || over) return;
    store.send(id, text);
    props.onSent();
    update('');
    input.current?.focus();
  };

  return (
    <form
      class="composer"
      onSubmit={(e) => {
        e.preventDefault();
        send();
      }}
    >
      <div class={`composer-box${over ? ' is-over' : ''}`}>
        <label class="sr-only" for="composer-input">
          Message {props.title}
        </label>
        <textarea
          id="composer-input"
          ref={input}
          rows={1}
          placeholder={`Message ${props.title}`}
          value={text}
          aria-describedby="composer-hint composer-counter"
          aria-invalid={over || undefined}
          onInput={(e) => update(e.currentTarget.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
              e.preventDefault();
              send();
            } else if (e.key === 'ArrowUp' && text === '') {
              e.preventDefault();
              props.onEditLast();
            }
          }}
        />
        <button
          type="submit"
          class="send-button"
          aria-label="Send message"
          title="Send (Enter)"
          disabled={blank || over}
        >
          <SendIcon size={18} />
        </button>
      </div>
      <div class="composer-footer">
        <span id="composer-hint" class="composer-hint">
          <kbd>Enter</kbd> to send · <kbd>Shift</kbd>+<kbd>Enter</kbd> for a new line
        </span>
        <span
          id="composer-counter"
          class={`composer-counter${over ? ' is-over' : ''}`}
          aria-live="polite"
        >
          {length >= limit * COUNTER_FROM &&
            (over
              ? `${length - limit} over the ${limit} character limit`
              : `${limit - length} characters left`)}
        </span>
      </div>
    </form>
  );
}

/** Grows the box with its text (up to the CSS max-height) where CSS `field-sizing` is missing. */
function autosize(el: HTMLTextAreaElement | null): void {
  if (!el || CSS.supports('field-sizing', 'content')) return;
  // CSSOM writes are not inline styles: the CSP (`style-src 'self'`) allows them.
  el.style.height = 'auto';
  el.style.height = `${el.scrollHeight + 2}px`;
}
