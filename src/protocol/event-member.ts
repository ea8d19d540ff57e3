import type { TimelineEventDto } from './events.js';

// Zod-free (type imports only), so browser bundles can use it without the schemas.

/** The member an event is about (added, removed, left, role changed, joined, muted), or null for others. */
export function eventMember(event: TimelineEventDto): { userId: string; username: string } | null {
  switch (event.type) {
    case 'member.added':
    case 'member.removed':
    case 'member.left':
    case 'member.role_changed':
    case 'member.joined':
    case 'member.muted':
      return { userId: event.data.userId, username: event.data.username };
    case 'conversation.created':
    case 'conversation.renamed':
    case 'message.edited':
    case 'message.deleted':
    case 'reaction.added':
    case 'reaction.removed':
    case 'conversation.settings_changed':
    case 'conversation.access_changed':
      return null;
  }
}
