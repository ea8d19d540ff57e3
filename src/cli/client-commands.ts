import type { Command } from 'commander';
import { ApiError, ClientErrorCode, ParleyClient } from '../client/index.js';
import { nodeWebSocket } from '../client/node.js';
import type { ConversationDto, MessageDto } from '../protocol/schemas.js';
import { ChatApp } from './chat/chat-app.js';
import {
  configPath,
  forgetSession,
  readClientConfig,
  serverUrl,
  writeClientConfig,
} from './chat/config-file.js';
import { conversationLabel, formatConversation, formatMessage } from './chat/format.js';
import { Cancelled, interactiveLogin, resumeSession } from './chat/session.js';
import { Terminal } from './chat/terminal.js';

/** Prints a one-line error and exits non-zero (scriptable commands, rule CLI2). */
function die(message: string, code = 1): never {
  console.error(`parley: ${message}`);
  process.exit(code);
}

function explain(err: unknown): never {
  if (err instanceof ApiError) {
    if (err.status === 401)
      die('not logged in (or the session expired): run `parley login` or `parley chat`', 3);
    die(
      `${err.message}${err.code === ClientErrorCode.Unreachable ? '' : ` (${err.code})`}`,
      err.code === ClientErrorCode.Unreachable ? 4 : 1,
    );
  }
  die(err instanceof Error ? err.message : String(err));
}

/** A client for one-shot commands, using the saved token. */
function savedClient(server: string | undefined): ParleyClient {
  const config = readClientConfig();
  return new ParleyClient({
    urls: [serverUrl(server, config)],
    token: config.token ?? null,
    webSocket: nodeWebSocket,
  });
}

async function findConversation(
  client: ParleyClient,
  opts: { to?: string; group?: string },
): Promise<ConversationDto> {
  if (opts.to) return (await client.api.dm(opts.to)).conversation;
  if (!opts.group) die('say where: --to USER or --group NAME', 2);
  const wanted = opts.group.replace(/^#/, '').toLowerCase();
  const { conversations } = await client.api.conversations();
  const found = conversations.find((c) => c.kind === 'group' && c.name?.toLowerCase() === wanted);
  if (!found) die(`you are in no group named "${opts.group}"`);
  return found;
}

function output(json: boolean, value: unknown, text: () => string[]): void {
  if (json) console.log(JSON.stringify(value, null, 2));
  else for (const line of text()) console.log(line);
}

/** `parley chat` and the scriptable client commands (`send`, `history`, `users`, …). */
export function registerClientCommands(program: Command): void {
  program
    .command('chat')
    .description('interactive terminal client')
    .option('--server <url>', 'node URL [env PARLEY_SERVER] (default http://127.0.0.1:8080)')
    .action(async (opts: { server?: string }) => {
      const path = configPath();
      const config = readClientConfig();
      const url = serverUrl(opts.server, config);
      const term = new Terminal();
      const client = new ParleyClient({
        urls: [url],
        token: config.token ?? null,
        webSocket: nodeWebSocket,
      });
      try {
        const user =
          (await resumeSession(client)) ??
          (await interactiveLogin(term, client, { ...config, server: url }, path));
        term.print(`Hello ${user.username}!`);
        process.exitCode = await new ChatApp(term, client, path).run();
      } catch (err) {
        if (err instanceof Cancelled) {
          if (err.message !== 'input ended') console.error(`parley: ${err.message}`);
          process.exitCode = 1;
        } else if (err instanceof ApiError) {
          console.error(`parley: ${err.message}`);
          process.exitCode = err.code === ClientErrorCode.Unreachable ? 4 : 1;
        } else {
          throw err;
        }
      } finally {
        client.close();
        term.close();
      }
    });

  program
    .command('login')
    .description('log in (or --register) and save the session token')
    .option('--server <url>', 'node URL [env PARLEY_SERVER]')
    .option('--username <name>', 'username (asked when missing)')
    .option('--password-stdin', 'read the password from the first line of stdin')
    .option('--register', 'create the account first')
    .action(
      async (opts: {
        server?: string;
        username?: string;
        passwordStdin?: boolean;
        register?: boolean;
      }) => {
        const config = readClientConfig();
        const url = serverUrl(opts.server, config);
        const term = new Terminal();
        const client = new ParleyClient({ urls: [url], webSocket: nodeWebSocket });
        try {
          if (!opts.username || !opts.passwordStdin) {
            await interactiveLogin(term, client, { ...config, server: url }, configPath());
            return;
          }
          const password = (await term.nextLine()) ?? die('no password on stdin', 2);
          if (opts.register) await client.register(opts.username, password);
          const user = await client.login(opts.username, password);
          writeClientConfig({
            server: url,
            token: client.api.token ?? undefined,
            username: user.username,
          });
          console.log(`logged in as ${user.username}`);
        } catch (err) {
          if (err instanceof Cancelled) die('cancelled');
          explain(err);
        } finally {
          term.close();
        }
      },
    );

  program
    .command('logout')
    .description('end the session and forget the saved token')
    .option('--server <url>', 'node URL')
    .action(async (opts: { server?: string }) => {
      const client = savedClient(opts.server);
      if (client.api.token) await client.api.logout().catch(() => undefined);
      forgetSession();
      console.log('logged out');
    });

  program
    .command('send')
    .description('send one message: parley send --to USER TEXT | --group NAME TEXT')
    .argument('<text...>', 'the message')
    .option('--to <user>', 'direct message to USER')
    .option('--group <name>', 'message to group NAME')
    .option('--server <url>', 'node URL')
    .option('--json', 'print the stored message as JSON')
    .action(
      async (
        words: string[],
        opts: { to?: string; group?: string; server?: string; json?: boolean },
      ) => {
        const client = savedClient(opts.server);
        try {
          const conversation = await findConversation(client, opts);
          const { message } = await client.api.request<{
            message: MessageDto;
          }>('POST', `/api/v1/conversations/${conversation.id}/messages`, {
            clientMsgId: crypto.randomUUID(),
            body: words.join(' '),
          });
          output(Boolean(opts.json), message, () => [
            `sent #${message.seq} to ${conversationLabel(conversation)}`,
          ]);
        } catch (err) {
          explain(err);
        }
      },
    );

  program
    .command('history')
    .description('print messages: parley history --with USER | --group NAME')
    .option('--with <user>', 'the direct message with USER')
    .option('--group <name>', 'group NAME')
    .option('--limit <n>', 'how many (1-100)', '20')
    .option('--before <seq>', 'only messages before this seq')
    .option('--server <url>', 'node URL')
    .option('--json', 'JSON output')
    .action(
      async (opts: {
        with?: string;
        group?: string;
        limit: string;
        before?: string;
        server?: string;
        json?: boolean;
      }) => {
        const client = savedClient(opts.server);
        try {
          const conversation = await findConversation(client, { to: opts.with, group: opts.group });
          const { messages } = await client.api.history(conversation.id, {
            limit: Number(opts.limit),
            ...(opts.before ? { before: Number(opts.before) } : {}),
          });
          output(Boolean(opts.json), messages, () => messages.map(formatMessage));
        } catch (err) {
          explain(err);
        }
      },
    );

  program
    .command('users')
    .description('find users: parley users PATTERN (* is a wildcard)')
    .argument('[pattern]', 'pattern', '')
    .option('--server <url>', 'node URL')
    .option('--json', 'JSON output')
    .action(async (pattern: string, opts: { server?: string; json?: boolean }) => {
      const client = savedClient(opts.server);
      try {
        const { users } = await client.api.users(pattern, { limit: 100 });
        output(Boolean(opts.json), users, () =>
          users.map((u) => `${u.online ? '●' : '○'} ${u.username}`),
        );
      } catch (err) {
        explain(err);
      }
    });

  program
    .command('conversations')
    .description('list your conversations with unread counts')
    .option('--server <url>', 'node URL')
    .option('--json', 'JSON output')
    .action(async (opts: { server?: string; json?: boolean }) => {
      const client = savedClient(opts.server);
      try {
        const { conversations } = await client.api.conversations();
        output(Boolean(opts.json), conversations, () => conversations.map(formatConversation));
      } catch (err) {
        explain(err);
      }
    });
}
