import {
  ApiError,
  ClientErrorCode,
  CloseCode,
  SendError,
  type ParleyClient,
} from '../../client/index.js';
import type { ConversationDto, MessageDto } from '../../protocol/schemas.js';
import { forgetSession } from './config-file.js';
import { conversationLabel, formatConversation, formatEvent, formatMessage } from './format.js';
import type { Terminal } from './terminal.js';

/** A slash command: usage for /help, and what it does. */
interface Command {
  usage: string;
  help: string;
  run(args: string[], rest: string): Promise<void> | void;
}

const STATE_TEXT = {
  connecting: 'connecting…',
  syncing: 'catching up…',
  online: 'online',
  offline: 'reconnecting…',
};

/**
 * The interactive terminal client: shows the current conversation live, runs slash commands,
 * and sends everything else as a message. All delivery guarantees come from the client library.
 */
export class ChatApp {
  readonly #term: Terminal;
  readonly #client: ParleyClient;
  readonly #configPath: string;
  #current: ConversationDto | null = null;
  /** Lowest seq shown of the current conversation, for /more. */
  #oldestShown: number | null = null;
  #quit = false;
  readonly #commands: Record<string, Command>;

  constructor(term: Terminal, client: ParleyClient, configPath: string) {
    this.#term = term;
    this.#client = client;
    this.#configPath = configPath;
    this.#commands = this.#table();
    this.#wire();
  }

  /** Reads input lines until /quit, /logout, end of input or a session end. */
  async run(): Promise<number> {
    this.#client.connect();
    this.#term.print(`Connecting to ${this.#client.url}… (type /help for commands)`);
    await this.#showConversations().catch((err: unknown) => this.#fail(err));
    this.#updatePrompt();
    this.#term.prompt();
    while (!this.#quit) {
      const line = await this.#term.nextLine();
      if (line === null) break;
      await this.#handle(line.trim());
      this.#term.prompt();
    }
    this.#quit = true;
    await this.#flushOutbox();
    this.#client.close();
    return 0;
  }

  async #handle(line: string): Promise<void> {
    if (line === '') return;
    try {
      if (line.startsWith('/')) {
        const [name = '', ...args] = line.slice(1).split(/\s+/);
        const command = this.#commands[name.toLowerCase()];
        if (!command) return this.#term.print(`Unknown command /${name}. Type /help for the list.`);
        const rest = line.slice(1 + name.length).trim();
        return await command.run(args, rest);
      }
      this.#sendText(line);
    } catch (err) {
      this.#fail(err);
    }
  }

  #sendText(text: string): void {
    const current = this.#current;
    if (!current)
      return this.#term.print(
        'No conversation open: /dm USER, /open NAME or /group create NAME USER…',
      );
    const { entry, done } = this.#client.send(current.id, text);
    if (this.#client.state !== 'online')
      this.#term.print(`(queued: will send when ${STATE_TEXT[this.#client.state]})`);
    done.catch((err: unknown) => {
      if (err instanceof SendError)
        this.#term.print(`✗ not sent: "${entry.body.slice(0, 40)}" — ${err.message} (${err.code})`);
    });
  }

  #wire(): void {
    const c = this.#client;
    c.on('state', (state) => {
      if (this.#quit) return;
      if (state !== 'connecting') this.#term.print(`[${STATE_TEXT[state]}]`);
      this.#updatePrompt();
    });
    c.on('timeline', (item) => {
      const conversationId =
        item.kind === 'message' ? item.message.conversationId : item.event.conversationId;
      if (conversationId !== this.#current?.id) {
        if (item.kind === 'message' && item.message.sender !== c.user?.id) {
          const conversation = c.conversations.get(conversationId);
          const label = conversation ? conversationLabel(conversation) : 'a conversation';
          this.#term.print(`• new message in ${label} from ${item.message.senderName}`);
        }
        return;
      }
      this.#term.print(
        item.kind === 'message' ? formatMessage(item.message) : formatEvent(item.event),
      );
      if (item.kind === 'message') c.markRead(conversationId, item.message.seq);
    });
    c.on('conversation.removed', ({ conversationId, reason }) => {
      if (conversationId !== this.#current?.id) return;
      this.#term.print(
        reason === 'deleted' ? '• this group was deleted' : '• you are no longer a member here',
      );
      this.#current = null;
      this.#updatePrompt();
    });
    c.on('typing', ({ conversationId, username }) => {
      if (conversationId === this.#current?.id) this.#term.print(`  ${username} is typing…`);
    });
    c.on('session.ended', ({ code }) => {
      if (this.#quit) return; // we ended it ourselves (/logout, /delete-account)
      this.#term.print(
        code === CloseCode.SessionRevoked
          ? 'Your session ended (logged out or account deleted).'
          : 'The server refused the session.',
      );
      forgetSession(this.#configPath);
      this.#quit = true;
      this.#term.close();
    });
  }

  #updatePrompt(): void {
    const where = this.#current ? conversationLabel(this.#current) : 'no conversation';
    const state = this.#client.state === 'online' ? '' : `, ${STATE_TEXT[this.#client.state]}`;
    this.#term.setPrompt(`(${where}${state}) > `);
  }

  async #open(conversation: ConversationDto): Promise<void> {
    this.#current = conversation;
    this.#updatePrompt();
    this.#term.print(`— ${conversationLabel(conversation)} —`);
    const { messages } = await this.#client.api.history(conversation.id, { limit: 20 });
    for (const m of messages) this.#term.print(formatMessage(m));
    this.#oldestShown = messages[0]?.seq ?? null;
    const last = messages.at(-1);
    if (last) this.#client.markRead(conversation.id, last.seq);
    if (messages.length === 0) this.#term.print('(no messages yet)');
  }

  async #showConversations(): Promise<void> {
    const list = await this.#client.refreshConversations();
    if (list.length === 0)
      return this.#term.print(
        'No conversations yet. Start one with /dm USER or /group create NAME USER…',
      );
    this.#term.print('Conversations:');
    for (const c of list) this.#term.print(`  ${formatConversation(c)}`);
  }

  #find(name: string): ConversationDto | undefined {
    const wanted = name.replace(/^[#@]/, '').toLowerCase();
    const all = [...this.#client.conversations.values()];
    return (
      all.find((c) => c.kind === 'group' && c.name?.toLowerCase() === wanted) ??
      all.find((c) => c.kind === 'dm' && c.peer === wanted)
    );
  }

  #requireGroup(): ConversationDto {
    if (!this.#current) throw new Error('open a group first (/open NAME)');
    if (this.#current.kind !== 'group') throw new Error('this is a direct message, not a group');
    return this.#current;
  }

  /** Finds the seq an /edit or /delete refers to: `#12`, or your latest message here. */
  async #target(args: string[]): Promise<{ seq: number; rest: string[] }> {
    const current = this.#current;
    if (!current) throw new Error('open a conversation first');
    const first = args[0];
    if (first && /^#\d+$/.test(first)) return { seq: Number(first.slice(1)), rest: args.slice(1) };
    const { messages } = await this.#client.api.history(current.id, { limit: 100 });
    const mine = messages
      .filter((m: MessageDto) => m.sender === this.#client.user?.id && m.deletedAt === null)
      .at(-1);
    if (!mine) throw new Error('you have no message here to change');
    return { seq: mine.seq, rest: args };
  }

  async #flushOutbox(): Promise<void> {
    const pending = this.#client.outbox.pending();
    if (pending.length === 0 || this.#client.state === 'offline') {
      if (pending.length > 0)
        this.#term.print(`${pending.length} message(s) were not sent (the server is unreachable).`);
      return;
    }
    this.#term.print(`Sending ${pending.length} pending message(s)…`);
    await Promise.allSettled(pending.map((e) => this.#client.outbox.wait(e.clientMsgId)));
  }

  #fail(err: unknown): void {
    if (err instanceof ApiError)
      this.#term.print(
        `error: ${err.message}${err.code === ClientErrorCode.Unreachable ? '' : ` (${err.code})`}`,
      );
    else if (err instanceof Error) this.#term.print(`error: ${err.message}`);
    else this.#term.print(`error: ${String(err)}`);
  }

  #table(): Record<string, Command> {
    const c = this.#client;
    const term = this.#term;
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
        run: () => this.#showConversations(),
      },
      dm: {
        usage: '/dm USER',
        help: 'open the direct message with USER',
        run: async ([user]) => {
          if (!user) throw new Error('usage: /dm USER');
          const { conversation } = await c.api.dm(user);
          c.conversations.set(conversation.id, conversation);
          await this.#open(conversation);
        },
      },
      group: {
        usage: '/group create NAME USER…',
        help: 'create a group with members',
        run: async ([sub, name, ...members]) => {
          if (sub !== 'create' || !name) throw new Error('usage: /group create NAME USER…');
          const { conversation } = await c.api.createGroup(name, members);
          c.conversations.set(conversation.id, conversation);
          await this.#open(conversation);
        },
      },
      open: {
        usage: '/open NAME',
        help: 'open a group (#name) or DM (@user)',
        run: async ([name]) => {
          if (!name) throw new Error('usage: /open NAME');
          if (!this.#find(name)) await c.refreshConversations();
          const conversation = this.#find(name);
          if (!conversation) throw new Error(`no conversation named ${name} (see /conversations)`);
          await this.#open(conversation);
        },
      },
      members: {
        usage: '/members',
        help: 'members of the open conversation',
        run: async () => {
          if (!this.#current) throw new Error('open a conversation first');
          const { members } = await c.api.members(this.#current.id);
          for (const m of members)
            term.print(`  ${m.online ? '●' : '○'} ${m.username} (${m.role})`);
        },
      },
      add: {
        usage: '/add USER',
        help: 'add a member (owner/admin)',
        run: async ([user]) => {
          if (!user) throw new Error('usage: /add USER');
          await c.api.addMember(this.#requireGroup().id, user);
        },
      },
      remove: {
        usage: '/remove USER',
        help: 'remove a member (owner/admin)',
        run: async ([user]) => {
          if (!user) throw new Error('usage: /remove USER');
          await c.api.removeMember(this.#requireGroup().id, user);
        },
      },
      role: {
        usage: '/role USER owner|admin|member',
        help: 'change a role (owner)',
        run: async ([user, role]) => {
          if (!user || (role !== 'owner' && role !== 'admin' && role !== 'member'))
            throw new Error('usage: /role USER owner|admin|member');
          await c.api.setRole(this.#requireGroup().id, user, role);
        },
      },
      rename: {
        usage: '/rename NAME',
        help: 'rename the group (owner/admin)',
        run: async (_args, rest) => {
          if (!rest) throw new Error('usage: /rename NAME');
          await c.api.renameGroup(this.#requireGroup().id, rest);
        },
      },
      leave: {
        usage: '/leave',
        help: 'leave the open group',
        run: async () => {
          const group = this.#requireGroup();
          await c.api.leave(group.id);
          term.print(`You left ${conversationLabel(group)}.`);
          this.#current = null;
          this.#updatePrompt();
        },
      },
      'delete-group': {
        usage: '/delete-group',
        help: 'delete the open group (owner)',
        run: async () => {
          const group = this.#requireGroup();
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
          const { seq, rest } = await this.#target(args);
          if (rest.length === 0) throw new Error('usage: /edit [#SEQ] TEXT');
          await c.api.editMessage(this.#current!.id, seq, rest.join(' '));
        },
      },
      delete: {
        usage: '/delete [#SEQ]',
        help: 'delete your last (or #SEQ) message',
        run: async (args) => {
          const { seq } = await this.#target(args);
          await c.api.deleteMessage(this.#current!.id, seq);
        },
      },
      more: {
        usage: '/more',
        help: 'show older messages',
        run: async () => {
          if (!this.#current) throw new Error('open a conversation first');
          if (this.#oldestShown === null || this.#oldestShown <= 1)
            return term.print('(no older messages)');
          const { messages } = await c.api.history(this.#current.id, {
            before: this.#oldestShown,
            limit: 20,
          });
          if (messages.length === 0) return term.print('(no older messages)');
          term.print('— older —');
          for (const m of messages) term.print(formatMessage(m));
          this.#oldestShown = messages[0]!.seq;
        },
      },
      logout: {
        usage: '/logout',
        help: 'log out and forget the token',
        run: async () => {
          await this.#flushOutbox();
          await c.api.logout().catch(() => undefined);
          forgetSession(this.#configPath);
          term.print('Logged out.');
          this.#quit = true;
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
          forgetSession(this.#configPath);
          term.print('Account deleted.');
          this.#quit = true;
        },
      },
      quit: { usage: '/quit', help: 'leave the client', run: () => void (this.#quit = true) },
    };
    return commands;
  }
}
