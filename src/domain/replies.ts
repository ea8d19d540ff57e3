import { REPLY_SNIPPET_CHARS } from './limits.js';
import type { ReplyPreview, StoredMessage } from './model.js';

/**
 * The largest seq the store can hold (a 32-bit integer column): a larger seq names no entry,
 * so reads answer `not_found` (or nothing) for it instead of asking the engine.
 */
export const MAX_SEQ = 2_147_483_647;

/** The quote of `parent` a reply carries (rule R2): its body cut to the snippet, "" once deleted. */
export function replyPreviewOf(
  parent: Pick<StoredMessage, 'seq' | 'sender' | 'body' | 'deletedAt'> & { senderName: string },
): ReplyPreview {
  const deleted = parent.deletedAt !== null;
  return {
    seq: parent.seq,
    sender: parent.sender,
    senderName: parent.senderName,
    snippet: deleted ? '' : firstCodePoints(parent.body, REPLY_SNIPPET_CHARS),
    deleted,
  };
}

/** The thread a reply to `parent` joins (rule R1): the parent's own root, or the parent. */
export function threadRootOf(parent: Pick<StoredMessage, 'seq' | 'threadRoot'>): number {
  return parent.threadRoot ?? parent.seq;
}

/** The first `n` code points of `text` (a surrogate pair is one), without reading past them. */
export function firstCodePoints(text: string, n: number): string {
  let units = 0;
  for (let points = 0; points < n && units < text.length; points++) {
    const code = text.charCodeAt(units);
    units += code >= 0xd800 && code <= 0xdbff && units + 1 < text.length ? 2 : 1;
  }
  return text.slice(0, units);
}
