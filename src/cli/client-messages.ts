import type { Command } from 'commander';
import { conversationLabel, formatMessage, formatReactions } from './chat/format.js';
import { toEmoji } from './chat/message-commands.js';
import { replaceShortcodes } from '../format/emoji.js';
import type { MessageDto } from '../protocol/schemas.js';
import {
  explain,
  findConversation,
  output,
  savedClient,
  UsageError,
  wholeNumber,
  type Target,
} from './client-shared.js';

interface Common extends Target {
  server?: string;
  json?: boolean;
}

/** Adds `--with USER`, `--group NAME`, `--server URL` and `--json` to a command. */
function targeted(command: Command, what: string): Command {
  return command
    .option('--with <user>', `${what} the direct message with USER`)
    .option('--group <name>', `${what} group NAME`)
    .option('--server <url>', 'node URL')
    .option('--json', 'JSON output');
}

/** The one-shot message commands: `send`, `history`, `react`, `thread`, `mentions`. */
export function registerMessageCommands(program: Command): void {
  targeted(
    program
      .command('send')
      .description('send one message: parley send --with USER TEXT | --group NAME TEXT')
      .argument('<text...>', 'the message (:shortcodes: become emoji)')
      .option('--to <user>', 'the same as --with')
      .option('--reply-to <seq>', 'reply to message SEQ of that conversation'),
    'to',
  ).action(async (words: string[], opts: Common & { to?: string; replyTo?: string }) => {
    const client = savedClient(opts.server);
    try {
      const replyTo =
        opts.replyTo === undefined ? undefined : wholeNumber(opts.replyTo, '--reply-to', 1);
      const conversation = await findConversation(client, {
        with: opts.with ?? opts.to,
        group: opts.group,
      });
      const { message } = await client.api.request<{ message: MessageDto }>(
        'POST',
        `/api/v1/conversations/${encodeURIComponent(conversation.id)}/messages`,
        {
          clientMsgId: crypto.randomUUID(),
          body: replaceShortcodes(words.join(' ')),
          ...(replyTo !== undefined ? { replyTo } : {}),
        },
      );
      const reply = replyTo !== undefined ? ` (a reply to #${replyTo})` : '';
      output(Boolean(opts.json), message, () => [
        `sent #${message.seq} to ${conversationLabel(conversation)}${reply}`,
      ]);
    } catch (err) {
      explain(err);
    }
  });

  targeted(
    program
      .command('history')
      .description('print messages: parley history --with USER | --group NAME')
      .option('--limit <n>', 'how many (1-100)', '20')
      .option('--before <seq>', 'only messages before this seq'),
    'in',
  ).action(async (opts: Common & { limit: string; before?: string }) => {
    const client = savedClient(opts.server);
    try {
      const limit = wholeNumber(opts.limit, '--limit', 1, 100);
      const before =
        opts.before === undefined ? undefined : wholeNumber(opts.before, '--before', 1);
      const conversation = await findConversation(client, opts);
      const { messages } = await client.api.history(conversation.id, {
        limit,
        ...(before !== undefined ? { before } : {}),
      });
      output(Boolean(opts.json), messages, () =>
        messages.map((m) => formatMessage(m, { color: false, me: client.user })),
      );
    } catch (err) {
      explain(err);
    }
  });

  targeted(
    program
      .command('react')
      .description(
        'react to a message: parley react --with USER SEQ EMOJI | --group NAME SEQ EMOJI',
      )
      .argument('<seq>', 'the message (12 or #12)')
      .argument('<emoji>', 'one emoji, or its :shortcode:')
      .option('--remove', 'take the reaction back'),
    'in',
  ).action(async (seqText: string, typed: string, opts: Common & { remove?: boolean }) => {
    const client = savedClient(opts.server);
    try {
      const seq = wholeNumber(seqText, 'SEQ', 1);
      const emoji = usage(() => toEmoji(typed, 'parley react SEQ EMOJI'));
      const conversation = await findConversation(client, opts);
      const { reactions } = opts.remove
        ? await client.api.unreact(conversation.id, seq, emoji)
        : await client.api.react(conversation.id, seq, emoji);
      output(Boolean(opts.json), reactions, () => [formatReactions(seq, reactions)]);
    } catch (err) {
      explain(err);
    }
  });

  targeted(
    program
      .command('thread')
      .description("print a message's thread: parley thread --with USER SEQ | --group NAME SEQ")
      .argument('<seq>', 'the thread root or any reply in it (12 or #12)')
      .option('--after <seq>', 'only replies after this seq')
      .option('--limit <n>', 'how many replies (1-100)', '50'),
    'in',
  ).action(async (seqText: string, opts: Common & { after?: string; limit: string }) => {
    const client = savedClient(opts.server);
    try {
      const seq = wholeNumber(seqText, 'SEQ', 1);
      const limit = wholeNumber(opts.limit, '--limit', 1, 100);
      const after = opts.after === undefined ? undefined : wholeNumber(opts.after, '--after', 0);
      const conversation = await findConversation(client, opts);
      const page = await client.api.thread(conversation.id, seq, {
        limit,
        ...(after !== undefined ? { after } : {}),
      });
      const render = (m: MessageDto) => formatMessage(m, { color: false, me: client.user });
      output(Boolean(opts.json), page, () => [
        render(page.root),
        ...page.replies.map(render),
        ...(page.nextAfter !== null ? [`… more: --after ${page.nextAfter}`] : []),
      ]);
    } catch (err) {
      explain(err);
    }
  });

  program
    .command('mentions')
    .description('messages that mention you, newest first')
    .option('--limit <n>', 'how many (1-100)', '20')
    .option('--before <id>', 'only mentions older than this message id (paging)')
    .option('--server <url>', 'node URL')
    .option('--json', 'JSON output')
    .action(async (opts: { limit: string; before?: string; server?: string; json?: boolean }) => {
      const client = savedClient(opts.server);
      try {
        const limit = wholeNumber(opts.limit, '--limit', 1, 100);
        const page = await client.api.mentions({
          limit,
          ...(opts.before ? { before: opts.before } : {}),
        });
        const { conversations } = await client.api.conversations();
        const labels = new Map(conversations.map((c) => [c.id, conversationLabel(c)]));
        output(Boolean(opts.json), page, () => [
          ...page.messages.map(
            (m) => `${labels.get(m.conversationId) ?? '(a conversation)'} ${formatMessage(m)}`,
          ),
          ...(page.nextBefore ? [`… more: --before ${page.nextBefore}`] : []),
        ]);
      } catch (err) {
        explain(err);
      }
    });
}

/** Runs a check whose Error means bad input (exit code 2). */
function usage<T>(check: () => T): T {
  try {
    return check();
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}
