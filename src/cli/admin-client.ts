import type { Command } from 'commander';
import type { AdminUserDto, AuditEntryDto, ParleyClient } from '../client/index.js';
import { die, explain, output, savedClient, UsageError } from './client-shared.js';

/** One account as a line: status, name, admin, last seen. */
export function formatAdminUser(u: AdminUserDto): string {
  const status = u.deletedAt !== null ? 'deleted' : u.suspendedAt !== null ? 'suspended' : 'active';
  const seen =
    u.lastSeenAt === null ? 'never seen' : `seen ${new Date(u.lastSeenAt).toISOString()}`;
  const reason = u.suspendedReason ? ` (${u.suspendedReason})` : '';
  return `${u.username}${u.admin ? ' [admin]' : ''}  ${status}${reason}  ${seen}  created ${new Date(u.createdAt).toISOString()}`;
}

/** One audit entry as a line. */
export function formatAuditEntry(e: AuditEntryDto): string {
  const actor = e.actor ? e.actor.username : '(operator)';
  const target = e.targetUser ? ` ${e.targetUser.username}` : '';
  const where = e.targetConversationId ? ` in ${e.targetConversationId}` : '';
  const data = Object.keys(e.data).length > 0 ? ` ${JSON.stringify(e.data)}` : '';
  return `${new Date(e.at).toISOString()}  ${actor}  ${e.action}${target}${where}${data}`;
}

async function target(client: ParleyClient, username: string): Promise<AdminUserDto> {
  const user = await client.admin.findUser(username);
  if (!user) die(`no user named "${username}"`);
  return user;
}

interface Common {
  server?: string;
  json?: boolean;
}

/** The admin's client commands under `parley admin` (rule AD10), over HTTP. */
export function registerAdminClientCommands(admin: Command): void {
  admin
    .command('users')
    .description('list accounts: parley admin users [PATTERN] [--status active|suspended|deleted]')
    .argument('[pattern]', 'pattern (* is a wildcard)', '')
    .option('--status <status>', 'active, suspended or deleted')
    .option('--server <url>', 'node URL')
    .option('--json', 'JSON output')
    .action(async (pattern: string, opts: Common & { status?: string }) => {
      const client = savedClient(opts.server);
      try {
        if (opts.status && !['active', 'suspended', 'deleted'].includes(opts.status))
          throw new UsageError('--status must be active, suspended or deleted');
        const { users } = await client.admin.users({
          q: pattern,
          limit: 100,
          ...(opts.status ? { status: opts.status as 'active' | 'suspended' | 'deleted' } : {}),
        });
        output(Boolean(opts.json), users, () => users.map(formatAdminUser));
      } catch (err) {
        explain(err);
      }
    });
  admin
    .command('suspend')
    .description('suspend USER: sessions end, sockets close, logins are refused')
    .argument('<user>', 'username')
    .option('--reason <text>', 'why (shown to admins)')
    .option('--server <url>', 'node URL')
    .option('--json', 'JSON output')
    .action(async (username: string, opts: Common & { reason?: string }) => {
      const client = savedClient(opts.server);
      try {
        const { user } = await client.admin.suspend(
          (await target(client, username)).id,
          opts.reason,
        );
        output(Boolean(opts.json), user, () => [`suspended ${user.username}`]);
      } catch (err) {
        explain(err);
      }
    });
  admin
    .command('unsuspend')
    .description('lift the suspension of USER')
    .argument('<user>', 'username')
    .option('--server <url>', 'node URL')
    .option('--json', 'JSON output')
    .action(async (username: string, opts: Common) => {
      const client = savedClient(opts.server);
      try {
        const { user } = await client.admin.unsuspend((await target(client, username)).id);
        output(Boolean(opts.json), user, () => [`unsuspended ${user.username}`]);
      } catch (err) {
        explain(err);
      }
    });
  admin
    .command('delete')
    .description('delete the account USER; --erase also erases each of their messages')
    .argument('<user>', 'username')
    .option('--erase', 'erase their messages (default: kept under "[deleted]")')
    .option('--server <url>', 'node URL')
    .action(async (username: string, opts: Common & { erase?: boolean }) => {
      const client = savedClient(opts.server);
      try {
        const user = await target(client, username);
        await client.admin.deleteUser(user.id, opts.erase ? 'erase' : 'keep');
        console.log(`deleted ${user.username}${opts.erase ? ' and erased their messages' : ''}`);
      } catch (err) {
        explain(err);
      }
    });
  admin
    .command('audit')
    .description('the audit log of admin actions, newest first')
    .option('--limit <n>', 'how many entries (1-100)', '50')
    .option('--server <url>', 'node URL')
    .option('--json', 'JSON output')
    .action(async (opts: Common & { limit: string }) => {
      const client = savedClient(opts.server);
      try {
        const limit = Number(opts.limit);
        if (!Number.isInteger(limit) || limit < 1 || limit > 100)
          throw new UsageError(`--limit must be a whole number from 1 to 100, not "${opts.limit}"`);
        const { entries } = await client.admin.audit({ limit });
        output(Boolean(opts.json), entries, () => entries.map(formatAuditEntry));
      } catch (err) {
        explain(err);
      }
    });
}
