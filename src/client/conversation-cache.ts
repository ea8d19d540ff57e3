import type { ConversationDto } from '../protocol/schemas.js';
import type { Cursors } from './cursors.js';
import type { TimelineItem } from './events.js';
import { mentionsUser } from './mentions.js';

/**
 * The conversation list as the client last knew it (REST summaries), kept in step with the
 * live timeline: last seq and message, unread and mention counts, names, member counts, read
 * markers, the user's role, the @all policy, whether the user muted it.
 */
export class ConversationCache extends Map<string, ConversationDto> {
  /** Applies a delivered timeline item; returns the summary it changed, if cached. */
  applyTimeline(item: TimelineItem, me: string | undefined): ConversationDto | undefined {
    const id = item.kind === 'message' ? item.message.conversationId : item.event.conversationId;
    const conversation = this.get(id);
    if (!conversation) return undefined;
    if (item.kind === 'message') {
      const { message } = item;
      conversation.lastSeq = Math.max(conversation.lastSeq, message.seq);
      conversation.lastMessage = message;
      conversation.lastMessageAt = message.createdAt;
      if (message.sender !== me && message.seq > conversation.lastReadSeq) {
        conversation.unreadCount += 1;
        if (mentionsUser(message, me)) conversation.mentionCount += 1;
      }
      return conversation;
    }
    const { event } = item;
    // A summary read after the event (the joiner's conversation.added) already counts it.
    const fresh = event.seq > conversation.lastSeq;
    conversation.lastSeq = Math.max(conversation.lastSeq, event.seq);
    if (event.type === 'member.joined' && fresh) conversation.memberCount += 1;
    if (event.type === 'conversation.access_changed') {
      conversation.visibility = event.data.visibility;
      conversation.history = event.data.history;
    }
    if (event.type === 'conversation.renamed') conversation.name = event.data.name;
    if (event.type === 'member.added') conversation.memberCount += 1;
    if (event.type === 'member.removed' || event.type === 'member.left')
      conversation.memberCount -= 1;
    if (event.type === 'member.role_changed' && event.data.userId === me)
      conversation.role = event.data.role;
    if (event.type === 'conversation.settings_changed')
      conversation.allMentions = event.data.allMentions;
    return conversation;
  }

  /**
   * Takes a conversation list read over REST. A summary older than the cached one (the node read
   * it before entries the client has since received live) does not replace it; `behind` says a
   * summary was taken although it is older than what the client received (nothing newer was
   * cached), so the list should be read again. Answers the summaries as now cached.
   */
  takeList(
    list: readonly ConversationDto[],
    cursors: Cursors,
  ): { shown: ConversationDto[]; behind: boolean } {
    let behind = false;
    const shown = list.map((c) => {
      const cached = this.get(c.id);
      if (cached && cached.lastSeq > c.lastSeq) return cached;
      if (c.lastSeq < (cursors.get(c.id) ?? 0)) behind = true;
      this.set(c.id, c);
      return c;
    });
    return { shown, behind };
  }

  /**
   * The user muted or unmuted the conversation (rule N3, here or on another device: the
   * `conversation.muted` side event); returns the changed summary.
   */
  setMuted(conversationId: string, muted: boolean): ConversationDto | undefined {
    const conversation = this.get(conversationId);
    if (!conversation) return undefined;
    conversation.muted = muted;
    return conversation;
  }

  /** The user read up to `seq` (here or on another device); returns the changed summary. */
  markRead(conversationId: string, seq: number): ConversationDto | undefined {
    const conversation = this.get(conversationId);
    if (!conversation) return undefined;
    conversation.lastReadSeq = Math.max(conversation.lastReadSeq, seq);
    conversation.unreadCount = 0;
    conversation.mentionCount = 0;
    return conversation;
  }
}
