import {
  ApiError,
  ClientErrorCode,
  CloseCode,
  mentionsUser,
  positionOf,
  ProfileCache,
  ProfilesApi,
  SendError,
  type ParleyClient,
  type TimelineItem,
} from '../../client/index.js';
import { replaceShortcodes } from '../../format/emoji.js';
import type { ConversationDto, MessageDto } from '../../protocol/schemas.js';
import { Bell } from './bell.js';
import { chatCommands, type Command } from './commands.js';
import { completeLine } from './completer.js';
import { forgetSession } from './config-file.js';
import {
  conversationLabel,
  formatConversation,
  formatEvent,
  formatMessage,
  messageSnippet,
  type RenderOptions,
} from './format.js';
import { historyPage } from './history.js';
import { Pane } from './pane.js';
import { listFiles } from './paths.js';
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
  /** SGR styles: only on a TTY, and not when NO_COLOR or --no-color says so. */
  readonly #color: boolean;
  #pane: Pane | null = null;
  /** The last connection status printed, so a run of reconnect attempts shows one line. */
  #shownState: string | null = null;
  #quit = false;
  readonly #commands: Record<string, Command>;
  readonly #bell = new Bell();
  /** Senders' display names for headers (rule PR7), fetched in batches. */
  readonly #profiles: ProfileCache;

  constructor(term: Terminal, client: ParleyClient, configPath: string) {
    this.#term = term;
    this.#client = client;
    this.#configPath = configPath;
    this.#color = term.isTTY && !process.env.NO_COLOR && !process.argv.includes('--no-color');
    this.#profiles = new ProfileCache(new ProfilesApi(client.api));
    this.#commands = chatCommands({
      client,
      term,
      current: () => this.#current,
      open: (conversation) => this.#open(conversation),
      closeConversation: () => {
        this.#pane = null;
        this.#updatePrompt();
      },
      showConversations: () => this.#showConversations(),
      showOlder: () => this.#showOlder(),
      send: (text, options) => this.#sendText(text, options),
      render: (message) => this.#render(message),
      renderOptions: () => this.#options,
      bell: this.#bell,
      reactionsOf: (seq) => this.#pane?.reactionsOf(seq),
      flushOutbox: () => this.#flushOutbox(),
      quit: () => void (this.#quit = true),
      forgetSession: () => forgetSession(this.#configPath),
    });
    term.setCompleter((line) =>
      completeLine(line, {
        commands: () => Object.keys(this.#commands),
        members: () => this.#pane?.others() ?? [],
        conversations: () => [...client.conversations.values()].map(conversationLabel),
        allowAll: () => this.#pane?.allowAll() ?? false,
        files: listFiles,
        users: async (prefix) =>
          (await client.api.users(`${prefix}*`, { limit: 30 })).users.map((u) => u.username),
      }),
    );
    this.#wire();
  }

  get #current(): ConversationDto | null {
    return this.#pane?.conversation ?? null;
  }

  get #options(): RenderOptions {
    return {
      color: this.#color,
      me: this.#client.user,
      fileUrl: (id) => this.#client.api.fileUrl(id),
      displayName: (id) => this.#profiles.get(id)?.displayName,
    };
  }

  #render(message: MessageDto): string {
    this.#pane?.saw(message);
    void this.#profiles.want([message.sender]); // shown by name until it arrives
    return formatMessage(message, this.#options);
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
      void this.#sendText(line);
    } catch (err) {
      this.#fail(err);
    }
  }

  #sendText(
    text: string,
    options: { replyTo?: number; attachments?: string[] } = {},
  ): Promise<MessageDto> | null {
    const current = this.#current;
    if (!current) {
      this.#term.print('No conversation open: /dm USER, /open NAME or /group create NAME USER…');
      return null;
    }
    const { entry, done } = this.#client.send(current.id, replaceShortcodes(text), options);
    if (this.#client.state !== 'online')
      this.#term.print(`(queued: will send when ${STATE_TEXT[this.#client.state]})`);
    done.catch((err: unknown) => {
      const what = entry.body ? `"${entry.body.slice(0, 40)}"` : 'the file';
      if (err instanceof SendError)
        this.#term.print(`✗ not sent: ${what} — ${err.message} (${err.code})`);
    });
    return done;
  }

  /** Reads do-not-disturb (it may have changed on another device while away). */
  #readSettings(): void {
    void this.#client.api.settings().then(
      ({ settings }) => (this.#bell.dndUntil = settings.doNotDisturbUntil),
      () => undefined,
    );
  }

  #wire(): void {
    const c = this.#client;
    c.on('state', (state) => {
      if (this.#quit) return;
      if (state === 'online') this.#readSettings();
      this.#updatePrompt();
      if (state === 'connecting' || this.#shownState === state) return;
      this.#shownState = state;
      this.#term.print(`[${STATE_TEXT[state]}]`);
    });
    c.on('timeline', (item) => this.#onTimeline(item));
    c.on('conversation.removed', ({ conversationId, reason }) => {
      if (conversationId !== this.#current?.id) return;
      this.#term.print(
        reason === 'deleted' ? '• this group was deleted' : '• you are no longer a member here',
      );
      this.#pane = null;
      this.#updatePrompt();
    });
    c.on('receipt', ({ conversationId, userId, seq }) => {
      const line = conversationId === this.#current?.id ? this.#pane?.receipt(userId, seq) : null;
      if (line) this.#term.print(line);
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

  /** A live timeline entry: shown if of the open conversation, else a one-line notice. */
  #onTimeline(item: TimelineItem): void {
    const c = this.#client;
    const pane = this.#pane;
    if (item.kind === 'event') {
      if (item.event.conversationId !== pane?.conversation.id) return;
      const line = pane.lineFor(item.event, this.#options);
      if (typeof line === 'string') this.#term.print(line);
      else void line.then((text) => this.#term.print(text));
      return;
    }
    const { message } = item;
    const own = message.sender === c.user?.id;
    const conversation = c.conversations.get(message.conversationId) ?? null;
    const mentioned = mentionsUser(message, c.user?.id);
    if (this.#bell.rings(message, conversation, c.user?.id)) this.#term.bell();
    if (message.conversationId === pane?.conversation.id) {
      this.#term.print(this.#render(message));
      c.markRead(message.conversationId, message.seq);
      return;
    }
    if (own) return;
    const label = conversation ? conversationLabel(conversation) : 'a conversation';
    const text = message.deletedAt === null ? messageSnippet(message) : '(deleted)';
    this.#term.print(
      mentioned
        ? `• ${message.senderName} mentioned you in ${label}: ${text}`
        : `• new message in ${label} from ${message.senderName}: ${text}`,
    );
  }

  #updatePrompt(): void {
    const where = this.#current ? conversationLabel(this.#current) : 'no conversation';
    const state = this.#client.state === 'online' ? '' : `, ${STATE_TEXT[this.#client.state]}`;
    this.#term.setPrompt(`(${where}${state}) > `);
  }

  async #open(conversation: ConversationDto): Promise<void> {
    const pane = new Pane(conversation, this.#client);
    this.#pane = pane;
    this.#updatePrompt();
    this.#term.print(`— ${conversationLabel(conversation)} —`);
    const [{ items, oldest }] = await Promise.all([
      historyPage(this.#client.api, conversation.id),
      pane.loadMembers(),
    ]);
    await this.#profiles.want(
      items.flatMap((i) => (i.kind === 'message' ? [i.message.sender] : [])),
    );
    this.#printItems(pane, items);
    pane.oldestShown = oldest;
    const last = items.at(-1);
    if (last) this.#client.markRead(conversation.id, positionOf(last).seq);
    if (oldest === null) this.#term.print('(no messages yet)');
  }

  /** History entries: messages as they look now, system events as their lines. */
  #printItems(pane: Pane, items: readonly TimelineItem[]): void {
    for (const item of items)
      this.#term.print(
        item.kind === 'message'
          ? this.#render(item.message)
          : formatEvent(item.event, (id) => pane.nameOf(id), this.#options),
      );
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
    const pane = this.#pane;
    if (!pane) throw new Error('open a conversation first');
    if (pane.oldestShown === null || pane.oldestShown <= 1)
      return this.#term.print('(no older messages)');
    const { items, oldest } = await historyPage(
      this.#client.api,
      pane.conversation.id,
      pane.oldestShown,
    );
    if (oldest === null) return this.#term.print('(no older messages)');
    this.#term.print('— older —');
    this.#printItems(pane, items);
    pane.oldestShown = oldest;
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
