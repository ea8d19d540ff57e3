import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { replaceShortcodes } from '../../../src/format/emoji.js';
import type { MessageDto } from '../../../src/protocol/schemas.js';
import { describeError } from '../lib/errors.js';
import { formatFull, formatTime } from '../lib/format.js';
import { AttachmentList } from './attachment-list.js';
import { ConfirmDialog } from './dialog.js';
import {
  AlertIcon,
  CheckIcon,
  ClockIcon,
  EditIcon,
  ReplyIcon,
  RetryIcon,
  ThreadIcon,
  TrashIcon,
} from './icons.js';
import { MessageBody } from './message-body.js';
import { SenderAvatar, SenderName } from './profile-card.js';
import { ReplyQuote } from './reply-quote.js';

/** A message's delivery state as its sender sees it. */
export type DeliveryState = 'pending' | 'sent' | 'failed';

/**
 * One message. Its text goes to the DOM as elements (MessageBody, nothing parsed as HTML).
 * A reply shows a quote of its parent that jumps to it, a thread root its reply count that opens
 * the thread; a message that mentions the user is highlighted. Stored messages offer Reply;
 * own ones show their delivery state and, once stored, can be edited or deleted. Its files
 * show under the text (AttachmentList: thumbnails that open the viewer, download cards).
 */
export function MessageItem(props: {
  message: MessageDto;
  /** The signed-in user (quotes of their messages read "You", `@name` is highlighted). */
  me: { id: string; username: string };
  mine: boolean;
  group: boolean;
  continued: boolean;
  state: DeliveryState;
  error?: string | undefined;
  editing?: boolean;
  onStartEdit?: () => void;
  onEndEdit?: () => void;
  onSaveEdit?: (body: string) => Promise<void>;
  onDelete?: () => void;
  /** Removes someone else's message as a moderator (rule PG8), once confirmed. */
  onRemove?: (() => Promise<void>) | undefined;
  onRetry?: () => void;
  onDiscard?: () => void;
  /** The message mentions the user (by name or @all). */
  mentionsMe?: boolean;
  /** Briefly highlighted after a jump to it. */
  highlighted?: boolean;
  onReply?: (() => void) | undefined;
  /** Opens this message's thread (its "N replies"); without it the count is plain text. */
  onOpenThread?: (() => void) | undefined;
  /** Jumps to the message this one replies to. */
  onJumpToParent?: (() => void) | undefined;
  /** Under the bubble: the message's reactions (ReactionBar). */
  reactions?: ComponentChildren;
  /** First of the hover actions (AddReactionButton). */
  actions?: ComponentChildren;
}) {
  const { message: m, mine, state } = props;
  const deleted = m.deletedAt !== null;
  const canChange = mine && state === 'sent' && !deleted;
  const canReply = state === 'sent' && !deleted && props.onReply !== undefined;
  const canRemove = !mine && state === 'sent' && !deleted && props.onRemove !== undefined;
  const classes = [
    'message',
    mine ? 'message-mine' : 'message-theirs',
    props.continued ? 'is-continued' : '',
    `is-${state}`,
    props.mentionsMe ? 'is-mention' : '',
    props.highlighted ? 'is-highlighted' : '',
  ]
    .filter(Boolean)
    .join(' ');

  return (
    <li class={classes} data-seq={m.seq || undefined} data-state={state}>
      {!mine && (
        <div class="message-gutter">
          {!props.continued && <SenderAvatar userId={m.sender} username={m.senderName} />}
        </div>
      )}
      <div class="message-column">
        {!mine && props.group && !props.continued && (
          <div class="message-sender">
            <SenderName userId={m.sender} username={m.senderName} />
          </div>
        )}
        {props.editing && props.onSaveEdit && props.onEndEdit ? (
          <EditBox body={m.body} onSave={props.onSaveEdit} onDone={props.onEndEdit} />
        ) : (
          // A stored message takes focus (a tap on a touch screen) to reveal its actions.
          <div class="bubble" tabIndex={canChange || canReply || canRemove ? 0 : undefined}>
            {m.reply && !deleted && (
              <ReplyQuote reply={m.reply} me={props.me.id} onJump={props.onJumpToParent} />
            )}
            <span class="sr-only">
              {mine ? 'You' : m.senderName}
              {props.mentionsMe ? ' (mentions you)' : ''}:{' '}
            </span>
            {deleted ? (
              <p class="message-body message-deleted">
                {m.deletedBy !== null && m.deletedBy !== m.sender
                  ? 'Removed by a moderator.'
                  : 'This message was deleted.'}
              </p>
            ) : (
              // A message of files alone has no text to show.
              m.body !== '' && (
                <MessageBody body={m.body} me={props.me.username} mentionsAll={m.mentionsAll} />
              )
            )}
            {!deleted && m.attachments.length > 0 && <AttachmentList attachments={m.attachments} />}
            <span class="message-meta">
              {m.editedAt !== null && !deleted && <span class="message-edited">edited</span>}
              <time dateTime={new Date(m.createdAt).toISOString()} title={formatFull(m.createdAt)}>
                {formatTime(m.createdAt)}
              </time>
              {mine && <StateIcon state={state} />}
            </span>
          </div>
        )}
        {props.reactions}
        {m.replyCount > 0 && !deleted && (
          <ThreadCount count={m.replyCount} onOpen={props.onOpenThread} />
        )}
        {state === 'failed' && (
          <div class="message-failed" role="alert">
            <AlertIcon size={14} />
            <span>Not sent{props.error ? `: ${props.error}` : ''}.</span>
            <button type="button" class="link-button" onClick={props.onRetry}>
              Retry
            </button>
            <button type="button" class="link-button" onClick={props.onDiscard}>
              Discard
            </button>
          </div>
        )}
      </div>
      {(canChange || canReply || canRemove || props.actions) && !props.editing && (
        <div class="message-actions" role="group" aria-label="Message actions">
          {props.actions}
          {canReply && (
            <button
              type="button"
              class="icon-button icon-button-sm"
              aria-label={`Reply to ${mine ? 'your message' : m.senderName}`}
              title="Reply"
              onClick={props.onReply}
            >
              <ReplyIcon size={16} />
            </button>
          )}
          {canChange && (
            <button
              type="button"
              class="icon-button icon-button-sm"
              aria-label="Edit message"
              title="Edit"
              onClick={props.onStartEdit}
            >
              <EditIcon size={16} />
            </button>
          )}
          {canChange && (
            <button
              type="button"
              class="icon-button icon-button-sm"
              aria-label="Delete message"
              title="Delete"
              onClick={props.onDelete}
            >
              <TrashIcon size={16} />
            </button>
          )}
          {canRemove && props.onRemove && (
            <RemoveButton sender={m.senderName} onRemove={props.onRemove} />
          )}
        </div>
      )}
    </li>
  );
}

/** A moderator's "Remove message" on someone else's message, with its confirmation. */
function RemoveButton(props: { sender: string; onRemove: () => Promise<void> }) {
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const remove = async () => {
    setBusy(true);
    setError(null);
    try {
      await props.onRemove();
      setConfirming(false);
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <button
        type="button"
        class="icon-button icon-button-sm remove-button"
        aria-label={`Remove message from ${props.sender}`}
        title="Remove message"
        onClick={() => setConfirming(true)}
      >
        <TrashIcon size={16} />
      </button>
      {confirming && (
        <ConfirmDialog
          title="Remove message?"
          message={`The message from ${props.sender} will be removed for everyone here and show as removed by a moderator. This can't be undone.`}
          confirmLabel="Remove"
          busy={busy}
          error={error}
          onConfirm={() => void remove()}
          onClose={() => setConfirming(false)}
        />
      )}
    </>
  );
}

/** "3 replies" under a thread root: opens the thread panel. */
function ThreadCount(props: { count: number; onOpen?: (() => void) | undefined }) {
  const label = `${props.count} ${props.count === 1 ? 'reply' : 'replies'}`;
  if (!props.onOpen) return <span class="thread-count is-static">{label}</span>;
  return (
    <button
      type="button"
      class="thread-count"
      onClick={props.onOpen}
      aria-label={`${label}, open thread`}
    >
      <ThreadIcon size={14} />
      {label}
    </button>
  );
}

function StateIcon({ state }: { state: DeliveryState }) {
  switch (state) {
    case 'pending':
      return (
        <span class="message-state" role="img" aria-label="Sending" title="Sending…">
          <ClockIcon size={13} />
        </span>
      );
    case 'sent':
      return (
        <span class="message-state" role="img" aria-label="Sent" title="Sent">
          <CheckIcon size={13} />
        </span>
      );
    case 'failed':
      return (
        <span class="message-state" role="img" aria-label="Not sent" title="Not sent">
          <RetryIcon size={13} />
        </span>
      );
  }
}

/** Inline editor: Enter saves, Shift+Enter adds a line, Escape cancels. */
function EditBox(props: {
  body: string;
  onSave: (body: string) => Promise<void>;
  onDone: () => void;
}) {
  const [text, setText] = useState(props.body);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const input = useRef<HTMLTextAreaElement>(null);

  useEffect(() => {
    const el = input.current;
    if (!el) return;
    el.focus();
    el.setSelectionRange(el.value.length, el.value.length);
  }, []);

  const save = async () => {
    if (!text.trim()) return setError('A message cannot be empty. Delete it instead.');
    // As the composer does: a complete :shortcode: becomes its emoji.
    const edited = replaceShortcodes(text);
    if (edited === props.body) return props.onDone();
    setBusy(true);
    try {
      await props.onSave(edited);
      props.onDone();
    } catch (err) {
      setError(describeError(err));
      setBusy(false);
    }
  };

  return (
    <form
      class="edit-box"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <label class="sr-only" for="edit-input">
        Edit message
      </label>
      <textarea
        id="edit-input"
        ref={input}
        value={text}
        rows={2}
        onInput={(e) => setText(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === 'Escape') {
            e.preventDefault();
            e.stopPropagation();
            props.onDone();
          } else if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
            e.preventDefault();
            void save();
          }
        }}
      />
      {error && (
        <p class="form-error" role="alert">
          {error}
        </p>
      )}
      <div class="edit-actions">
        <span class="edit-hint">Escape to cancel · Enter to save</span>
        <button type="button" class="button button-small" onClick={props.onDone}>
          Cancel
        </button>
        <button type="submit" class="button button-small button-primary" disabled={busy}>
          Save
        </button>
      </div>
    </form>
  );
}
