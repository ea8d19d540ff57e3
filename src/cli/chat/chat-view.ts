import type { ParleyClient } from '../../client/index.js';
import type { ConversationDto, MessageDto, ReactionGroupDto } from '../../protocol/schemas.js';
import type { Bell } from './bell.js';
import type { RenderOptions } from './format.js';
import type { Terminal } from './terminal.js';

/** A slash command: usage for /help, and what it does. */
export interface Command {
  usage: string;
  help: string;
  run(args: string[], rest: string): Promise<void> | void;
}

/** What the commands act on: the chat screen (its open conversation) and the client. */
export interface ChatView {
  readonly client: ParleyClient;
  readonly term: Terminal;
  /** The open conversation, if any. */
  current(): ConversationDto | null;
  /** Opens a conversation: its latest messages, then it follows live. */
  open(conversation: ConversationDto): Promise<void>;
  /** No conversation is open any more (the user left it). */
  closeConversation(): void;
  showConversations(): Promise<void>;
  /** Shows the page of messages before the oldest one shown (/more). */
  showOlder(): Promise<void>;
  /**
   * Sends text to the open conversation through the outbox (`:shortcodes:` become emoji),
   * as a reply to `replyTo` when given, with the uploaded `attachments`; refusals are printed
   * when they come. Answers the send's outcome, or null when no conversation is open.
   */
  send(
    text: string,
    options?: { replyTo?: number; attachments?: string[] },
  ): Promise<MessageDto> | null;
  /** A message as the terminal shows it (quote, line, reactions), styled if on a TTY. */
  render(message: MessageDto): string;
  /** How things are shown (styles on a TTY, the viewer, file URLs on the node). */
  renderOptions(): RenderOptions;
  /** When the bell rings: mute is the conversations', do-not-disturb the bell's own. */
  readonly bell: Bell;
  /** The reactions of a message of the open conversation as shown, if it was shown. */
  reactionsOf(seq: number): readonly ReactionGroupDto[] | undefined;
  /** Waits for pending sends, if the node is reachable. */
  flushOutbox(): Promise<void>;
  /** Ends the input loop. */
  quit(): void;
  /** Forgets the stored session token. */
  forgetSession(): void;
}

/** The open conversation, or an error that says what to do. */
export function requireOpen(view: ChatView): ConversationDto {
  const current = view.current();
  if (!current) throw new Error('open a conversation first (/open NAME or /dm USER)');
  return current;
}

/** A group or DM of the cached list by name: `#group`, `@peer`, or the bare name. */
export function findConversation(view: ChatView, name: string): ConversationDto | undefined {
  const wanted = name.replace(/^[#@]/, '').toLowerCase();
  const all = [...view.client.conversations.values()];
  return (
    all.find((c) => c.kind === 'group' && c.name?.toLowerCase() === wanted) ??
    all.find((c) => c.kind === 'dm' && c.peer === wanted)
  );
}

/** A message number as typed: `12` or `#12`. */
export function parseSeq(text: string | undefined, usage: string): number {
  if (!text || !/^#?\d+$/.test(text) || Number(text.replace('#', '')) < 1)
    throw new Error(`usage: ${usage}`);
  return Number(text.replace('#', ''));
}
