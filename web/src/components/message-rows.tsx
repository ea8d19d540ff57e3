import type { ComponentChildren } from 'preact';
import type { OutboxEntry } from '../../../src/client/index.js';
import type {
  ConversationDto,
  MessageDto,
  ReplyPreviewDto,
} from '../../../src/protocol/schemas.js';
import { continues, formatDay, sameDay } from '../lib/format.js';
import { canModerate } from '../lib/groups.js';
import type { ChatStore } from '../state/chat-store.js';
import type { HistoryEntry } from '../state/history.js';
import { namesIn } from '../state/timeline-entries.js';
import { MessageItem } from './message-item.js';
import { AddReactionButton, ReactionBar } from './reaction-bar.js';
import { SeenBy } from './seen-by.js';
import { SystemLine } from './system-line.js';

/** What the rows of a history do when a message's buttons are used. */
export interface RowActions {
  editing: number | null;
  setEditing: (seq: number | null) => void;
  onDelete: (m: MessageDto) => void;
  /** The message briefly highlighted after a jump. */
  highlighted: number | null;
}

/**
 * The rows of a conversation's history: day separators, the "New" line, messages (with their
 * reply quotes and thread counts) and system lines in seq order, then the user's unsent sends.
 */
export function renderRows(args: {
  store: ChatStore;
  conversation: ConversationDto;
  entries: readonly HistoryEntry[];
  outbox: OutboxEntry[];
  firstUnread: number | undefined;
  actions: RowActions;
  /** Where the read receipt goes (seenTarget). */
  seen?: { seq: number; names: string[] } | null;
}): ComponentChildren[] {
  const { store, conversation: c, firstUnread, actions } = args;
  const rows: ComponentChildren[] = [];
  const group = c.kind === 'group';
  const names = namesIn(args.entries);
  const members = store.members(c.id);
  for (const m of members ?? []) names.set(m.userId, m.username);
  const nameOf = (userId: string) => names.get(userId);
  // Who may remove others' messages here (rule PG8): group owners and admins, server admins.
  const roles = new Map(members?.map((m) => [m.userId, m.role]));
  const moderator = {
    userId: store.me.id,
    role: group ? (roles.get(store.me.id) ?? c.role) : null,
    serverAdmin: store.groups.serverAdmin,
  };
  const removable = (m: MessageDto) =>
    canModerate(moderator, { userId: m.sender, role: roles.get(m.sender) ?? null });
  let prev: MessageDto | undefined;
  let prevAt: number | undefined;
  const dayBreak = (at: number, key: string) => {
    if (prevAt === undefined || !sameDay(prevAt, at)) {
      rows.push(
        <li class="day-separator" key={key}>
          <span>{formatDay(at)}</span>
        </li>,
      );
      prevAt = at;
      return true;
    }
    prevAt = at;
    return false;
  };

  for (const entry of args.entries) {
    if (entry.kind === 'event') {
      dayBreak(entry.event.createdAt, `day-${entry.seq}`);
      rows.push(
        <SystemLine key={`e${entry.seq}`} event={entry.event} me={store.me.id} nameOf={nameOf} />,
      );
      // A system line breaks a run of messages: the next one shows its sender again.
      prev = undefined;
      continue;
    }
    const m = entry.message;
    const newDay = dayBreak(m.createdAt, `day-${m.seq}`);
    const isFirstUnread = m.seq === firstUnread;
    if (isFirstUnread) {
      rows.push(
        <li class="unread-separator" key="unread">
          <span>New</span>
        </li>,
      );
    }
    rows.push(
      <MessageItem
        key={m.seq}
        message={m}
        me={store.me}
        mine={m.sender === store.me.id}
        group={group}
        continued={!newDay && !isFirstUnread && !m.reply && continues(prev, m)}
        state="sent"
        mentionsMe={store.mentions.mentionsMe(m)}
        highlighted={actions.highlighted === m.seq}
        editing={actions.editing === m.seq}
        onStartEdit={() => actions.setEditing(m.seq)}
        onEndEdit={() => {
          actions.setEditing(null);
          document.getElementById('composer-input')?.focus();
        }}
        onSaveEdit={(body) => store.edit(c.id, m.seq, body)}
        onDelete={() => actions.onDelete(m)}
        onRemove={removable(m) ? () => store.deleteMessage(c.id, m.seq) : undefined}
        onReply={() => {
          store.sends.setReplyingTo(c.id, m);
          document.getElementById('composer-input')?.focus();
        }}
        onOpenThread={() => void store.threads.open(c.id, m.seq)}
        onJumpToParent={m.reply ? () => void store.jumpTo(c.id, m.reply!.seq) : undefined}
        reactions={<ReactionBar store={store} conversation={c} message={m} />}
        actions={
          m.deletedAt === null ? (
            <AddReactionButton store={store} conversation={c} message={m} />
          ) : undefined
        }
      />,
    );
    if (args.seen?.seq === m.seq)
      rows.push(<SeenBy key="seen" kind={c.kind} names={args.seen.names} />);
    prev = m;
  }

  for (const entry of args.outbox) {
    const draft = draftOf(store, c, entry);
    const newDay = dayBreak(entry.createdAt, `day-${entry.clientMsgId}`);
    rows.push(
      <MessageItem
        key={entry.clientMsgId}
        message={draft}
        me={store.me}
        mine
        group={group}
        continued={!newDay && !draft.reply && continues(prev, draft)}
        state={entry.state === 'failed' ? 'failed' : 'pending'}
        error={entry.error?.message}
        onRetry={() => store.sends.retry(entry.clientMsgId)}
        onDiscard={() => store.sends.discard(entry.clientMsgId)}
      />,
    );
    prev = draft;
  }
  return rows;
}

/** An unsent message as it will look once stored (with the quote of what it replies to). */
export function draftOf(store: ChatStore, c: ConversationDto, entry: OutboxEntry): MessageDto {
  const parent =
    entry.replyTo === undefined ? undefined : store.histories.message(c.id, entry.replyTo);
  const reply: ReplyPreviewDto | null = parent
    ? {
        seq: parent.seq,
        sender: parent.sender,
        senderName: parent.senderName,
        snippet: parent.body,
        deleted: parent.deletedAt !== null,
      }
    : null;
  return {
    id: entry.clientMsgId,
    conversationId: c.id,
    seq: 0,
    sender: store.me.id,
    senderName: store.me.username,
    clientMsgId: entry.clientMsgId,
    body: entry.body,
    createdAt: entry.createdAt,
    editedAt: null,
    deletedAt: null,
    replyTo: entry.replyTo ?? null,
    threadRoot: parent ? (parent.threadRoot ?? parent.seq) : null,
    mentions: [],
    mentionsAll: false,
    reply,
    replyCount: 0,
    reactions: [],
    attachments: store.sends.attachmentsOf(entry.clientMsgId),
    deletedBy: null,
  };
}
