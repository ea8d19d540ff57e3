import { useEffect, useRef, useState } from 'preact/hooks';
import type { ConversationDto } from '../../../src/protocol/schemas.js';
import { describeError } from '../lib/errors.js';
import { conversationTitle, formatFull } from '../lib/format.js';
import { untilText } from '../lib/groups.js';
import type { ChatStore } from '../state/chat-store.js';
import { Avatar } from './avatar.js';
import { Composer } from './composer.js';
import { BackIcon, BellIcon, BellOffIcon, SearchIcon, SettingsIcon } from './icons.js';
import { MessageList } from './message-list.js';
import { useExpiry } from './public-groups-settings.js';
import { quoteText } from './reply-quote.js';
import { typingText } from './sidebar.js';
import { ReplyBar, ThreadPanel } from './thread-panel.js';

/** Username the node shows for a deleted account (rule A6). */
const DELETED = '[deleted]';

/**
 * One open conversation: header, history with live updates, typing line, the composer (with
 * the message it replies to above it), and the thread panel when a thread is open.
 */
export function ConversationView(props: {
  store: ChatStore;
  conversation: ConversationDto;
  onOpenSettings: () => void;
  /** Opens the message search, limited to this conversation. */
  onOpenSearch: () => void;
}) {
  const { store, conversation: c } = props;
  const title = conversationTitle(c);
  const online = c.kind === 'dm' ? store.online(c.peer) : undefined;
  const typing = store.typingIn(c.id);
  const peerGone = c.kind === 'dm' && (c.peer === null || c.peer === DELETED);
  /** Set by the composer so the list scrolls to the end after our own send. */
  const stickToEnd = useRef(true);
  const [editLast, setEditLast] = useState(0);
  const replying = store.sends.replyingTo(c.id);
  const thread = store.threads.view();
  const members = store.members(c.id);
  const me = store.me.id;
  const role = members?.find((m) => m.userId === me)?.role ?? c.role;
  const allowAll =
    c.kind === 'group' && (c.allMentions === 'members' || role === 'owner' || role === 'admin');
  const mutedUntil = c.kind === 'group' ? store.groups.mutedUntil(c.id, members) : null;
  useExpiry(mutedUntil);

  // The members, for the composer's @ suggestions (and names in system lines).
  useEffect(() => {
    if (c.kind === 'group') void store.loadMembers(c.id).catch(() => undefined);
  }, [store, c.id, c.kind]);

  const subtitle =
    c.kind === 'group'
      ? `${c.memberCount} ${c.memberCount === 1 ? 'member' : 'members'}`
      : peerGone
        ? 'Account deleted'
        : online === undefined
          ? ''
          : online
            ? 'Online'
            : 'Offline';

  return (
    <div class={`conversation-frame${thread ? ' has-thread' : ''}`}>
      <section class="conversation" aria-labelledby="conversation-title">
        <header class="conversation-header">
          <button
            type="button"
            class="icon-button back-button"
            aria-label="Back to conversations"
            onClick={() => store.select(null)}
          >
            <BackIcon />
          </button>
          <Avatar
            name={title}
            kind={c.kind === 'group' ? 'group' : 'person'}
            online={c.kind === 'dm' && !peerGone ? online : undefined}
          />
          <div class="conversation-heading">
            <h1 id="conversation-title">{title}</h1>
            <p class={`conversation-subtitle${online ? ' is-online' : ''}`}>{subtitle}</p>
          </div>
          <button
            type="button"
            class="icon-button"
            aria-label="Search in this conversation"
            title="Search in this conversation"
            onClick={props.onOpenSearch}
          >
            <SearchIcon />
          </button>
          <MuteButton store={store} conversation={c} />
          {c.kind === 'group' && (
            <button
              type="button"
              class="icon-button"
              aria-label="Group settings"
              title="Group settings"
              onClick={props.onOpenSettings}
            >
              <SettingsIcon />
            </button>
          )}
        </header>
        <MessageList
          store={store}
          conversation={c}
          stickToEnd={stickToEnd}
          editLastRequest={editLast}
        />
        <div class="typing-line" aria-hidden={typing.length === 0}>
          {typing.length > 0 && (
            <>
              <span class="typing-dots" aria-hidden="true">
                <span />
                <span />
                <span />
              </span>
              {typingText(typing)}
            </>
          )}
        </div>
        {peerGone ? (
          <p class="composer-closed">
            This account was deleted. You can read the conversation but not reply.
          </p>
        ) : (
          <div
            class="composer-frame"
            onKeyDown={(e) => {
              // Escape cancels the reply (unless the composer used it, to close its suggestions).
              if (e.key === 'Escape' && replying && !e.defaultPrevented) {
                store.sends.setReplyingTo(c.id, null);
              }
            }}
          >
            {mutedUntil !== null && (
              <p class="composer-muted" role="status">
                A moderator muted you until{' '}
                <time dateTime={new Date(mutedUntil).toISOString()} title={formatFull(mutedUntil)}>
                  {untilText(mutedUntil)}
                </time>
                . You can read the group but not write in it.
              </p>
            )}
            {replying && (
              <ReplyBar
                who={replying.sender === me ? 'yourself' : replying.senderName}
                text={quoteText({ snippet: replying.body, deleted: replying.deletedAt !== null })}
                onCancel={() => {
                  store.sends.setReplyingTo(c.id, null);
                  document.getElementById('composer-input')?.focus();
                }}
              />
            )}
            <Composer
              key={c.id}
              store={store}
              conversation={c}
              title={title}
              members={c.kind === 'group' ? members?.filter((m) => m.userId !== me) : undefined}
              allowAll={allowAll}
              onSent={() => (stickToEnd.current = true)}
              onEditLast={() => setEditLast((n) => n + 1)}
              disabled={mutedUntil !== null}
            />
          </div>
        )}
      </section>
      {thread && thread.conversationId === c.id && (
        <ThreadPanel store={store} conversation={c} thread={thread} />
      )}
    </div>
  );
}

/**
 * The bell of the header (UI8): mutes the conversation's notifications and pushes on every
 * device of the user (rule N3), or unmutes them; pressed while muted.
 */
function MuteButton({
  store,
  conversation: c,
}: {
  store: ChatStore;
  conversation: ConversationDto;
}) {
  const [busy, setBusy] = useState(false);
  const muted = c.muted;
  const toggle = async () => {
    setBusy(true);
    try {
      await store.alerts.setMuted(c.id, !muted);
      store.notify(
        muted
          ? 'Notifications are on for this conversation.'
          : 'Muted: no notifications from this conversation.',
      );
    } catch (err) {
      store.notify(`Couldn't change notifications: ${describeError(err)}`, 'error');
    } finally {
      setBusy(false);
    }
  };
  return (
    <button
      type="button"
      class={`icon-button mute-button${muted ? ' is-muted' : ''}`}
      aria-label="Mute notifications"
      aria-pressed={muted}
      title={muted ? 'Muted: click to get notifications again' : 'Mute notifications'}
      disabled={busy}
      onClick={() => void toggle()}
    >
      {muted ? <BellOffIcon /> : <BellIcon />}
    </button>
  );
}
