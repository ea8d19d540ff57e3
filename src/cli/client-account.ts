import type { Command } from 'commander';
import type { RegistrationMode } from '../client/index.js';
import { Cancelled } from './chat/session.js';
import { Terminal } from './chat/terminal.js';
import { die, explain, output, savedClient, wholeNumber } from './client-shared.js';

const MODES = ['open', 'invite', 'closed'];

/** Reads a password: the next stdin line with --password-stdin, else asked hidden on the terminal. */
async function password(term: Terminal, question: string, fromStdin: boolean): Promise<string> {
  if (fromStdin) return (await term.nextLine()) ?? die('no password on stdin', 2);
  if (!term.isTTY) die('no terminal to ask the password on: pipe it in with --password-stdin', 2);
  return (await term.askHidden(question)) ?? die('cancelled');
}

/** Runs `fn` with a terminal, turning errors into the CLI's exit codes. */
async function withTerminal(fn: (term: Terminal) => Promise<void>): Promise<void> {
  const term = new Terminal();
  try {
    await fn(term);
  } catch (err) {
    if (err instanceof Cancelled) die('cancelled');
    explain(err);
  } finally {
    term.close();
  }
}

/** `parley passwd`, `parley invite …`, `parley registration`, `parley reset-link` (rules RG1-RG8). */
export function registerAccountCommands(program: Command): void {
  program
    .command('passwd')
    .description('change your password; your other sessions end (this one stays)')
    .option('--server <url>', 'node URL')
    .option('--password-stdin', 'read the current, then the new password from two lines of stdin')
    .action(async (opts: { server?: string; passwordStdin?: boolean }) => {
      const client = savedClient(opts.server);
      await withTerminal(async (term) => {
        const stdin = opts.passwordStdin === true;
        const current = await password(term, 'Current password: ', stdin);
        const next = await password(term, 'New password: ', stdin);
        if (!stdin && (await password(term, 'Repeat new password: ', false)) !== next)
          die('the passwords differ', 2);
        await client.registration.changePassword(current, next);
        console.log('password changed; your other sessions were ended');
      });
    });

  const invite = program
    .command('invite')
    .description('invite codes (admins; members when allowed)');
  invite
    .command('create')
    .description('create an invite; prints its link (shown only once)')
    .option('--server <url>', 'node URL')
    .option('--hours <n>', 'hours until it expires (1-720, default 168)')
    .option('--uses <n>', 'how many accounts it may create (1-1000, default 1)')
    .option('--json', 'print JSON')
    .action(async (opts: { server?: string; hours?: string; uses?: string; json?: boolean }) => {
      const client = savedClient(opts.server);
      await withTerminal(async () => {
        const { invite: created } = await client.registration.createInvite({
          ...(opts.hours ? { expiresInHours: wholeNumber(opts.hours, '--hours', 1, 720) } : {}),
          ...(opts.uses ? { maxUses: wholeNumber(opts.uses, '--uses', 1, 1000) } : {}),
        });
        output(opts.json === true, created, () => [
          created.url,
          `code ${created.code} · ${created.maxUses} use(s) · expires ${new Date(created.expiresAt).toISOString()}`,
        ]);
      });
    });
  invite
    .command('list')
    .description('invites (admins: all; members: their own), newest first')
    .option('--server <url>', 'node URL')
    .option('--json', 'print JSON')
    .action(async (opts: { server?: string; json?: boolean }) => {
      const client = savedClient(opts.server);
      await withTerminal(async () => {
        const { invites } = await client.registration.invites();
        output(opts.json === true, invites, () =>
          invites.map((i) => {
            const state =
              i.revokedAt !== null
                ? 'revoked'
                : i.uses >= i.maxUses
                  ? 'used up'
                  : i.expiresAt <= Date.now()
                    ? 'expired'
                    : 'usable';
            return `${i.id}  ${i.uses}/${i.maxUses}  ${state}  by ${i.createdBy.username}  expires ${new Date(i.expiresAt).toISOString()}`;
          }),
        );
      });
    });
  invite
    .command('revoke <id>')
    .description('revoke an invite (its creator or an admin)')
    .option('--server <url>', 'node URL')
    .action(async (id: string, opts: { server?: string }) => {
      const client = savedClient(opts.server);
      await withTerminal(async () => {
        await client.registration.revokeInvite(id);
        console.log(`revoked ${id}`);
      });
    });

  program
    .command('registration [mode]')
    .description('show the registration mode, or set it (server admins): open, invite or closed')
    .option('--server <url>', 'node URL')
    .option('--members-can-invite <bool>', 'whether members may create invites (true or false)')
    .action(
      async (mode: string | undefined, opts: { server?: string; membersCanInvite?: string }) => {
        if (mode !== undefined && !MODES.includes(mode))
          die('the mode must be open, invite or closed', 2);
        const flag = opts.membersCanInvite;
        if (flag !== undefined && flag !== 'true' && flag !== 'false')
          die('--members-can-invite must be true or false', 2);
        const client = savedClient(opts.server);
        await withTerminal(async () => {
          const settings =
            mode === undefined && flag === undefined
              ? await client.registration.settings()
              : await client.registration.update({
                  ...(mode === undefined ? {} : { mode: mode as RegistrationMode }),
                  ...(flag === undefined ? {} : { membersCanInvite: flag === 'true' }),
                });
          console.log(
            `registration: ${settings.mode}` +
              (settings.membersCanInvite === undefined
                ? ''
                : ` · members can invite: ${settings.membersCanInvite ? 'yes' : 'no'}`),
          );
        });
      },
    );

  program
    .command('reset-link <username>')
    .description('server admins: issue a one-time password reset link (1 hour) for an account')
    .option('--server <url>', 'node URL')
    .option('--send', 'also mail it to the address on file (when the node has SMTP)')
    .action(async (username: string, opts: { server?: string; send?: boolean }) => {
      const client = savedClient(opts.server);
      await withTerminal(async () => {
        const { user } = await client.api.user(username);
        const issued = await client.registration.issueReset(user.id, opts.send === true);
        console.log(issued.url);
        console.log(
          `expires ${new Date(issued.expiresAt).toISOString()}${issued.sent ? ' · mailed' : ''}`,
        );
      });
    });
}
