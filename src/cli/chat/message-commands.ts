import { emojiForShortcode, isSingleEmoji } from '../../format/emoji.js';
import type { MessageDto } from '../../protocol/schemas.js';
import { parseSeq, requireOpen, type ChatView, type Command } from './chat-view.js';
import { conversationLabel } from './format.js';

/** Most thread replies /thread prints (two pages of the thread route). */
const THREAD_MAX = 200;

/** The slash commands that act on messages: edit, delete, reply, threads, reactions, mentions. */
export function messageCommands(view: ChatView): Record<string, Command> {
  const c = view.client;
  const term = view.term;
  return {
    reply: {
      usage: '/reply SEQ TEXT',
      help: 'reply to message #SEQ (quoted above yours)',
      run: ([seq], rest) => {
        const replyTo = parseSeq(seq, '/reply SEQ TEXT');
        const text = rest.slice(seq!.length).trim();
        if (!text) throw new Error('usage: /reply SEQ TEXT');
        requireOpen(view);
        void view.send(text, { replyTo });
      },
    },
    thread: {
      usage: '/thread SEQ',
      help: 'a message and every reply in its thread',
      run: async ([seq]) => {
        const root = parseSeq(seq, '/thread SEQ');
        const conversation = requireOpen(view);
        const page = await c.api.thread(conversation.id, root, { limit: 100 });
        const replies = [...page.replies];
        let after = page.nextAfter;
        while (after !== null && replies.length < THREAD_MAX) {
          const next = await c.api.thread(conversation.id, root, { after, limit: 100 });
          replies.push(...next.replies);
          after = next.nextAfter;
        }
        const count = `${replies.length} ${replies.length === 1 ? 'reply' : 'replies'}`;
        term.print(`— thread of #${page.root.seq} (${count}) —`);
        term.print(view.render(page.root));
        for (const m of replies) term.print(view.render(m));
        if (after !== null) term.print(`  … more replies after #${after}`);
        term.print('— end of thread —');
      },
    },
    react: {
      usage: '/react SEQ EMOJI',
      help: 'react to #SEQ (an emoji or :shortcode:)',
      run: async ([seq, typed]) => {
        const target = parseSeq(seq, '/react SEQ EMOJI');
        const emoji = toEmoji(typed, '/react SEQ EMOJI');
        const had = mine(view, target, emoji);
        await c.api.react(requireOpen(view).id, target, emoji);
        // The server changes nothing then, so no event will show it.
        if (had) term.print(`(you had already reacted ${emoji} to #${target})`);
      },
    },
    unreact: {
      usage: '/unreact SEQ EMOJI',
      help: 'take back your reaction',
      run: async ([seq, typed]) => {
        const target = parseSeq(seq, '/unreact SEQ EMOJI');
        const emoji = toEmoji(typed, '/unreact SEQ EMOJI');
        const had = mine(view, target, emoji);
        await c.api.unreact(requireOpen(view).id, target, emoji);
        if (had === false) term.print(`(you had no ${emoji} on #${target})`);
      },
    },
    mentions: {
      usage: '/mentions',
      help: 'recent messages that mention you',
      run: async () => {
        const { messages } = await c.api.mentions({ limit: 20 });
        if (messages.length === 0) return term.print('No one mentioned you yet.');
        term.print('Mentions (newest first):');
        for (const m of messages) {
          const conversation = c.conversations.get(m.conversationId);
          const where = conversation ? conversationLabel(conversation) : '(a conversation)';
          term.print(`${where} ${view.render(m)}`);
        }
      },
    },
    me: {
      usage: '/me ACTION',
      help: 'say what you do, in italics (/me waves)',
      run: (_args, rest) => {
        if (!rest) throw new Error('usage: /me ACTION');
        requireOpen(view);
        void view.send(rest.includes('_') ? `*${rest}*` : `_${rest}_`);
      },
    },
    edit: {
      usage: '/edit [#SEQ] TEXT',
      help: 'edit your last (or #SEQ) message',
      run: async (args) => {
        const { conversationId, seq, rest } = await target(view, args);
        if (rest.length === 0) throw new Error('usage: /edit [#SEQ] TEXT');
        await c.api.editMessage(conversationId, seq, rest.join(' '));
      },
    },
    delete: {
      usage: '/delete [#SEQ]',
      help: 'delete your last (or #SEQ) message',
      run: async (args) => {
        const { conversationId, seq } = await target(view, args);
        await c.api.deleteMessage(conversationId, seq);
      },
    },
  };
}

/** Whether the user's reaction `emoji` is on message `seq` as shown; undefined if not shown. */
function mine(view: ChatView, seq: number, emoji: string): boolean | undefined {
  const groups = view.reactionsOf(seq);
  if (!groups) return undefined;
  const me = view.client.user?.id;
  return groups.some((g) => g.emoji === emoji && g.users.some((u) => u.userId === me));
}

/** One emoji from what was typed: the emoji itself, `:shortcode:` or a bare shortcode. */
export function toEmoji(typed: string | undefined, usage: string): string {
  if (!typed) throw new Error(`usage: ${usage}`);
  const name = /^:([^:\s]+):$/.exec(typed)?.[1] ?? typed;
  const emoji = emojiForShortcode(name) ?? typed;
  if (!isSingleEmoji(emoji))
    throw new Error(`"${typed}" is not one emoji: type one (👍) or its :shortcode: (:thumbsup:)`);
  return emoji;
}

/** The message an /edit or /delete refers to: `#12`, or your latest one in the open conversation. */
async function target(
  view: ChatView,
  args: string[],
): Promise<{ conversationId: string; seq: number; rest: string[] }> {
  const current = requireOpen(view);
  const first = args[0];
  if (first && /^#\d+$/.test(first))
    return { conversationId: current.id, seq: Number(first.slice(1)), rest: args.slice(1) };
  const { messages } = await view.client.api.history(current.id, { limit: 100 });
  const mine = messages
    .filter((m: MessageDto) => m.sender === view.client.user?.id && m.deletedAt === null)
    .at(-1);
  if (!mine) throw new Error('you have no message here to change');
  return { conversationId: current.id, seq: mine.seq, rest: args };
}
