import type { Command } from 'commander';
import { GroupsApi } from '../client/index.js';
import { die, explain, output, savedClient } from './client-shared.js';

/** `parley groups --public [QUERY]` and `parley join NAME` (rules PG2, PG4), over HTTP. */
export function registerGroupCommands(program: Command): void {
  program
    .command('groups')
    .description('list public groups: parley groups --public [QUERY] (name contains QUERY)')
    .argument('[query]', 'part of the name', '')
    .option('--public', 'public groups (the only list so far)')
    .option('--server <url>', 'node URL')
    .option('--json', 'JSON output')
    .action(async (query: string, opts: { public?: boolean; server?: string; json?: boolean }) => {
      if (!opts.public)
        die('usage: parley groups --public [QUERY] (your groups: parley conversations)');
      const api = new GroupsApi(savedClient(opts.server).api);
      try {
        const { groups } = await api.listPublic({ q: query, limit: 100 });
        output(Boolean(opts.json), groups, () =>
          groups.map((g) => `${g.joined ? '✓' : ' '} ${g.name} (${g.memberCount} members)`),
        );
      } catch (err) {
        explain(err);
      }
    });

  program
    .command('join')
    .description('join a public group by its name: parley join NAME')
    .argument('<name>', 'the group name')
    .option('--server <url>', 'node URL')
    .option('--json', 'JSON output')
    .action(async (name: string, opts: { server?: string; json?: boolean }) => {
      const api = new GroupsApi(savedClient(opts.server).api);
      try {
        const wanted = name.replace(/^#/, '');
        const { groups } = await api.listPublic({ q: wanted, limit: 100 });
        const matches = groups.filter((g) => g.name.toLowerCase() === wanted.toLowerCase());
        if (matches.length !== 1)
          die(
            matches.length > 1
              ? `several public groups are named ${wanted}`
              : `no public group named ${wanted} (see parley groups --public)`,
          );
        const { conversation } = await api.join(matches[0]!.id);
        output(Boolean(opts.json), conversation, () => [`joined ${conversation.name ?? wanted}`]);
      } catch (err) {
        explain(err);
      }
    });
}
