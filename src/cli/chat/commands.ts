import type { ConversationDto } from '../../protocol/schemas.js';
import { findConversation, type ChatView, type Command } from './chat-view.js';
import { fileCommands } from './file-commands.js';
import { groupCommands } from './group-commands.js';
import { conversationLabel } from './format.js';
import { messageCommands } from './message-commands.js';
import { profileCommands } from './profile-commands.js';

export type { ChatView, Command } from './chat-view.js';

/** The terminal client's slash commands, by name. */
export function chatCommands(view: ChatView): Record<string, Command> {
  const c = view.client;
  const term = view.term;
  const commands: Record<string, Command> = {
    help: {
      usage: '/help',
      help: 'this list',
      run: () => {
        for (const cmd of Object.values(commands))
          term.print(`  ${cmd.usage.padEnd(28)} ${cmd.help}`);
        term.print('  anything else                 is sent to the open conversation');
        term.print(
          '  Markdown (*em*, **strong**, `code`, > quote) and :shortcodes: work in messages;',
        );
        term.print('  Tab completes commands, @members, #conversations and :shortcodes:');
      },
    },
    conversations: {
      usage: '/conversations',
      help: 'your conversations with unread counts',
      run: () => view.showConversations(),
    },
    dm: {
      usage: '/dm USER',
      help: 'open the direct message with USER',
      run: async ([user]) => {
        if (!user) throw new Error('usage: /dm USER');
        const { conversation } = await c.api.dm(user);
        c.conversations.set(conversation.id, conversation);
        await view.open(conversation);
      },
    },
    group: {
      usage: '/group create NAME USER…',
      help: 'create a group with members',
      run: async ([sub, name, ...members]) => {
        if (sub !== 'create' || !name) throw new Error('usage: /group create NAME USER…');
        const { conversation } = await c.api.createGroup(name, members);
        c.conversations.set(conversation.id, conversation);
        await view.open(conversation);
      },
    },
    open: {
      usage: '/open NAME',
      help: 'open a group (#name) or DM (@user)',
      run: async ([name]) => {
        if (!name) throw new Error('usage: /open NAME');
        if (!findConversation(view, name)) await c.refreshConversations();
        const conversation = findConversation(view, name);
        if (!conversation) throw new Error(`no conversation named ${name} (see /conversations)`);
        await view.open(conversation);
      },
    },
    members: {
      usage: '/members',
      help: 'members of the open conversation',
      run: async () => {
        const current = view.current();
        if (!current) throw new Error('open a conversation first');
        const { members } = await c.api.members(current.id);
        for (const m of members) {
          const muted = m.mutedUntil === null ? '' : ', muted';
          term.print(`  ${m.online ? '●' : '○'} ${m.username} (${m.role}${muted})`);
        }
      },
    },
    add: {
      usage: '/add USER',
      help: 'add a member (owner/admin)',
      run: async ([user]) => {
        if (!user) throw new Error('usage: /add USER');
        await c.api.addMember(requireGroup(view).id, user);
      },
    },
    remove: {
      usage: '/remove USER | #SEQ',
      help: "remove a member, or another's message (owner/admin)",
      run: async ([target]) => {
        if (!target) throw new Error('usage: /remove USER | #SEQ');
        const seq = /^#(\d+)$/.exec(target)?.[1];
        if (seq === undefined) return c.api.removeMember(requireGroup(view).id, target);
        const current = view.current();
        if (!current) throw new Error('open a conversation first');
        await c.api.deleteMessage(current.id, Number(seq));
      },
    },
    role: {
      usage: '/role USER owner|admin|member',
      help: 'change a role (owner)',
      run: async ([user, role]) => {
        if (!user || (role !== 'owner' && role !== 'admin' && role !== 'member'))
          throw new Error('usage: /role USER owner|admin|member');
        await c.api.setRole(requireGroup(view).id, user, role);
      },
    },
    rename: {
      usage: '/rename NAME',
      help: 'rename the group (owner/admin)',
      run: async (_args, rest) => {
        if (!rest) throw new Error('usage: /rename NAME');
        await c.api.renameGroup(requireGroup(view).id, rest);
      },
    },
    leave: {
      usage: '/leave',
      help: 'leave the open group',
      run: async () => {
        const group = requireGroup(view);
        await c.api.leave(group.id);
        term.print(`You left ${conversationLabel(group)}.`);
        view.closeConversation();
      },
    },
    'delete-group': {
      usage: '/delete-group',
      help: 'delete the open group (owner)',
      run: async () => {
        const group = requireGroup(view);
        const answer = await term.ask(
          `Delete ${conversationLabel(group)} and its history for everyone? [y/N] `,
        );
        if (answer?.trim().toLowerCase() !== 'y') return term.print('Not deleted.');
        await c.api.deleteGroup(group.id);
      },
    },
    users: {
      usage: '/users PATTERN',
      help: 'find users (* is a wildcard)',
      run: async ([pattern = '']) => {
        const { users, next } = await c.api.users(pattern, { limit: 50 });
        if (users.length === 0) return term.print('No users match.');
        for (const u of users) term.print(`  ${u.online ? '●' : '○'} ${u.username}`);
        if (next) term.print('  … more: narrow the pattern');
      },
    },
    ...messageCommands(view),
    ...fileCommands(view),
    ...profileCommands(view),
    ...groupCommands(view),
    more: {
      usage: '/more',
      help: 'show older messages',
      run: () => view.showOlder(),
    },
    logout: {
      usage: '/logout',
      help: 'log out and forget the token',
      run: async () => {
        await view.flushOutbox();
        await c.api.logout().catch(() => undefined);
        view.forgetSession();
        term.print('Logged out.');
        view.quit();
      },
    },
    'delete-account': {
      usage: '/delete-account',
      help: 'delete your account (asks for your password)',
      run: async () => {
        const answer = await term.ask(
          `Delete account ${c.user?.username ?? ''} for good? Your messages stay as "[deleted]". [y/N] `,
        );
        if (answer?.trim().toLowerCase() !== 'y') return term.print('Not deleted.');
        const password = await term.askHidden('Password: ');
        if (password === null) return;
        await c.api.deleteAccount(password);
        view.forgetSession();
        term.print('Account deleted.');
        view.quit();
      },
    },
    quit: { usage: '/quit', help: 'leave the client', run: () => view.quit() },
  };
  return commands;
}

function requireGroup(view: ChatView): ConversationDto {
  const current = view.current();
  if (!current) throw new Error('open a group first (/open NAME)');
  if (current.kind !== 'group') throw new Error('this is a direct message, not a group');
  return current;
}
