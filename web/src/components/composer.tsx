import { useEffect, useId, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import {
  applyCompletion,
  completionAt,
  emojiCompletions,
  mentionCompletions,
  type CompletionToken,
} from '../../../src/format/completion.js';
import { replaceShortcodes } from '../../../src/format/emoji.js';
import type { ConversationDto } from '../../../src/protocol/schemas.js';
import { codePoints } from '../lib/format.js';
import type { ChatStore } from '../state/chat-store.js';
import { AttachButton, pastedFiles, useAttachments } from './attachment-picker.js';
import { AttachmentTray, DropOverlay } from './attachment-tray.js';
import { Autocomplete, optionId, type AutocompleteOption } from './autocomplete.js';
import { SendIcon } from './icons.js';

/** Unsent text per conversation, kept while switching between them. */
const drafts = new Map<string, string>();

/** From this share of the limit on, a counter shows how many characters are left. */
const COUNTER_FROM = 0.9;
/** Suggestions shown at once. */
const SUGGESTIONS = 8;

/**
 * Where messages are written: Enter sends, Shift+Enter starts a new line, ↑ in an empty box
 * edits your last message. Sends go to the client's outbox, so they survive a lost connection.
 * `:thu` suggests emoji shortcodes and `@al` the conversation's `members` (and `@all` when
 * `allowAll`); a complete `:shortcode:` becomes its emoji when the message is sent.
 *
 * Files come from the paper clip, a drop anywhere on the conversation, or a paste; each is
 * checked (not empty, not a folder, within the node's maximum size) before any request,
 * uploads at once as a chip above the box, and goes with the next message (whose text may
 * then be empty). While one is still uploading, Enter does not send: the footer says to wait.
 */
export function Composer(props: {
  store: ChatStore;
  conversation: ConversationDto;
  title: string;
  onSent: () => void;
  onEditLast: () => void;
  members?: readonly { username: string }[] | undefined;
  allowAll?: boolean | undefined;
  /** Nothing can be written (a moderator muted the user, rule PG10); the draft stays. */
  disabled?: boolean | undefined;
}) {
  const { store, conversation } = props;
  const id = conversation.id;
  const [text, setText] = useState(() => drafts.get(id) ?? '');
  const [caret, setCaret] = useState<number | null>(null);
  const [active, setActive] = useState(0);
  // The trigger position whose suggestions Escape closed: they stay closed for that word.
  const [dismissed, setDismissed] = useState<number | null>(null);
  const pendingCaret = useRef<number | null>(null);
  const input = useRef<HTMLTextAreaElement>(null);
  const listId = `suggestions-${useId()}`;
  const limit = store.limits.maxMessageChars;
  const outgoing = useMemo(() => replaceShortcodes(text), [text]);
  const length = codePoints(outgoing);
  const over = length > limit;
  const blank = text.trim() === '';
  const form = useRef<HTMLFormElement>(null);
  // Files dropped anywhere on the conversation (its history too) are attached here.
  const files = useAttachments(store, id, {
    form,
    area: '.conversation',
    focus: () => input.current?.focus(),
  });
  const { tray, held } = files;
  const empty = blank && tray.ready === 0;

  const token = caret === null ? null : completionAt(text, caret);
  const suggestions = useMemo(
    () => suggestionsFor(token, props.members ?? [], props.allowAll),
    [token?.kind, token?.query, props.members, props.allowAll],
  );
  const open = token !== null && token.start !== dismissed && suggestions.length > 0;
  const current = Math.min(active, suggestions.length - 1);

  useEffect(() => {
    // Focus the box when a conversation opens, except on touch screens (the keyboard would
    // cover the history).
    if (!matchMedia('(pointer: coarse)').matches) input.current?.focus();
  }, [id]);

  useLayoutEffect(() => {
    autosize(input.current);
    const el = input.current;
    if (el && pendingCaret.current !== null) {
      el.setSelectionRange(pendingCaret.current, pendingCaret.current);
      pendingCaret.current = null;
    }
  }, [text]);

  const update = (value: string, at: number | null) => {
    setText(value);
    setCaret(at);
    setActive(0);
    if (at === null || !completionAt(value, at)) setDismissed(null);
    if (value) drafts.set(id, value);
    else drafts.delete(id);
    if (value.trim()) store.typing(id);
  };

  const send = () => {
    if (props.disabled || over || !files.ready() || empty) return;
    // Without text the message is its files alone (the server allows an empty body then).
    store.send(id, blank ? '' : outgoing, undefined, tray.take());
    props.onSent();
    update('', null);
    input.current?.focus();
  };

  const pick = (index: number) => {
    const option = suggestions[index];
    if (!token || !option) return;
    const next = applyCompletion(text, token, option.insert);
    pendingCaret.current = next.caret;
    update(next.text, next.caret);
  };

  /** Keys of the open suggestion list; true when the key was handled. */
  const suggestionKey = (e: KeyboardEvent): boolean => {
    if (!open || e.isComposing) return false;
    switch (e.key) {
      case 'ArrowDown':
        setActive((current + 1) % suggestions.length);
        return true;
      case 'ArrowUp':
        setActive((current - 1 + suggestions.length) % suggestions.length);
        return true;
      case 'Enter':
      case 'Tab':
        if (e.shiftKey) return false;
        pick(current);
        return true;
      case 'Escape':
        e.stopPropagation();
        setDismissed(token.start);
        return true;
      default:
        return false;
    }
  };

  return (
    <form
      ref={form}
      class="composer"
      onSubmit={(e) => {
        e.preventDefault();
        send();
      }}
    >
      {files.dragging && <DropOverlay title={`to ${props.title}`} />}
      <AttachmentTray items={tray.items} onRemove={(key) => tray.remove(key)} />
      {/* A disabled fieldset disables every control in it: the box, the clip, Send. */}
      <fieldset class="composer-fields" disabled={props.disabled}>
        <div class={`composer-box${over ? ' is-over' : ''}`}>
          <AttachButton onFiles={(chosen) => void files.attach(chosen)} />
          {open && (
            <Autocomplete
              id={listId}
              label={token.kind === 'emoji' ? 'Emoji' : 'Members'}
              options={suggestions}
              active={current}
              onPick={pick}
              onHover={setActive}
            />
          )}
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
            aria-autocomplete="list"
            aria-controls={open ? listId : undefined}
            aria-activedescendant={open ? optionId(listId, current) : undefined}
            onInput={(e) => update(e.currentTarget.value, e.currentTarget.selectionStart)}
            // The caret moves without input too (arrows, a click): the suggestions follow it.
            onKeyUp={(e) => setCaret(e.currentTarget.selectionStart)}
            onClick={(e) => setCaret(e.currentTarget.selectionStart)}
            onBlur={() => setCaret(null)}
            onPaste={(e) => void files.attach(pastedFiles(e))}
            onKeyDown={(e) => {
              if (suggestionKey(e)) {
                e.preventDefault();
              } else if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
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
            disabled={empty || over || tray.uploading > 0}
          >
            <SendIcon size={18} />
          </button>
        </div>
      </fieldset>
      <div class="composer-footer">
        <span id="composer-hint" class="composer-hint">
          <kbd>Enter</kbd> to send · <kbd>Shift</kbd>+<kbd>Enter</kbd> for a new line
        </span>
        <span
          id="composer-counter"
          class={`composer-counter${over ? ' is-over' : ''}`}
          aria-live="polite"
        >
          {held && <span class="composer-held">{held}</span>}
          {!held &&
            length >= limit * COUNTER_FROM &&
            (over
              ? `${length - limit} over the ${limit} character limit`
              : `${limit - length} characters left`)}
        </span>
        <span class="sr-only" role="status">
          {open &&
            `${suggestions.length} ${suggestions.length === 1 ? 'suggestion' : 'suggestions'}: ↑ and ↓ to choose, Enter or Tab to insert, Escape to close`}
        </span>
      </div>
    </form>
  );
}

/** A suggestion: what the list shows and what picking it inserts. */
interface Suggestion extends AutocompleteOption {
  insert: string;
}

function suggestionsFor(
  token: CompletionToken | null,
  members: readonly { username: string }[],
  allowAll: boolean | undefined,
): Suggestion[] {
  if (!token) return [];
  if (token.kind === 'emoji') {
    return emojiCompletions(token, SUGGESTIONS).map((m) => ({
      key: m.shortcode,
      glyph: m.emoji,
      label: `:${m.shortcode}:`,
      insert: m.emoji,
    }));
  }
  return mentionCompletions(token, members, { allowAll, limit: SUGGESTIONS }).map((name) => ({
    key: name,
    label: name === 'all' ? '@all (everyone here)' : `@${name}`,
    insert: `@${name}`,
  }));
}

/** Grows the box with its text (up to the CSS max-height) where CSS `field-sizing` is missing. */
function autosize(el: HTMLTextAreaElement | null): void {
  if (!el || CSS.supports('field-sizing', 'content')) return;
  // CSSOM writes are not inline styles: the CSP (`style-src 'self'`) allows them.
  el.style.height = 'auto';
  el.style.height = `${el.scrollHeight + 2}px`;
}
