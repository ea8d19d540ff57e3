import type { SideEvent } from '../protocol/frames.js';
import type { ConversationCache } from './conversation-cache.js';
import type { Emitter } from './emitter.js';
import type { ClientEvents } from './events.js';

/**
 * A side event (no seq: not in a timeline) applied to the client's conversation list and
 * emitted: a conversation added, deleted or removed, muted, read, another member's receipt.
 * `forget` drops a conversation's cursor.
 */
export function applySideEvent(
  client: Emitter<ClientEvents> & { conversations: ConversationCache },
  event: SideEvent,
  forget: (conversationId: string) => void,
): void {
  switch (event.type) {
    case 'conversation.added':
      client.conversations.set(event.conversationId, event.conversation);
      client.emit('conversation', event.conversation);
      return;
    case 'conversation.deleted':
    case 'conversation.removed':
      client.conversations.delete(event.conversationId);
      forget(event.conversationId);
      client.emit('conversation.removed', {
        conversationId: event.conversationId,
        reason: event.type === 'conversation.deleted' ? 'deleted' : 'removed',
      });
      return;
    case 'conversation.muted': {
      const conversation = client.conversations.setMuted(event.conversationId, event.muted);
      if (conversation) client.emit('conversation', conversation);
      return;
    }
    case 'read': {
      const conversation = client.conversations.markRead(event.conversationId, event.seq);
      if (conversation) client.emit('conversation', conversation);
      return client.emit('read', { conversationId: event.conversationId, seq: event.seq });
    }
    case 'receipt': {
      const { conversationId, userId, seq } = event;
      return client.emit('receipt', { conversationId, userId, seq });
    }
  }
}
