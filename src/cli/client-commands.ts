import type { Command } from 'commander';
import { ApiError, ClientErrorCode, ParleyClient } from '../client/index.js';
import { nodeWebSocket } from '../client/node.js';
import { ChatApp } from './chat/chat-app.js';
import {
  configPath,
  forgetSession,
  readClientConfig,
  serverUrl,
  writeClientConfig,
} from './chat/config-file.js';
import { formatConversation } from './chat/format.js';
import { Cancelled, interactiveLogin, resumeSession } from './chat/session.js';
import { Terminal } from './chat/terminal.js';
import { registerGroupCommands } from './client-groups.js';
import { registerMessageCommands } from './client-messages.js';
import { die, explain, output, savedClient } from './client-shared.js';

/** `parley chat` and the scriptable client commands (`login`, `users`, `conversations`, and the message ones). */
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
    .option('--invite <code>', 'with --register: the invite code an invite-only node asks for')
    .action(
      async (opts: {
        server?: string;
        username?: string;
        passwordStdin?: boolean;
        register?: boolean;
        invite?: string;
      }) => {
        const config = readClientConfig();
        const url = serverUrl(opts.server, config);
        const term = new Terminal();
        const client = new ParleyClient({ urls: [url], webSocket: nodeWebSocket });
        try {
          if (!opts.username) {
            await interactiveLogin(term, client, { ...config, server: url }, configPath());
            return;
          }
          let password: string;
          if (opts.passwordStdin) {
            password = (await term.nextLine()) ?? die('no password on stdin', 2);
          } else {
            // The name is given: ask only for the password, and only where it can be typed.
            if (!term.isTTY)
              die('no terminal to ask the password on: pipe it in with --password-stdin', 2);
            password = (await term.askHidden('Password: ')) ?? die('cancelled');
            if (opts.register && (await term.askHidden('Repeat password: ')) !== password)
              die('the passwords differ', 2);
          }
          if (opts.register) await client.register(opts.username, password, opts.invite);
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

  registerMessageCommands(program);
  registerGroupCommands(program);

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
