import { GroupsApi } from '../../client/index.js';
import { MUTE_MINUTES_MAX } from '../../protocol/group-schemas.js';
import type { ChatView, Command } from './chat-view.js';
import { setMuted } from './file-commands.js';

/**
 * Public groups and moderation in the terminal (rules PG2, PG4, PG8, PG10): `/groups [QUERY]`
 * lists public groups, `/join NAME` joins one, `/mute USER MINUTES` and `/unmute USER`
 * moderate the open group (alone, `/mute` and `/unmute` silence the open conversation for you,
 * rule N3). `/remove #SEQ` (commands.ts) removes a message.
 */
export function groupCommands(view: ChatView): Record<string, Command> {
  const c = view.client;
  const api = new GroupsApi(c.api);
  const term = view.term;
  const group = () => {
    const current = view.current();
    if (!current) throw new Error('open a group first (/open NAME)');
    if (current.kind !== 'group') throw new Error('this is a direct message, not a group');
    return current;
  };
  return {
    groups: {
      usage: '/groups [QUERY]',
      help: 'public groups whose name contains QUERY',
      run: async (_args, rest) => {
        const { groups, next } = await api.listPublic({ q: rest.trim(), limit: 50 });
        if (groups.length === 0) return term.print('No public groups match.');
        for (const g of groups) {
          const members = `${g.memberCount} member${g.memberCount === 1 ? '' : 's'}`;
          term.print(`  ${g.joined ? '✓' : ' '} #${g.name} (${members})`);
        }
        if (next) term.print('  … more: narrow the query');
      },
    },
    join: {
      usage: '/join NAME',
      help: 'join a public group by name',
      run: async (_args, rest) => {
        const name = rest.trim().replace(/^#/, '');
        if (!name) throw new Error('usage: /join NAME');
        const { groups } = await api.listPublic({ q: name, limit: 100 });
        const matches = groups.filter((g) => g.name.toLowerCase() === name.toLowerCase());
        const found = matches.length === 1 ? matches[0] : undefined;
        if (!found)
          throw new Error(
            matches.length > 1
              ? `several public groups are named ${name}`
              : `no public group named ${name} (see /groups)`,
          );
        const { conversation } = await api.join(found.id);
        c.conversations.set(conversation.id, conversation);
        await view.open(conversation);
      },
    },
    mute: {
      usage: '/mute [USER MINUTES]',
      help: 'alone: no bell (or notification) for the open conversation; USER MINUTES: mute a member for a while (owner/admin)',
      run: async ([user, minutes]) => {
        if (user === undefined) return setMuted(view, true);
        const n = Number(minutes);
        if (!user || !Number.isInteger(n) || n < 1 || n > MUTE_MINUTES_MAX)
          throw new Error(`usage: /mute USER MINUTES (1-${MUTE_MINUTES_MAX})`);
        const { member } = await api.mute(group().id, user.replace(/^@/, ''), n);
        term.print(
          `${member.username} is muted until ${new Date(member.mutedUntil ?? 0).toLocaleString()}.`,
        );
      },
    },
    unmute: {
      usage: '/unmute [USER]',
      help: 'alone: the open conversation rings again; USER: unmute a member (owner/admin)',
      run: async ([user]) => {
        if (user === undefined) return setMuted(view, false);
        const { member } = await api.unmute(group().id, user.replace(/^@/, ''));
        term.print(`${member.username} can write again.`);
      },
    },
  };
}
