/**
 * History visibility (rules PG5-PG7): a member whose bound is `from` (members.history_from,
 * 0: everything) reads only timeline entries with seq >= from, and a reply they read does not
 * quote a parent from before it. Pure; every read path applies these.
 */
import type { Message, TimelineEntry } from './model.js';

/** True if an entry at `seq` is readable with the bound `from`. */
export function readable(seq: number, from: number): boolean {
  return seq >= from;
}

/** The message as a member bounded by `from` reads it: null before the bound, no quote of an earlier parent. */
export function boundedMessage(message: Message | null, from: number): Message | null {
  if (message === null || from <= 0) return message;
  if (message.seq < from) return null;
  if (message.replyTo !== null && message.replyTo < from && message.reply !== null)
    return { ...message, reply: null };
  return message;
}

/** Messages readable with the bound `from` (see boundedMessage), in their order. */
export function boundedMessages(messages: Message[], from: number): Message[] {
  if (from <= 0) return messages;
  return messages.flatMap((m) => {
    const b = boundedMessage(m, from);
    return b ? [b] : [];
  });
}

/** Timeline entries readable with the bound `from`, messages bounded as above. */
export function boundedEntries(entries: TimelineEntry[], from: number): TimelineEntry[] {
  if (from <= 0) return entries;
  return entries.flatMap((e): TimelineEntry[] => {
    if (e.kind === 'event') return e.event.seq >= from ? [e] : [];
    const m = boundedMessage(e.message, from);
    return m ? [{ kind: 'message', message: m }] : [];
  });
}

/** The `after` cursor of a forward read, raised to just before the bound. */
export function boundedAfter(after: number, from: number): number {
  return Math.max(after, from - 1);
}
