import type { ParleyClient } from '../../client/index.js';
import type { ConversationDto, MessageDto } from '../../protocol/schemas.js';
import { conversationLabel } from './format.js';
import type { Terminal } from './terminal.js';

/** A slash command: usage for /help, and what it does. */
export interface Command {
  usage: string;
  help: string;
  run(args: string[], rest: string): Promise<void> | void;
}

/** What the commands act on: the chat screen (its open conversation) and the client. */
export interface ChatView {
  readonly client: ParleyClient;
  readonly term: Terminal;
  /** The open conversation, if any. */
  current(): ConversationDto | null;
  /** Opens a conversation: its latest messages, then it follows live. */
  open(conversation: ConversationDto): Promise<void>;
  /** No conversation is open any more (the user left it). */
  closeConversation(): void;
  showConversations(): Promise<void>;
  /** Shows the page of messages before the oldest one shown (/more). */
  showOlder(): Promise<void>;
  /** Waits for pending sends, if the node is reachable. */
  flushOutbox(): Promise<void>;
  /** Ends the input loop. */
  quit(): void;
  /** Forgets the stored session token. */
  forgetSession(): void;
}

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
        if (!find(view, name)) await c.refreshConversations();
        const conversation = find(view, name);
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
        for (const m of members) term.print(`  ${m.online ? '●' : '○'} ${m.username} (${m.role})`);
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
      usage: '/remove USER',
      help: 'remove a member (owner/admin)',
      run: async ([user]) => {
        if (!user) throw new Error('usage: /remove USER');
        await c.api.removeMember(requireGroup(view).id, user);
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
    edit: {
      usage: '/edit [#SEQ] TEXT',
      help: 'edit your last (or #SEQ) message',
      run: async (args) => {
        const { conversationId, seq, rest } = await target(view, args);
        if (rest.length === 0) throw new Error('usage: /edit [#SEQ] TEXT');
        await c.api.editMessage(conversationId, seq, rest.join(' '));
      },
    },
    delete: {
      usage: '/delete [#SEQ]',
      help: 'delete your last (or #SEQ) message',
      run: async (args) => {
        const { conversationId, seq } = await target(view, args);
        await c.api.deleteMessage(conversationId, seq);
      },
    },
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

/** A group or DM of the cached list by name: `#group`, `@peer`, or the bare name. */
function find(view: ChatView, name: string): ConversationDto | undefined {
  const wanted = name.replace(/^[#@]/, '').toLowerCase();
  const all = [...view.client.conversations.values()];
  return (
    all.find((c) => c.kind === 'group' && c.name?.toLowerCase() === wanted) ??
    all.find((c) => c.kind === 'dm' && c.peer === wanted)
  );
}

function requireGroup(view: ChatView): ConversationDto {
  const current = view.current();
  if (!current) throw new Error('open a group first (/open NAME)');
  if (current.kind !== 'group') throw new Error('this is a direct message, not a group');
  return current;
}

/** The message an /edit or /delete refers to: `#12`, or your latest one in the open conversation. */
async function target(
  view: ChatView,
  args: string[],
): Promise<{ conversationId: string; seq: number; rest: string[] }> {
  const current = view.current();
  if (!current) throw new Error('open a conversation first');
  const first = args[0];
  if (first && /^#\d+$/.test(first))
    return { conversationId: current.id, seq: Number(first.slice(1)), rest: args.slice(1) };
  const { messages } = await view.client.api.history(current.id, { limit: 100 });
  const mine = messages
    .filter((m: MessageDto) => m.sender === view.client.user?.id && m.deletedAt === null)
    .at(-1);
  if (!mine) throw new Error('you have no message here to change');
  return { conversationId: current.id, seq: mine.seq, rest: args };
}
