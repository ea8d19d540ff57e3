import type { ConversationDto, MessageDto, TimelineEventDto } from '../../protocol/schemas.js';

/** Local wall-clock time of a timestamp, HH:MM. */
export function localTime(ms: number): string {
  const d = new Date(ms);
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}

/** How a conversation is named in the terminal: `#group` or `@peer`. */
export function conversationLabel(c: Pick<ConversationDto, 'kind' | 'name' | 'peer'>): string {
  return c.kind === 'group' ? `#${c.name ?? '?'}` : `@${c.peer ?? '?'}`;
}

/** One message line: `[14:02] #12 bob: hello`. */
export function formatMessage(m: MessageDto): string {
  const edited = m.editedAt !== null ? ' (edited)' : '';
  const body = m.deletedAt !== null ? '(deleted)' : m.body;
  return `[${localTime(m.createdAt)}] #${m.seq} ${m.senderName}: ${body}${edited}`;
}

/** One line for a non-message timeline event, from the viewpoint of a reader. */
export function formatEvent(e: TimelineEventDto): string {
  switch (e.type) {
    case 'conversation.created':
      return `• group "${e.data.name}" created`;
    case 'conversation.renamed':
      return `• group renamed to "${e.data.name}"`;
    case 'member.added':
      return `• ${e.data.username} joined`;
    case 'member.removed':
      return `• ${e.data.username} was removed`;
    case 'member.left':
      return e.data.reason === 'account_deleted'
        ? `• ${e.data.username} deleted their account`
        : `• ${e.data.username} left`;
    case 'member.role_changed':
      return `• ${e.data.username} is now ${e.data.role}`;
    case 'message.edited':
      return `✎ #${e.data.seq} edited: ${e.data.body}`;
    case 'message.deleted':
      return `✗ #${e.data.seq} deleted`;
    case 'reaction.added':
      return `+ ${e.data.username} reacted ${e.data.emoji} to #${e.data.seq}`;
    case 'reaction.removed':
      return `- ${e.data.username} removed ${e.data.emoji} from #${e.data.seq}`;
    case 'conversation.settings_changed':
      return e.data.allMentions === 'admins'
        ? '• only owners and admins may mention @all now'
        : '• every member may mention @all now';
  }
}

/** A line of the conversation list: `#team (3 unread) — bob: hi`. */
export function formatConversation(c: ConversationDto): string {
  const unread = c.unreadCount > 0 ? ` (${c.unreadCount} unread)` : '';
  const last = c.lastMessage
    ? ` — ${c.lastMessage.senderName}: ${c.lastMessage.deletedAt ? '(deleted)' : c.lastMessage.body.slice(0, 60)}`
    : '';
  return `${conversationLabel(c)}${unread}${last}`;
}
