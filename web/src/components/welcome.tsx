import type { ChatStore } from '../state/chat-store.js';
import type { DialogKind } from './dialog-kind.js';
import { ComposeIcon, GroupIcon, Logo } from './icons.js';

/** What the main pane shows when no conversation is open. */
export function Welcome({ store, onOpen }: { store: ChatStore; onOpen: (d: DialogKind) => void }) {
  const count = store.client.conversations.size;
  return (
    <section class="welcome" aria-labelledby="welcome-title">
      <Logo size={56} />
      <h1 id="welcome-title">Hi {store.me.username}!</h1>
      <p>
        {count === 0
          ? 'Start by messaging someone or creating a group. Find people by name; * matches anything.'
          : 'Pick a conversation on the left, or start a new one.'}
      </p>
      <div class="welcome-actions">
        <button type="button" class="button button-primary" onClick={() => onOpen('new-dm')}>
          <ComposeIcon size={18} /> New message
        </button>
        <button type="button" class="button" onClick={() => onOpen('new-group')}>
          <GroupIcon size={18} /> New group
        </button>
      </div>
    </section>
  );
}
