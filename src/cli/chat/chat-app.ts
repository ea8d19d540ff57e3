import {
  ApiError,
  ClientErrorCode,
  CloseCode,
  SendError,
  type ParleyClient,
} from '../../client/index.js';
import type { ConversationDto } from '../../protocol/schemas.js';
import { chatCommands, type Command } from './commands.js';
import { forgetSession } from './config-file.js';
import { conversationLabel, formatConversation, formatEvent, formatMessage } from './format.js';
import type { Terminal } from './terminal.js';

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
    this.#commands = chatCommands({
      client,
      term,
      current: () => this.#current,
      open: (conversation) => this.#open(conversation),
      closeConversation: () => {
        this.#current = null;
        this.#updatePrompt();
      },
      showConversations: () => this.#showConversations(),
      showOlder: () => this.#showOlder(),
      flushOutbox: () => this.#flushOutbox(),
      quit: () => void (this.#quit = true),
      forgetSession: () => forgetSession(this.#configPath),
    });
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

  /** Shows the page of messages before the oldest one shown (/more). */
  async #showOlder(): Promise<void> {
    if (!this.#current) throw new Error('open a conversation first');
    if (this.#oldestShown === null || this.#oldestShown <= 1)
      return this.#term.print('(no older messages)');
    const { messages } = await this.#client.api.history(this.#current.id, {
      before: this.#oldestShown,
      limit: 20,
    });
    if (messages.length === 0) return this.#term.print('(no older messages)');
    this.#term.print('— older —');
    for (const m of messages) this.#term.print(formatMessage(m));
    this.#oldestShown = messages[0]!.seq;
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
}
