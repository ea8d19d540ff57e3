import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { ProfilesApi, type ProfileDto } from '../../client/index.js';
import { explain, output, savedClient, UsageError } from '../client-shared.js';
import { formatProfile } from './profile-format.js';

interface ProfileOptions {
  server?: string;
  json?: boolean;
  name?: string;
  status?: string;
  avatar?: string;
  removeAvatar?: boolean;
}

/**
 * `parley profile [USER]`: shows a profile (yours without USER); with --name, --status (an
 * empty string clears), --avatar PATH or --remove-avatar it changes yours first (rule PR7).
 */
export function registerProfileCommand(program: Command): void {
  program
    .command('profile')
    .description('show a profile (yours without USER), or change yours')
    .argument('[user]', 'whose profile')
    .option('--name <text>', 'set your display name ("" clears it)')
    .option('--status <text>', 'set your status text ("" clears it)')
    .option('--avatar <path>', 'upload a picture (JPEG, PNG, WebP or GIF, at most 5 MiB)')
    .option('--remove-avatar', 'remove your picture')
    .option('--server <url>', 'node URL')
    .option('--json', 'JSON output')
    .action(async (user: string | undefined, opts: ProfileOptions) => {
      const client = savedClient(opts.server);
      const api = new ProfilesApi(client.api);
      try {
        const changes = opts.name !== undefined || opts.status !== undefined;
        const edits = changes || opts.avatar !== undefined || opts.removeAvatar;
        if (edits && user !== undefined)
          throw new UsageError('you can change only your own profile (leave out USER)');
        if (opts.avatar !== undefined && opts.removeAvatar)
          throw new UsageError('say one: --avatar PATH or --remove-avatar');
        let profile: ProfileDto | null = null;
        if (changes)
          profile = await api.update({
            ...(opts.name !== undefined ? { displayName: opts.name || null } : {}),
            ...(opts.status !== undefined ? { statusText: opts.status || null } : {}),
          });
        if (opts.avatar !== undefined)
          profile = await api.setAvatar(new Uint8Array(await readFile(opts.avatar)));
        if (opts.removeAvatar) profile = await api.removeAvatar();
        if (!profile) {
          const name = user ?? (await client.api.me()).user.username;
          profile = await api.get(name.replace(/^@/, ''));
        }
        const shown = profile;
        output(Boolean(opts.json), shown, () =>
          formatProfile(shown, (path) => client.api.baseUrl + path),
        );
      } catch (err) {
        explain(err);
      }
    });
}
