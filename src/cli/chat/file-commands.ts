import { homedir } from 'node:os';
import { formatBytes } from '../../client/index.js';
import { uploadPath } from '../../client/node-upload.js';
import type { SearchPageDto } from '../../protocol/schemas.js';
import { parseDnd } from './bell.js';
import { findConversation, requireOpen, type ChatView, type Command } from './chat-view.js';
import { conversationLabel, formatSearchHit, localDateTime, localTime } from './format.js';

/** Results /search shows at once; `/search` alone shows the next page. */
const SEARCH_PAGE = 10;

/** The search /search alone continues: its words and filters, and where its next page starts. */
interface LastSearch {
  q: string;
  conversation?: string;
  sender?: string;
  cursor: string;
}

/**
 * The slash commands of issue 15: `/upload PATH [message]`, `/search TERMS` (filters
 * `from:USER`, `in:NAME` or `in:here`; `/search` alone pages on) and `/dnd`; `/mute` and
 * `/unmute` of the open conversation share their names with the moderator's (group-commands.ts).
 */
export function fileCommands(view: ChatView): Record<string, Command> {
  const c = view.client;
  const term = view.term;
  let last: LastSearch | null = null;

  const showPage = (page: SearchPageDto, search: Omit<LastSearch, 'cursor'>) => {
    const options = view.renderOptions();
    for (const hit of page.results) {
      const conversation = c.conversations.get(hit.message.conversationId);
      const label = conversation ? conversationLabel(conversation) : '(a conversation)';
      term.print(formatSearchHit(hit, label, options));
    }
    last = page.nextCursor ? { ...search, cursor: page.nextCursor } : null;
    term.print(page.nextCursor ? '  … more: /search' : '— end of results —');
  };

  return {
    upload: {
      usage: '/upload PATH [TEXT]',
      help: 'send a file (quote a PATH with spaces), TEXT with it',
      run: async (_args, rest) => {
        const { path, text } = splitPath(rest);
        if (!path) throw new Error('usage: /upload PATH [TEXT]');
        requireOpen(view);
        let shown = -1;
        const file = await uploadPath(c.api, path, {
          onProgress: (sent, total) => {
            const percent = Math.floor((sent / total) * 100);
            if (percent === shown) return;
            shown = percent;
            term.status(`uploading… ${percent}% (${formatBytes(sent)} of ${formatBytes(total)})`);
          },
        });
        term.print(`📎 uploaded ${file.name} (${formatBytes(file.size)}, ${file.contentType})`);
        // A send refused for good leaves the upload unattached: remove it rather than wait
        // for the sweep (rule F7).
        view
          .send(text, { attachments: [file.id] })
          ?.catch(() => c.api.deleteUpload(file.id).catch(() => undefined));
      },
    },
    search: {
      usage: '/search TERMS',
      help: 'find messages (from:USER in:NAME|here); /search alone: more',
      run: async (_args, rest) => {
        if (!rest) {
          if (!last)
            throw new Error('usage: /search TERMS (from:USER, in:NAME or in:here narrow it)');
          const { cursor, ...search } = last;
          const page = await c.api.search(search.q, { ...search, cursor, limit: SEARCH_PAGE });
          term.print('— more results —');
          return showPage(page, search);
        }
        const search = await parseSearch(view, rest);
        last = null;
        const page = await c.api.search(search.q, { ...search, limit: SEARCH_PAGE });
        if (page.results.length === 0) return term.print(`No messages match "${search.q}".`);
        term.print(`— messages matching "${search.q}", newest first —`);
        showPage(page, search);
      },
    },
    dnd: {
      usage: '/dnd [1h|30m|18:00|off]',
      help: 'do not disturb: no bell or notification anywhere',
      run: async (_args, rest) => {
        if (!rest) {
          const { settings } = await c.api.settings();
          view.bell.dndUntil = settings.doNotDisturbUntil;
          return term.print(dndStatus(view));
        }
        const until = parseDnd(rest, Date.now());
        const { settings } = await c.api.setDoNotDisturb(until);
        view.bell.dndUntil = settings.doNotDisturbUntil;
        term.print(dndStatus(view));
      },
    },
  };
}

/** `PATH rest…` or `"PATH with spaces" rest…` (`~/` is the home directory). */
export function splitPath(rest: string): { path: string; text: string } {
  const quoted = /^(["'])(.*?)\1(?:\s+|$)/.exec(rest);
  const [path, text] = quoted
    ? [quoted[2]!, rest.slice(quoted[0].length)]
    : [/^\S*/.exec(rest)![0], rest.replace(/^\S*\s*/, '')];
  return { path: path.replace(/^~(?=\/|$)/, homedir()), text: text.trim() };
}

/** The words of a /search and its filters: `from:USER`, `in:#group`, `in:@peer`, `in:here`. */
async function parseSearch(
  view: ChatView,
  rest: string,
): Promise<{ q: string; conversation?: string; sender?: string }> {
  const words: string[] = [];
  let conversation: string | undefined;
  let sender: string | undefined;
  for (const word of rest.split(/\s+/)) {
    const filter = /^(from|in):(.+)$/i.exec(word);
    if (!filter) {
      words.push(word);
      continue;
    }
    const value = filter[2]!;
    if (filter[1]!.toLowerCase() === 'from') {
      sender = value.replace(/^@/, '');
      continue;
    }
    if (value.toLowerCase() === 'here') {
      conversation = requireOpen(view).id;
      continue;
    }
    if (!findConversation(view, value)) await view.client.refreshConversations();
    const found = findConversation(view, value);
    if (!found) throw new Error(`no conversation named ${value} (see /conversations)`);
    conversation = found.id;
  }
  if (words.length === 0) throw new Error('usage: /search TERMS (from:USER and in:NAME narrow it)');
  return {
    q: words.join(' '),
    ...(conversation ? { conversation } : {}),
    ...(sender ? { sender } : {}),
  };
}

/** `/mute` and `/unmute` without a member (group-commands.ts): the open conversation, for you. */
export async function setMuted(view: ChatView, muted: boolean): Promise<void> {
  const conversation = requireOpen(view);
  await view.client.api.setMuted(conversation.id, muted);
  view.client.conversations.setMuted(conversation.id, muted);
  conversation.muted = muted;
  const label = conversationLabel(conversation);
  view.term.print(
    muted
      ? `🔕 ${label} muted: its messages and mentions no longer ring or notify`
      : `🔔 ${label} unmuted`,
  );
}

function dndStatus(view: ChatView): string {
  const until = view.bell.dndUntil;
  if (!view.bell.dndActive || until === null) return '🔔 Do not disturb is off';
  const sameDay = new Date(until).toDateString() === new Date().toDateString();
  const when = sameDay ? localTime(until) : localDateTime(until);
  return `🔕 Do not disturb until ${when}: no bell, no notifications (/dnd off ends it)`;
}
