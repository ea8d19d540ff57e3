import { useState } from 'preact/hooks';
import { plainText } from '../../../src/format/markdown.js';
import type { ConversationDto } from '../../../src/protocol/schemas.js';
import {
  conversationTitle,
  formatActivity,
  formatFull,
  lastMessagePreview,
} from '../lib/format.js';
import { dndText } from '../lib/notifications.js';
import type { ChatStore } from '../state/chat-store.js';
import { Avatar } from './avatar.js';
import type { DialogKind } from './dialog-kind.js';
import {
  AtIcon,
  BellOffIcon,
  ComposeIcon,
  GroupIcon,
  Logo,
  MoonIcon,
  SearchIcon,
  SettingsIcon,
} from './icons.js';
import { CompassIcon, PublicGroupsDialog } from './public-groups.js';

/**
 * Conversations by latest activity, with unread and mention badges, previews and presence;
 * the Mentions button opens the mention list, the compass the public groups (rule PG2).
 */
export function Sidebar({
  store,
  onOpen,
  onOpenMentions,
  onOpenSearch,
}: {
  store: ChatStore;
  onOpen: (d: DialogKind) => void;
  onOpenMentions: () => void;
  /** Opens the message search (UI6). */
  onOpenSearch: () => void;
}) {
  const [filter, setFilter] = useState('');
  const [browsing, setBrowsing] = useState(false);
  const all = store.conversations();
  const needle = filter.trim().toLowerCase();
  const shown = needle
    ? all.filter((c) => conversationTitle(c).toLowerCase().includes(needle))
    : all;
  const unread = all.reduce((n, c) => n + (c.unreadCount > 0 ? 1 : 0), 0);
  const mentions = all.reduce((n, c) => n + store.mentions.count(c), 0);

  return (
    <nav class="sidebar" aria-label="Conversations">
      <header class="sidebar-header">
        <div class="brand">
          <Logo size={28} />
          <span class="brand-name">Parley</span>
        </div>
        <div class="sidebar-actions">
          <button
            type="button"
            class="icon-button"
            title="Search messages (/)"
            aria-label="Search messages"
            aria-keyshortcuts="/"
            onClick={onOpenSearch}
          >
            <SearchIcon size={20} />
          </button>
          <button
            type="button"
            class="icon-button mentions-button"
            title="Mentions"
            aria-label={mentions > 0 ? `Mentions, ${mentions} unread` : 'Mentions'}
            onClick={onOpenMentions}
          >
            <AtIcon size={20} />
            {mentions > 0 && (
              <span class="mentions-dot" aria-hidden="true">
                {mentions > 99 ? '99+' : mentions}
              </span>
            )}
          </button>
          <button
            type="button"
            class="icon-button"
            title="New message"
            aria-label="New message"
            onClick={() => onOpen('new-dm')}
          >
            <ComposeIcon />
          </button>
          <button
            type="button"
            class="icon-button"
            title="New group"
            aria-label="New group"
            onClick={() => onOpen('new-group')}
          >
            <GroupIcon />
          </button>
          <button
            type="button"
            class="icon-button"
            title="Browse public groups"
            aria-label="Browse public groups"
            onClick={() => setBrowsing(true)}
          >
            <CompassIcon />
          </button>
        </div>
      </header>
      <div class="sidebar-search">
        <SearchIcon size={16} />
        <input
          id="conversation-filter"
          type="search"
          placeholder="Find a conversation"
          aria-label="Find a conversation"
          aria-keyshortcuts="Control+K"
          autocomplete="off"
          value={filter}
          onInput={(e) => setFilter(e.currentTarget.value)}
          onKeyDown={(e) => {
            if (e.key === 'Escape') setFilter('');
            if (e.key === 'Enter' && shown[0]) {
              store.select(shown[0].id);
              setFilter('');
            }
          }}
        />
      </div>
      <h2 class="sidebar-heading">
        Conversations
        {unread > 0 && <span class="sr-only">, {unread} with unread messages</span>}
      </h2>
      {all.length === 0 ? (
        <div class="sidebar-empty">
          <p>No conversations yet.</p>
          <button type="button" class="button button-small" onClick={() => onOpen('new-dm')}>
            Message someone
          </button>
          <button type="button" class="button button-small" onClick={() => setBrowsing(true)}>
            Find a public group
          </button>
        </div>
      ) : shown.length === 0 ? (
        <p class="sidebar-empty">No conversation matches “{filter.trim()}”.</p>
      ) : (
        <ul class="conversation-list">
          {shown.map((c) => (
            <ConversationRow key={c.id} store={store} conversation={c} />
          ))}
        </ul>
      )}
      <footer class="sidebar-footer">
        <button
          type="button"
          class="account-button"
          aria-label={`Account and settings (${store.me.username})`}
          onClick={() => onOpen('account')}
        >
          <Avatar
            name={store.me.username}
            size="sm"
            online={store.connectivity.state === 'online'}
          />
          <span class="account-name">{store.me.username}</span>
          {store.alerts.dndActive() && (
            <span class="dnd-flag" title={dndText(store.alerts.dndUntil ?? null)}>
              <MoonIcon size={16} />
              <span class="sr-only">, {dndText(store.alerts.dndUntil ?? null)}</span>
            </span>
          )}
          <SettingsIcon size={18} />
        </button>
      </footer>
      {browsing && <PublicGroupsDialog store={store} onClose={() => setBrowsing(false)} />}
    </nav>
  );
}

function ConversationRow({
  store,
  conversation: c,
}: {
  store: ChatStore;
  conversation: ConversationDto;
}) {
  const title = conversationTitle(c);
  const active = store.selectedId === c.id;
  const online = c.kind === 'dm' ? store.online(c.peer) : undefined;
  const typing = store.typingIn(c.id);
  const unread = c.unreadCount > 0 && !active;
  const mentions = active ? 0 : store.mentions.count(c);
  return (
    <li>
      <a
        href={`/c/${encodeURIComponent(c.id)}`}
        class={`conversation-row${active ? ' is-active' : ''}${unread ? ' is-unread' : ''}`}
        aria-current={active ? 'page' : undefined}
        data-conversation={c.id}
        onClick={(e) => {
          if (e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
          e.preventDefault();
          store.select(c.id);
        }}
      >
        <Avatar name={title} kind={c.kind === 'group' ? 'group' : 'person'} online={online} />
        <span class="row-main">
          <span class="row-top">
            <span class="row-title">{title}</span>
            {online && <span class="sr-only">, online</span>}
            <time
              class="row-time"
              dateTime={new Date(c.lastMessageAt).toISOString()}
              title={formatFull(c.lastMessageAt)}
            >
              {formatActivity(c.lastMessageAt)}
            </time>
          </span>
          <span class="row-bottom">
            {typing.length > 0 ? (
              <span class="row-preview row-typing">{typingText(typing)}</span>
            ) : (
              <span class="row-preview">{lastMessagePreview(plain(c), store.me.id)}</span>
            )}
            {c.muted && (
              <span class="muted-flag" title="Muted">
                <BellOffIcon size={14} />
                <span class="sr-only">, muted</span>
              </span>
            )}
            {mentions > 0 && (
              <span class="mention-badge" title="Mentions of you">
                @{mentions > 99 ? '99+' : mentions}
                <span class="sr-only"> {mentions === 1 ? 'mention' : 'mentions'}</span>
              </span>
            )}
            {unread && (
              <span class="badge">
                {c.unreadCount > 99 ? '99+' : c.unreadCount}
                <span class="sr-only"> unread</span>
              </span>
            )}
          </span>
        </span>
      </a>
    </li>
  );
}

/** The summary with its last message's text without markup, on one line (for the preview). */
function plain(c: ConversationDto): ConversationDto {
  const m = c.lastMessage;
  if (!m || m.deletedAt !== null) return c;
  return { ...c, lastMessage: { ...m, body: plainText(m.body).replace(/\s+/g, ' ').trim() } };
}

/** "alice is typing…", "alice and bob are typing…", "3 people are typing…". */
export function typingText(names: string[]): string {
  if (names.length === 1) return `${names[0]} is typing…`;
  if (names.length === 2) return `${names[0]} and ${names[1]} are typing…`;
  return `${names.length} people are typing…`;
}
