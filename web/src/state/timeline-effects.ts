import type { TimelineItem } from '../../../src/client/index.js';
import { plainText } from '../../../src/format/markdown.js';
import type {
  ConversationDto,
  MessageDto,
  TimelineEventDto,
} from '../../../src/protocol/schemas.js';
import type { ConversationList } from './conversation-list.js';
import type { Histories } from './histories.js';
import type { Mentions } from './mentions.js';
import { pageProfiles } from './profiles.js';
import type { Groups } from './groups.js';
import type { Threads } from './threads.js';
import { isSystemEvent, namesIn, systemText } from './timeline-entries.js';
import type { Typing } from './typing.js';

/** What a timeline entry may change on the page. */
export interface TimelineTargets {
  /** The signed-in user's id. */
  me: string;
  histories: Histories;
  conversations: ConversationList;
  threads: Threads;
  mentions: Mentions;
  typing: Typing;
  /** The user's own mutes (member.muted about them). */
  groups: Groups;
  /** The conversation on screen. */
  selectedId: string | null;
  /** Reads out (politely) someone else's new message, or a change in the open conversation. */
  announce(text: string): void;
  /** Drops a conversation the user left or was removed from. */
  forget(id: string, why: 'removed' | null): void;
}

/** Applies a live timeline entry to the page (the client hands each over once, in order). */
export function applyTimeline(item: TimelineItem, to: TimelineTargets): void {
  to.threads.apply(item);
  if (item.kind === 'event') return applyEvent(item.event, to);
  const m = item.message;
  to.histories.merge(m.conversationId, [m], { live: true });
  to.mentions.message(m, to.conversations.get(m.conversationId));
  to.typing.stopped(m.conversationId, m.senderName);
  if (m.sender !== to.me && !m.deletedAt)
    to.announce(announcementOf(m, to.conversations.get(m.conversationId), to));
}

/**
 * Applies a live timeline event to the page: edits, deletions, reactions and system lines to
 * the loaded history (LoadedHistory.apply), the list's last message, membership changes to the
 * member list, and the user's own removal or departure to the conversation list.
 */
function applyEvent(event: TimelineEventDto, to: TimelineTargets): void {
  const id = event.conversationId;
  to.histories.apply(event);
  to.groups.apply(event);
  if (isSystemEvent(event) && id === to.selectedId && event.actor !== to.me) {
    const names = namesIn(to.histories.view(id).entries);
    for (const m of to.conversations.members(id) ?? []) names.set(m.userId, m.username);
    to.announce(systemText(event, to.me, (userId) => names.get(userId)));
  }
  switch (event.type) {
    case 'message.edited':
    case 'message.deleted': {
      const { seq } = event.data;
      const patch: Partial<MessageDto> =
        event.type === 'message.edited'
          ? { body: event.data.body, editedAt: event.data.editedAt ?? event.createdAt }
          : { body: '', deletedAt: event.createdAt, deletedBy: event.data.by?.userId ?? null };
      if (event.type === 'message.deleted') to.mentions.deleted(id, seq);
      else
        to.mentions.edited(id, seq, {
          ...patch,
          ...(event.data.mentions ? { mentions: event.data.mentions } : {}),
          ...(event.data.mentionsAll !== undefined ? { mentionsAll: event.data.mentionsAll } : {}),
        });
      const c = to.conversations.get(id);
      if (c?.lastMessage?.seq === seq) c.lastMessage = { ...c.lastMessage, ...patch };
      return;
    }
    case 'member.added':
    case 'member.removed':
    case 'member.left':
    case 'member.role_changed':
    case 'member.joined':
    case 'member.muted': {
      const aboutMe = event.data.userId === to.me;
      if (aboutMe && event.type === 'member.removed') return to.forget(id, 'removed');
      if (aboutMe && event.type === 'member.left') return to.forget(id, null);
      // Our role, or a DM peer who deleted their account ("[deleted]"): the summary changed.
      const peerDeleted = event.type === 'member.left' && event.data.reason === 'account_deleted';
      // Their name, display name and picture go too (rule A6): the page's profile reads again.
      if (peerDeleted) void pageProfiles.refresh(event.data.userId).catch(() => undefined);
      // Someone joining changes the member count, which the client's cache counts only for
      // member.added: the summaries are read again (idempotent, whoever counts it later).
      const joined = event.type === 'member.joined' && !aboutMe;
      if ((aboutMe && event.type === 'member.role_changed') || peerDeleted || joined)
        to.conversations.refresh();
      to.conversations.membersChanged(id);
      return;
    }
    case 'conversation.settings_changed': {
      // Who may mention @all (the composer offers it); idempotent with the client's cache.
      const c = to.conversations.get(id);
      if (c) c.allMentions = event.data.allMentions;
      return;
    }
    case 'conversation.access_changed': {
      // Who can find the group and what later members read; idempotent with the client's cache.
      const c = to.conversations.get(id);
      if (!c) return;
      c.visibility = event.data.visibility;
      c.history = event.data.history;
      return;
    }
    case 'conversation.created':
    case 'conversation.renamed':
    case 'reaction.added':
    case 'reaction.removed':
      return;
  }
}

/** What a screen reader says of someone's new message ("bob in Team: hi @alice"). */
export function announcementOf(
  m: MessageDto,
  c: ConversationDto | undefined,
  page: { selectedId: string | null },
): string {
  const where =
    c && m.conversationId !== page.selectedId && c.kind === 'group' ? ` in ${c.name}` : '';
  const reply = m.reply ? ` (replying to ${m.reply.senderName})` : '';
  return `${m.senderName}${where}${reply}: ${plainText(m.body)}`;
}
