import { ProfilesApi } from '../../client/index.js';
import type { ChatView, Command } from './chat-view.js';
import { formatProfile } from './profile-format.js';

const USAGE = '/profile [USER] | /profile set name|status [TEXT]';

/**
 * `/profile [USER]` shows a profile (yours without USER); `/profile set name TEXT` and
 * `/profile set status TEXT` change yours (no TEXT clears it). Rules PR1-PR7.
 */
export function profileCommands(view: ChatView): Record<string, Command> {
  const c = view.client;
  const api = new ProfilesApi(c.api);
  const term = view.term;
  const url = (path: string) => c.api.baseUrl + path;
  return {
    profile: {
      usage: '/profile [USER]',
      help: 'show a profile; /profile set name|status [TEXT] changes yours',
      run: async (args, rest) => {
        if (args[0] === 'set' && args.length > 1) {
          const field = args[1];
          const text = rest.replace(/^\s*set\s+\S+\s*/, '');
          if (field !== 'name' && field !== 'status') throw new Error(`usage: ${USAGE}`);
          const profile = await api.update(
            field === 'name' ? { displayName: text || null } : { statusText: text || null },
          );
          for (const line of formatProfile(profile, url)) term.print(line);
          return;
        }
        if (args.length > 1) throw new Error(`usage: ${USAGE}`);
        const username = (args[0] ?? c.user?.username ?? '').replace(/^@/, '');
        if (!username) throw new Error(`usage: ${USAGE}`);
        const profile = await api.get(username);
        for (const line of formatProfile(profile, url)) term.print(line);
      },
    },
  };
}
