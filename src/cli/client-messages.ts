import type { Command } from 'commander';
import { formatBytes, type ParleyClient } from '../client/index.js';
import { uploadPath } from '../client/node-upload.js';
import {
  conversationLabel,
  formatMessage,
  formatReactions,
  formatSearchHit,
  type RenderOptions,
} from './chat/format.js';
import { toEmoji } from './chat/message-commands.js';
import { replaceShortcodes } from '../format/emoji.js';
import { MAX_ATTACHMENTS_PER_MESSAGE, SEARCH_PAGE_MAX } from '../protocol/limits.js';
import type { AttachmentDto, ConversationDto, MessageDto } from '../protocol/schemas.js';
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

/** The one-shot message commands: `send`, `history`, `react`, `thread`, `mentions`, `search`. */
export function registerMessageCommands(program: Command): void {
  targeted(
    program
      .command('send')
      .description(
        'send one message: parley send --with USER TEXT | --group NAME TEXT [--file PATH]…',
      )
      .argument('[text...]', 'the message (:shortcodes: become emoji); optional with --file')
      .option('--to <user>', 'the same as --with')
      .option('--reply-to <seq>', 'reply to message SEQ of that conversation')
      .option(
        '--file <path>',
        `attach a file (repeatable, at most ${MAX_ATTACHMENTS_PER_MESSAGE})`,
        (path: string, paths: string[]) => [...paths, path],
        [] as string[],
      ),
    'to',
  ).action(
    async (words: string[], opts: Common & { to?: string; replyTo?: string; file: string[] }) => {
      const client = savedClient(opts.server);
      try {
        const replyTo =
          opts.replyTo === undefined ? undefined : wholeNumber(opts.replyTo, '--reply-to', 1);
        const body = replaceShortcodes(words.join(' '));
        if (body.trim() === '' && opts.file.length === 0)
          throw new UsageError('say what to send: TEXT, or --file PATH');
        if (opts.file.length > MAX_ATTACHMENTS_PER_MESSAGE)
          throw new UsageError(
            `at most ${MAX_ATTACHMENTS_PER_MESSAGE} files per message, not ${opts.file.length}`,
          );
        const conversation = await findConversation(client, {
          with: opts.with ?? opts.to,
          group: opts.group,
        });
        const files = await uploadAll(client, opts.file);
        const message = await postMessage(client, conversation, body, replyTo, files);
        const reply = replyTo !== undefined ? ` (a reply to #${replyTo})` : '';
        const with_ =
          files.length === 0
            ? ''
            : ` with ${files.map((f) => `${f.name} (${formatBytes(f.size)})`).join(', ')}`;
        output(Boolean(opts.json), message, () => [
          `sent #${message.seq} to ${conversationLabel(conversation)}${reply}${with_}`,
        ]);
      } catch (err) {
        explain(err);
      }
    },
  );

  program
    .command('search')
    .description('search your messages: parley search QUERY [--conversation NAME] [--from USER]')
    .argument('<query...>', 'words; every one must match, each as a word prefix')
    .option('--conversation <id|name>', 'only in this conversation (#group, @peer or an id)')
    .option('--from <user>', 'only messages USER sent')
    .option('--order <order>', 'newest or relevance', 'newest')
    .option('--limit <n>', `how many (1-${SEARCH_PAGE_MAX})`, '20')
    .option('--cursor <cursor>', "a page's nextCursor (paging)")
    .option('--server <url>', 'node URL')
    .option('--json', 'JSON output')
    .action(
      async (
        words: string[],
        opts: {
          conversation?: string;
          from?: string;
          order: string;
          limit: string;
          cursor?: string;
          server?: string;
          json?: boolean;
        },
      ) => {
        const client = savedClient(opts.server);
        try {
          const limit = wholeNumber(opts.limit, '--limit', 1, SEARCH_PAGE_MAX);
          if (opts.order !== 'newest' && opts.order !== 'relevance')
            throw new UsageError(`--order must be newest or relevance, not "${opts.order}"`);
          const { conversations } = await client.api.conversations();
          const conversation =
            opts.conversation === undefined
              ? undefined
              : pickConversation(conversations, opts.conversation);
          const page = await client.api.search(words.join(' '), {
            order: opts.order,
            limit,
            ...(conversation ? { conversation: conversation.id } : {}),
            ...(opts.from ? { sender: opts.from.replace(/^@/, '') } : {}),
            ...(opts.cursor ? { cursor: opts.cursor } : {}),
          });
          const labels = new Map(conversations.map((c) => [c.id, conversationLabel(c)]));
          output(Boolean(opts.json), page, () => [
            ...page.results.map((hit) =>
              formatSearchHit(hit, labels.get(hit.message.conversationId) ?? '(a conversation)'),
            ),
            ...(page.results.length === 0 ? ['no messages match'] : []),
            ...(page.nextCursor ? [`… more: --cursor ${page.nextCursor}`] : []),
          ]);
        } catch (err) {
          explain(err);
        }
      },
    );

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
        messages.map((m) => formatMessage(m, plain(client))),
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
      const render = (m: MessageDto) => formatMessage(m, plain(client));
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
            (m) =>
              `${labels.get(m.conversationId) ?? '(a conversation)'} ${formatMessage(m, plain(client))}`,
          ),
          ...(page.nextBefore ? [`… more: --before ${page.nextBefore}`] : []),
        ]);
      } catch (err) {
        explain(err);
      }
    });
}

/**
 * Uploads the files in turn (each refused before upload when empty, too large or past the
 * quota); if one fails, the ones already uploaded are removed again, then the error goes on.
 */
async function uploadAll(client: ParleyClient, paths: readonly string[]): Promise<AttachmentDto[]> {
  const files: AttachmentDto[] = [];
  const progress = process.stderr.isTTY;
  try {
    for (const path of paths) {
      let shown = -1;
      const file = await uploadPath(client.api, path, {
        ...(progress
          ? {
              onProgress: (sent: number, total: number) => {
                const percent = Math.floor((sent / total) * 100);
                if (percent === shown) return;
                shown = percent;
                process.stderr.write(`\r\x1b[2Kuploading ${path}… ${percent}%`);
              },
            }
          : {}),
      });
      if (progress) process.stderr.write('\r\x1b[2K');
      files.push(file);
    }
    return files;
  } catch (err) {
    if (progress) process.stderr.write('\r\x1b[2K');
    await removeUploads(client, files);
    throw err;
  }
}

/** POSTs the message with its files; a refused send removes the uploads it would have carried. */
async function postMessage(
  client: ParleyClient,
  conversation: ConversationDto,
  body: string,
  replyTo: number | undefined,
  files: readonly AttachmentDto[],
): Promise<MessageDto> {
  try {
    const { message } = await client.api.request<{ message: MessageDto }>(
      'POST',
      `/api/v1/conversations/${encodeURIComponent(conversation.id)}/messages`,
      {
        clientMsgId: crypto.randomUUID(),
        body,
        ...(replyTo !== undefined ? { replyTo } : {}),
        ...(files.length > 0 ? { attachments: files.map((f) => f.id) } : {}),
      },
    );
    return message;
  } catch (err) {
    await removeUploads(client, files);
    throw err;
  }
}

async function removeUploads(client: ParleyClient, files: readonly AttachmentDto[]): Promise<void> {
  await Promise.all(files.map((f) => client.api.deleteUpload(f.id).catch(() => undefined)));
}

/** A conversation by id, `#group`, `@peer` or bare name, among the user's; else a refusal (exit 1). */
function pickConversation(list: readonly ConversationDto[], wanted: string): ConversationDto {
  const name = wanted.replace(/^[#@]/, '').toLowerCase();
  const found =
    list.find((c) => c.id === wanted) ??
    list.find(
      (c) => c.kind === 'group' && !wanted.startsWith('@') && c.name?.toLowerCase() === name,
    ) ??
    list.find((c) => c.kind === 'dm' && !wanted.startsWith('#') && c.peer === name);
  if (!found) throw new Error(`you are in no conversation "${wanted}" (see parley conversations)`);
  return found;
}

/** How one-shot commands print messages: plain text, files with the node's URLs. */
function plain(client: ParleyClient): RenderOptions {
  return { color: false, me: client.user, fileUrl: (id) => client.api.fileUrl(id) };
}

/** Runs a check whose Error means bad input (exit code 2). */
function usage<T>(check: () => T): T {
  try {
    return check();
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}
