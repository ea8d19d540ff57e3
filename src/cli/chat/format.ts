import { formatBytes, mentionsUser } from '../../client/index.js';
import { renderAnsi, renderHighlights } from '../../format/ansi.js';
import { plainText } from '../../format/markdown.js';
import type {
  AttachmentDto,
  ConversationDto,
  SearchHitDto,
  MessageDto,
  ReactionGroupDto,
  TimelineEventDto,
} from '../../protocol/schemas.js';

/**
 * How the terminal shows things: `color` on a TTY (SGR styles, mentions highlighted), plain
 * text otherwise; `me` is the viewer (their mentions stand out).
 */
export interface RenderOptions {
  color: boolean;
  me?: { id: string; username: string } | null | undefined;
  /** Where a file's bytes are (the node's absolute URL); default the path on the node. */
  fileUrl?: ((fileId: string) => string) | undefined;
  /** A sender's display name, if known and set (rule PR7: headers read `Name (username)`). */
  displayName?: ((userId: string) => string | null | undefined) | undefined;
}

const PLAIN: RenderOptions = { color: false };
const SNIPPET_CHARS = 60;
/** Indent of a message's second and later lines, its quote and its reactions. */
const INDENT = '    ';

/** Local wall-clock time of a timestamp, HH:MM. */
export function localTime(ms: number): string {
  const d = new Date(ms);
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}

/** How a conversation is named in the terminal: `#group` or `@peer`. */
export function conversationLabel(c: Pick<ConversationDto, 'kind' | 'name' | 'peer'>): string {
  return c.kind === 'group' ? `#${c.name ?? '?'}` : `@${c.peer ?? '?'}`;
}

/** Local date and time of a timestamp, `2026-12-01 14:02` (search results may be old). */
export function localDateTime(ms: number): string {
  const d = new Date(ms);
  const day = [d.getFullYear(), d.getMonth() + 1, d.getDate()]
    .map((n, i) => String(n).padStart(i === 0 ? 4 : 2, '0'))
    .join('-');
  return `${day} ${localTime(ms)}`;
}

/**
 * A message's text on one line for notices and lists: its snippet, or `📎 name` for a message
 * that is only files (rule F3).
 */
export function messageSnippet(m: Pick<MessageDto, 'body' | 'attachments'>): string {
  const text = snippet(m.body);
  if (text !== '' || m.attachments.length === 0) return text;
  const more = m.attachments.length > 1 ? ` +${m.attachments.length - 1}` : '';
  return `📎 ${oneLine(m.attachments[0]!.name, SNIPPET_CHARS)}${more}`;
}

/**
 * One attached file: `📎 photo.jpg (1.2 MB, image/jpeg, 800×600) <url>`; the URL opens it in
 * a browser logged in to the node (rule F4).
 */
export function formatAttachment(a: AttachmentDto, options: RenderOptions = PLAIN): string {
  const facts = [formatBytes(a.size), oneLine(a.contentType, 100)];
  if (a.width !== null && a.height !== null) facts.push(`${a.width}×${a.height}`);
  const url = options.fileUrl?.(a.id) ?? `/api/v1/files/${encodeURIComponent(a.id)}`;
  const link = options.color ? `\x1b[4m${url}\x1b[0m` : url;
  return `📎 ${bold(oneLine(a.name, 255), options)} (${facts.join(', ')}) ${link}`;
}

/** Text as it is (no Markdown: a file name's `_` stays) on one line, cut to `max` characters. */
function oneLine(text: string, max: number): string {
  const flat = text.replace(/[\p{Cc}\s]+/gu, ' ').trim();
  const chars = [...flat];
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : flat;
}

/** A body on one line without markup or control characters, cut to `max` characters. */
export function snippet(body: string, max = SNIPPET_CHARS): string {
  const flat = plainText(body)
    .replace(/\p{Cc}+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  const chars = [...flat];
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : flat;
}

function bold(text: string, options: RenderOptions): string {
  return options.color ? `\x1b[1m${text}\x1b[0m` : text;
}

function dim(text: string, options: RenderOptions): string {
  return options.color ? `\x1b[2m${text}\x1b[0m` : text;
}

/**
 * A message as lines: its reply quote (`↳ re #12 bob: snippet`), then `[14:02] #13 alice: body`
 * (Markdown rendered; later lines indented), then its reactions if it has any. A message that
 * mentions the viewer says so: highlighted on a TTY, `(mentions you)` in plain text.
 */
export function formatMessage(m: MessageDto, options: RenderOptions = PLAIN): string {
  const lines: string[] = [];
  if (m.reply) {
    const text = m.reply.deleted ? '(deleted)' : snippet(m.reply.snippet);
    lines.push(dim(`  ↳ re #${m.reply.seq} ${m.reply.senderName}: ${text}`, options));
  }
  const mentioned = mentionsUser(m, options.me?.id);
  const display = options.displayName?.(m.sender);
  const sender = display ? `${display} (${m.senderName})` : m.senderName;
  const head = `[${localTime(m.createdAt)}] #${m.seq} ${sender}:`;
  const tags: string[] = [];
  if (m.editedAt !== null && m.deletedAt === null) tags.push('(edited)');
  if (m.replyCount > 0) tags.push(`[${m.replyCount} ${m.replyCount === 1 ? 'reply' : 'replies'}]`);
  if (mentioned && !options.color) tags.push('(mentions you)');
  const files = m.deletedAt === null ? m.attachments.map((a) => formatAttachment(a, options)) : [];
  const body =
    m.deletedAt !== null
      ? ['(deleted)']
      : m.body === '' && files.length > 0
        ? [files.shift()!]
        : renderAnsi(m.body, { color: options.color, me: options.me?.username }).split('\n');
  body.push(...files);
  const [first = '', ...rest] = body;
  const tail = tags.length > 0 ? ` ${tags.join(' ')}` : '';
  const shownHead = mentioned && options.color ? `\x1b[1;33;7m${head}\x1b[0m` : bold(head, options);
  lines.push(`${shownHead} ${first}${rest.length === 0 ? tail : ''}`);
  rest.forEach((line, i) => lines.push(`${INDENT}${line}${i === rest.length - 1 ? tail : ''}`));
  if (m.deletedAt === null && m.reactions.length > 0)
    lines.push(`${INDENT}${formatReactions(m.seq, m.reactions)}`);
  return lines.join('\n');
}

/** `#12 reactions: 👍 2 (alice, bob) ❤️ 1 (carol)`; `none` once the last one is gone. */
export function formatReactions(seq: number, groups: readonly ReactionGroupDto[]): string {
  if (groups.length === 0) return `#${seq} reactions: none`;
  const parts = groups.map((g) => {
    const names = g.users.slice(0, 3).map((u) => u.username);
    const more = g.users.length > 3 ? ` +${g.users.length - 3}` : '';
    return `${g.emoji} ${g.users.length} (${names.join(', ')}${more})`;
  });
  return `#${seq} reactions: ${parts.join(' ')}`;
}

/** Who did something, by user id (the members the terminal knows), if known. */
export type NameOf = (userId: string) => string | undefined;

/** One line for a non-message timeline event, from the viewpoint of a reader. */
export function formatEvent(
  e: TimelineEventDto,
  nameOf: NameOf = () => undefined,
  options: RenderOptions = PLAIN,
): string {
  const actor = nameOf(e.actor);
  const by = actor ? ` by ${actor}` : '';
  switch (e.type) {
    case 'conversation.created':
      return `• group "${e.data.name}" created${by}`;
    case 'conversation.renamed':
      return `• group renamed to "${e.data.name}"${by}`;
    case 'member.added':
      return e.actor === e.data.userId
        ? `• ${e.data.username} joined`
        : `• ${e.data.username} was added${by}`;
    case 'member.removed':
      return `• ${e.data.username} was removed${by}`;
    case 'member.left':
      return e.data.reason === 'account_deleted'
        ? `• ${e.data.username} deleted their account`
        : `• ${e.data.username} left`;
    case 'member.role_changed':
      return `• ${e.data.username} is now ${e.data.role}${by}`;
    case 'message.edited':
      return `✎ #${e.data.seq} edited: ${renderAnsi(e.data.body, { color: options.color, me: options.me?.username }).replace(/\n/g, `\n${INDENT}`)}`;
    case 'message.deleted':
      return e.data.by
        ? `✗ #${e.data.seq} removed by ${e.data.by.username}`
        : `✗ #${e.data.seq} deleted`;
    case 'reaction.added':
      return `+ ${e.data.username} reacted ${e.data.emoji} to #${e.data.seq}`;
    case 'reaction.removed':
      return `- ${e.data.username} removed ${e.data.emoji} from #${e.data.seq}`;
    case 'conversation.settings_changed':
      return e.data.allMentions === 'admins'
        ? `• only owners and admins may mention @all now${by}`
        : `• every member may mention @all now${by}`;
    case 'member.joined':
      return `• ${e.data.username} joined`;
    case 'member.muted':
      return e.data.until === null
        ? `• ${e.data.username} may write again${by}`
        : `• ${e.data.username} was muted until ${new Date(e.data.until).toLocaleString()}${by}`;
    case 'conversation.access_changed': {
      const parts: string[] = [];
      if (e.data.visibility !== e.data.previousVisibility)
        parts.push(
          e.data.visibility === 'public' ? 'the group is public now' : 'the group is private now',
        );
      if (e.data.history !== e.data.previousHistory)
        parts.push(
          e.data.history === 'all'
            ? 'new members read the whole history'
            : 'new members read from their joining on',
        );
      return `• ${parts.join('; ') || 'access settings unchanged'}${by}`;
    }
  }
}

/** A line of the conversation list: `#team (3 unread, 1 mention, muted) — bob: hi`. */
export function formatConversation(c: ConversationDto): string {
  const counts: string[] = [];
  if (c.unreadCount > 0) counts.push(`${c.unreadCount} unread`);
  if (c.mentionCount > 0)
    counts.push(`${c.mentionCount} ${c.mentionCount === 1 ? 'mention' : 'mentions'}`);
  if (c.muted) counts.push('muted');
  const unread = counts.length > 0 ? ` (${counts.join(', ')})` : '';
  const last = c.lastMessage
    ? ` — ${c.lastMessage.senderName}: ${c.lastMessage.deletedAt ? '(deleted)' : messageSnippet(c.lastMessage)}`
    : '';
  return `${conversationLabel(c)}${unread}${last}`;
}

/**
 * A search result (rule Q3) on one line: `#team [2026-12-01 14:02] #13 alice: …the snippet…`
 * with the matched words bold and inverse on a TTY; `label` names the conversation.
 */
export function formatSearchHit(
  hit: SearchHitDto,
  label: string,
  options: RenderOptions = PLAIN,
): string {
  const m = hit.message;
  const head = `${label} [${localDateTime(m.createdAt)}] #${m.seq} ${m.senderName}:`;
  const text =
    hit.snippet.text === '' && m.attachments.length > 0
      ? messageSnippet(m)
      : renderHighlights(hit.snippet.text, hit.snippet.highlights, options);
  return `${bold(head, options)} ${text}`;
}
