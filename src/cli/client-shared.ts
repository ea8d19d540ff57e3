import { ApiError, ClientErrorCode, ErrorCode, ParleyClient } from '../client/index.js';
import { nodeWebSocket } from '../client/node.js';
import type { ConversationDto } from '../protocol/schemas.js';
import { readClientConfig, serverUrl } from './chat/config-file.js';

/** Prints a one-line error and exits non-zero (scriptable commands, rule CLI2). */
export function die(message: string, code = 1): never {
  console.error(`parley: ${message}`);
  process.exit(code);
}

/**
 * Exits with the one line a refusal deserves: 3 when the session is missing or expired, 4
 * when the node is unreachable, 2 for input the command itself refused (a file it cannot
 * read included), else 1.
 */
export function explain(err: unknown): never {
  if (err instanceof ApiError) {
    if (err.status === 401 && err.code !== ErrorCode.InvalidCredentials)
      die('not logged in (or the session expired): run `parley login` or `parley chat`', 3);
    if (err.code === ClientErrorCode.FileUnreadable) die(err.message, 2);
    die(
      `${err.message}${err.code === ClientErrorCode.Unreachable ? '' : ` (${err.code})`}`,
      err.code === ClientErrorCode.Unreachable ? 4 : 1,
    );
  }
  if (err instanceof UsageError) die(err.message, 2);
  die(err instanceof Error ? err.message : String(err));
}

/** Input the command refuses before asking the server (exit code 2). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** A client for one-shot commands, using the saved token. */
export function savedClient(server: string | undefined): ParleyClient {
  const config = readClientConfig();
  return new ParleyClient({
    urls: [serverUrl(server, config)],
    token: config.token ?? null,
    webSocket: nodeWebSocket,
  });
}

/** Where a one-shot command acts: the DM `--with USER` or the group `--group NAME`. */
export interface Target {
  with?: string;
  group?: string;
}

export async function findConversation(
  client: ParleyClient,
  opts: Target,
): Promise<ConversationDto> {
  if (opts.with && opts.group) throw new UsageError('say one place: --with USER or --group NAME');
  if (opts.with) return (await client.api.dm(opts.with)).conversation;
  if (!opts.group) throw new UsageError('say where: --with USER or --group NAME');
  const wanted = opts.group.replace(/^#/, '').toLowerCase();
  const { conversations } = await client.api.conversations();
  const found = conversations.find((c) => c.kind === 'group' && c.name?.toLowerCase() === wanted);
  if (!found) die(`you are in no group named "${opts.group}"`);
  return found;
}

/** A whole number (a seq may be written `#12`) in [min, max], or a usage error naming it. */
export function wholeNumber(value: string, name: string, min: number, max?: number): number {
  const digits = value.replace(/^#/, '');
  const n = Number(digits);
  if (!/^\d+$/.test(digits) || n < min || (max !== undefined && n > max))
    throw new UsageError(`${name} must be a whole number${range(min, max)}, not "${value}"`);
  return n;
}

function range(min: number, max: number | undefined): string {
  return max === undefined ? ` of at least ${min}` : ` from ${min} to ${max}`;
}

/** JSON for scripts, else the lines for people. */
export function output(json: boolean, value: unknown, text: () => string[]): void {
  if (json) console.log(JSON.stringify(value, null, 2));
  else for (const line of text()) console.log(line);
}
