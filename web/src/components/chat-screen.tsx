import { useEffect, useState } from 'preact/hooks';
import type { ChatStore } from '../state/chat-store.js';
import { useStore } from '../state/use-store.js';
import { AccountDialog } from './account-dialog.js';
import { ConnectionBanner } from './connection-banner.js';
import { ConversationView } from './conversation-view.js';
import type { DialogKind } from './dialog-kind.js';
import { GroupSettings } from './group-settings.js';
import { MentionList } from './mention-list.js';
import { NewDmDialog, NewGroupDialog } from './new-conversation.js';
import { SearchPanel } from './search-panel.js';
import { Sidebar } from './sidebar.js';
import { Toast } from './toast.js';
import { Welcome } from './welcome.js';

/** The signed-in app: sidebar, the open conversation, dialogs, connection banner. */
export function ChatScreen({ store }: { store: ChatStore }) {
  useStore(store);
  const [dialog, setDialog] = useState<DialogKind>(null);
  const [mentionsOpen, setMentionsOpen] = useState(false);
  /** The search panel, open from anywhere or limited to the open conversation. */
  const [search, setSearch] = useState<{ scoped: boolean } | null>(null);
  const selected = store.conversation(store.selectedId);
  const close = () => setDialog(null);

  useEffect(() => {
    const unread = store.conversations().filter((c) => c.unreadCount > 0).length;
    document.title = `${unread > 0 ? `(${unread}) ` : ''}${selected ? `${titleOf(store)} · ` : ''}Parley`;
  });

  useEffect(() => {
    // Ctrl/Cmd+K: jump to the conversation filter, like Slack and Element.
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'k') {
        e.preventDefault();
        document.getElementById('conversation-filter')?.focus();
      }
      // "/": search messages (as on GitHub and Slack), unless typing somewhere or a dialog is up.
      if (e.key === '/' && !e.ctrlKey && !e.metaKey && !e.altKey && !typingIn(e.target)) {
        if (document.querySelector('dialog[open]')) return;
        e.preventDefault();
        setSearch({ scoped: false });
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  return (
    <div
      class={`app ${selected ? 'app-conversation' : 'app-list'}${store.notice ? ' has-toast' : ''}`}
    >
      <ConnectionBanner store={store} />
      <div class="shell">
        <Sidebar
          store={store}
          onOpen={setDialog}
          onOpenMentions={() => setMentionsOpen(true)}
          onOpenSearch={() => setSearch({ scoped: false })}
        />
        <main class="main" id="main">
          {selected ? (
            <ConversationView
              key={selected.id}
              store={store}
              conversation={selected}
              onOpenSettings={() => setDialog('group-settings')}
              onOpenSearch={() => setSearch({ scoped: true })}
            />
          ) : (
            <Welcome store={store} onOpen={setDialog} />
          )}
        </main>
      </div>
      {dialog === 'new-dm' && <NewDmDialog store={store} onClose={close} />}
      {dialog === 'new-group' && <NewGroupDialog store={store} onClose={close} />}
      {dialog === 'account' && <AccountDialog store={store} onClose={close} />}
      {mentionsOpen && <MentionList store={store} onClose={() => setMentionsOpen(false)} />}
      {search && (
        <SearchPanel
          store={store}
          conversationId={store.selectedId}
          scoped={search.scoped}
          onClose={() => setSearch(null)}
        />
      )}
      {dialog === 'group-settings' && selected?.kind === 'group' && (
        <GroupSettings store={store} conversation={selected} onClose={close} />
      )}
      <div class="sr-only" aria-live="polite" aria-atomic="true">
        {store.announcement && <span key={store.announcement.id}>{store.announcement.text}</span>}
      </div>
      <Toast store={store} />
    </div>
  );
}

/** Whether a key went to something the user types in (there "/" is just a slash). */
function typingIn(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName);
}

function titleOf(store: ChatStore): string {
  const c = store.conversation(store.selectedId);
  if (!c) return 'Parley';
  return c.kind === 'dm' ? (c.peer ?? '[deleted]') : (c.name ?? 'Group');
}
