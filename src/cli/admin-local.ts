import type { Command } from 'commander';
import { locationOf, setAdminAt, withOperatorRoles, type StoreLocation } from '../node/operator.js';
import { registerAdminClientCommands } from './admin-client.js';

// The bootstrap helpers, for tests and scripts that make an admin as `parley admin grant` does.
export { locationOf, setAdminAt, type StoreLocation };

interface LocalOptions {
  data: string;
  store: string;
}

function withLocation(command: Command): Command {
  return command
    .option(
      '--data <dir>',
      'data directory of the node [env PARLEY_DATA]',
      process.env.PARLEY_DATA ?? './data',
    )
    .option(
      '--store <store>',
      'sqlite (in --data) or the PostgreSQL URL of the cluster [env PARLEY_STORE]',
      process.env.PARLEY_STORE ?? 'sqlite',
    );
}

async function runLocal(
  opts: LocalOptions,
  fn: Parameters<typeof withOperatorRoles>[1],
): Promise<void> {
  await withOperatorRoles({ dataDir: opts.data, store: opts.store }, fn).catch((err: unknown) => {
    console.error(`parley: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  });
}

/**
 * `parley admin`: on the server host, `grant USER` / `revoke USER` / `list` act on the store
 * directly (rule AD1: the bootstrap, audited with no actor); the other subcommands are an
 * admin's client commands over HTTP with the saved session (rule AD10).
 */
export function registerAdmin(program: Command): void {
  const admin = program
    .command('admin')
    .description(
      'server admins: grant|revoke|list run on the server host against the store; users|suspend|unsuspend|delete|audit talk to a node as the logged-in admin',
    );
  withLocation(
    admin
      .command('grant')
      .description('make USER a server admin (run on the server host; works while nodes run)')
      .argument('<user>', 'username'),
  ).action(async (username: string, opts: LocalOptions) => {
    await runLocal(opts, async (roles) => {
      const user = await roles.userByName(username);
      await roles.setAdmin(null, user.id, true);
      console.log(`${user.username} is a server admin`);
    });
  });
  withLocation(
    admin
      .command('revoke')
      .description("take USER's server admin role away (run on the server host)")
      .argument('<user>', 'username'),
  ).action(async (username: string, opts: LocalOptions) => {
    await runLocal(opts, async (roles) => {
      const user = await roles.userByName(username);
      await roles.setAdmin(null, user.id, false);
      const left = await roles.listAdmins();
      console.log(`${user.username} is no longer a server admin`);
      if (left.length === 0)
        console.log('the server has no admin now: `parley admin grant USER` makes one');
    });
  });
  withLocation(
    admin.command('list').description('list the server admins (run on the server host)'),
  ).action(async (opts: LocalOptions) => {
    await runLocal(opts, async (roles) => {
      const admins = await roles.listAdmins();
      if (admins.length === 0) console.log('no server admin: `parley admin grant USER` makes one');
      for (const a of admins) console.log(a.username);
    });
  });
  registerAdminClientCommands(admin);
}
