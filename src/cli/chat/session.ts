import { ApiError, ClientErrorCode, type ParleyClient } from '../../client/index.js';
import type { UserDto } from '../../protocol/schemas.js';
import { writeClientConfig, type ClientConfig } from './config-file.js';
import type { Terminal } from './terminal.js';

/** Raised when the user ends input during login; the caller exits quietly. */
export class Cancelled extends Error {
  override readonly name = 'Cancelled';
}

/** Reuses the saved token if the server still accepts it. */
export async function resumeSession(client: ParleyClient): Promise<UserDto | null> {
  if (!client.api.token) return null;
  try {
    const { user } = await client.api.me();
    client.user = user;
    return user;
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      client.api.token = null;
      return null;
    }
    throw err;
  }
}

async function required(term: Terminal, question: string, hidden = false): Promise<string> {
  const answer = hidden ? await term.askHidden(question) : await term.ask(question);
  if (answer === null) throw new Cancelled('input ended');
  return hidden ? answer : answer.trim();
}

/**
 * First-run flow: "Do you have an account?", then log in or register. Loops on mistakes
 * (wrong password, taken name) with a one-line explanation; saves only the token.
 */
export async function interactiveLogin(
  term: Terminal,
  client: ParleyClient,
  config: ClientConfig,
  path: string,
): Promise<UserDto> {
  for (;;) {
    const has = (await required(term, 'Do you have an account? [y/n] ')).toLowerCase();
    if (has !== 'y' && has !== 'yes' && has !== 'n' && has !== 'no') {
      term.print('Please answer y or n.');
      continue;
    }
    const username = await required(term, 'Username: ');
    const password = await required(term, 'Password: ', true);
    try {
      if (has.startsWith('n')) {
        const confirm = await required(term, 'Repeat password: ', true);
        if (confirm !== password) {
          term.print('The passwords differ; try again.');
          continue;
        }
        await client.register(username, password);
        term.print(`Account ${username.toLowerCase()} created.`);
      }
      const user = await client.login(username, password);
      writeClientConfig(
        {
          ...config,
          server: client.url,
          token: client.api.token ?? undefined,
          username: user.username,
        },
        path,
      );
      term.print(`Logged in as ${user.username}.`);
      return user;
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      term.print(
        `${err.message}${err.code === ClientErrorCode.Unreachable ? '' : ` (${err.code})`}`,
      );
      if (err.code === ClientErrorCode.Unreachable) throw new Cancelled(err.message);
    }
  }
}
