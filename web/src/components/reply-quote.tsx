import { plainText } from '../../../src/format/markdown.js';
import type { ReplyPreviewDto } from '../../../src/protocol/schemas.js';
import { ReplyIcon } from './icons.js';

/** Characters of the quoted text shown on one line (the rest is cut with an ellipsis). */
const SHOWN = 140;

/** The quoted text of a reply preview: its parent's body without markup, on one line. */
export function quoteText(reply: Pick<ReplyPreviewDto, 'snippet' | 'deleted'>): string {
  if (reply.deleted) return 'Message deleted';
  const text = plainText(reply.snippet).replace(/\s+/g, ' ').trim();
  const chars = Array.from(text);
  return chars.length > SHOWN ? `${chars.slice(0, SHOWN).join('')}…` : text;
}

/**
 * The quote a reply shows of its parent (rule R2): who wrote it and a plain-text snippet, kept
 * current by the parent's edits and deletion; activating it jumps to the parent.
 */
export function ReplyQuote(props: {
  reply: ReplyPreviewDto;
  me: string;
  onJump?: (() => void) | undefined;
}) {
  const { reply } = props;
  const who = reply.sender === props.me ? 'You' : reply.senderName;
  const text = quoteText(reply);
  return (
    <button
      type="button"
      class={`reply-quote${reply.deleted ? ' is-deleted' : ''}`}
      aria-label={`Replying to ${who}: ${text}${props.onJump ? '. Show that message' : ''}`}
      title={props.onJump ? 'Show the message this replies to' : undefined}
      disabled={!props.onJump}
      onClick={props.onJump}
    >
      <ReplyIcon size={13} />
      <span class="reply-quote-sender">{who}</span>
      <span class="reply-quote-text">{text}</span>
    </button>
  );
}
