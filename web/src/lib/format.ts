import type { ConversationDto, MessageDto } from '../../../src/protocol/schemas.js';

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' });
const weekdayFormat = new Intl.DateTimeFormat(undefined, { weekday: 'long' });
const shortDateFormat = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });
const longDateFormat = new Intl.DateTimeFormat(undefined, {
  weekday: 'long',
  month: 'long',
  day: 'numeric',
  year: 'numeric',
});
const fullFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeStyle: 'short' });

const DAY_MS = 86_400_000;

/** Local midnight of the day `ms` falls on. */
function startOfDay(ms: number): number {
  const d = new Date(ms);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}

/** True if both times fall on the same local calendar day. */
export function sameDay(a: number, b: number): boolean {
  return startOfDay(a) === startOfDay(b);
}

/** A message's local time of day, e.g. "14:05" or "2:05 PM" as the locale writes it. */
export function formatTime(ms: number): string {
  return timeFormat.format(ms);
}

/** Date and time in full, for tooltips and `<time>` titles. */
export function formatFull(ms: number): string {
  return fullFormat.format(ms);
}

/** A day separator's label: Today, Yesterday, a weekday this week, else the date. */
export function formatDay(ms: number, now = Date.now()): string {
  const days = Math.round((startOfDay(now) - startOfDay(ms)) / DAY_MS);
  if (days === 0) return 'Today';
  if (days === 1) return 'Yesterday';
  if (days > 1 && days < 7) return weekdayFormat.format(ms);
  return longDateFormat.format(ms);
}

/** The compact time of a conversation's last activity in the sidebar. */
export function formatActivity(ms: number, now = Date.now()): string {
  const days = Math.round((startOfDay(now) - startOfDay(ms)) / DAY_MS);
  if (days === 0) return formatTime(ms);
  if (days === 1) return 'Yesterday';
  if (days > 1 && days < 7) return weekdayFormat.format(ms).slice(0, 3);
  return shortDateFormat.format(ms);
}

/** What a conversation is called: the other person of a DM, or the group's name. */
export function conversationTitle(c: ConversationDto): string {
  if (c.kind === 'dm') return c.peer ?? '[deleted]';
  return c.name ?? 'Unnamed group';
}

/** The sidebar's one-line preview of a conversation's last message. */
export function lastMessagePreview(c: ConversationDto, myId: string): string {
  const m = c.lastMessage;
  if (!m) return c.kind === 'group' ? 'Group created' : 'No messages yet';
  const body = m.body.replace(/\s+/g, ' ').trim();
  const files = m.attachments;
  // A message of files alone reads as its first file, as a push notification says it.
  const text = m.deletedAt
    ? m.deletedBy !== null
      ? 'Removed by a moderator'
      : 'Message deleted'
    : body || files.length === 0
      ? body
      : `📎 ${files[0]!.name}${files.length > 1 ? ` and ${files.length - 1} more` : ''}`;
  if (m.sender === myId) return `You: ${text}`;
  return c.kind === 'group' ? `${m.senderName}: ${text}` : text;
}

/** An avatar's initials: the first letter, or the first letters of the first two words. */
export function initials(name: string): string {
  const parts = name
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim()
    .split(' ')
    .filter(Boolean);
  if (parts.length === 0) return '?';
  if (parts.length === 1) return [...parts[0]!][0]!.toUpperCase();
  return ([...parts[0]!][0]! + [...parts[1]!][0]!).toUpperCase();
}

/** A stable colour slot (0-7) for a name, so everyone sees the same avatar colours. */
export function colorSlot(name: string): number {
  let hash = 0;
  for (const ch of name) hash = (hash * 31 + ch.codePointAt(0)!) >>> 0;
  return hash % 8;
}

/** Length in Unicode code points, as the node counts a message (rule M1). */
export function codePoints(text: string): number {
  let n = 0;
  for (const _ of text) n += 1;
  return n;
}

/** True if two messages in a row read as one block (same sender, close in time, same day). */
export function continues(prev: MessageDto | undefined, next: MessageDto): boolean {
  if (!prev) return false;
  return (
    prev.sender === next.sender &&
    next.createdAt - prev.createdAt < 5 * 60_000 &&
    sameDay(prev.createdAt, next.createdAt)
  );
}
