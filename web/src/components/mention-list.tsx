import { useEffect } from 'preact/hooks';
import { plainText } from '../../../src/format/markdown.js';
import type { MessageDto } from '../../../src/protocol/schemas.js';
import { conversationTitle, formatActivity, formatFull } from '../lib/format.js';
import type { ChatStore } from '../state/chat-store.js';
import { Avatar } from './avatar.js';
import { Dialog } from './dialog.js';

/**
 * The messages that mention the user, newest first (rule R8, `GET /api/v1/mentions`); picking
 * one opens its conversation at that message.
 */
export function MentionList(props: { store: ChatStore; onClose: () => void }) {
  const { store } = props;
  const view = store.mentions.list();

  useEffect(() => {
    void store.mentions.load();
  }, [store]);

  const open = (m: MessageDto) => {
    props.onClose();
    void store.jumpTo(m.conversationId, m.seq);
  };

  return (
    <Dialog title="Mentions" subtitle="Messages that mention you or @all" onClose={props.onClose}>
      {view.error && (
        <p class="form-error" role="alert">
          Couldn't load your mentions: {view.error}
        </p>
      )}
      {view.messages.length === 0 && !view.loading && !view.error && (
        <p class="mention-empty">Nobody has mentioned you yet.</p>
      )}
      <ul class="mention-list" aria-label="Mentions" aria-busy={view.loading}>
        {view.messages.map((m) => {
          const c = store.conversation(m.conversationId);
          const where = c ? conversationTitle(c) : 'a conversation';
          return (
            <li key={m.id}>
              <button type="button" class="mention-row" onClick={() => open(m)}>
                <Avatar name={m.senderName} userId={m.sender} size="sm" />
                <span class="mention-main">
                  <span class="mention-top">
                    <span class="mention-sender">{m.senderName}</span>
                    <span class="mention-where">in {where}</span>
                    <time
                      class="mention-time"
                      dateTime={new Date(m.createdAt).toISOString()}
                      title={formatFull(m.createdAt)}
                    >
                      {formatActivity(m.createdAt)}
                    </time>
                  </span>
                  <span class="mention-text">{plainText(m.body)}</span>
                </span>
              </button>
            </li>
          );
        })}
      </ul>
      {view.loading && (
        <p class="history-loading">
          <span class="spinner" aria-hidden="true" /> Loading mentions…
        </p>
      )}
      {view.hasMore && !view.loading && (
        <button
          type="button"
          class="button button-small button-quiet"
          onClick={() => void store.mentions.load(true)}
        >
          Show older mentions
        </button>
      )}
    </Dialog>
  );
}
