/**
 * The Markdown subset of message bodies (docs/protocol.md, "Message formatting"): parsed once
 * by markdown-it into a small typed tree that every front end renders its own way (the web to
 * DOM elements, the terminal to ANSI styles), so none of them ever parses HTML.
 *
 * Bodies are stored as written; only rendering reads them as Markdown. The subset is what chat
 * users of Slack, Element and Zulip write: *em*, **strong**, ~~strike~~, `code`, fenced and
 * indented code blocks, > quotes, - and 1. lists, links and bare URLs, and @mentions. Left out
 * on purpose, so they stay the text that was typed: headings (`# ` starts many chat lines),
 * tables, images, horizontal rules, link reference definitions, raw HTML and HTML entities
 * (`&lt;` shows as typed). Every newline is a line break, as in every chat app. Links keep only
 * the http:, https: and mailto: schemes; any other link stays text.
 *
 * Browser-safe: no Node built-ins (the web UI bundles this file).
 */
import MarkdownIt, { type Token } from 'markdown-it';
import { USERNAME_PATTERN } from '../domain/limits.js';

/** Inline content: what a paragraph, a link or an emphasis holds. */
export type Inline =
  | { type: 'text'; text: string }
  | { type: 'strong'; children: Inline[] }
  | { type: 'em'; children: Inline[] }
  | { type: 'strike'; children: Inline[] }
  | { type: 'code'; text: string }
  | { type: 'link'; href: string; children: Inline[] }
  /** `@username` (lowercase, as written minus the `@`), or `all` for `@all`. */
  | { type: 'mention'; username: string }
  /** A line break inside a paragraph (every newline of the body). */
  | { type: 'break' };

/** Block content: what a message, a quote or a list item holds. */
export type Block =
  | { type: 'paragraph'; children: Inline[] }
  /** A fenced or indented code block; `lang` is the fence's info word, when there is one. */
  | { type: 'codeBlock'; lang: string | null; text: string }
  | { type: 'quote'; children: Block[] }
  | { type: 'list'; ordered: boolean; start: number; items: ListItem[] };

/** One item of a list. */
export interface ListItem {
  type: 'item';
  children: Block[];
}

/** Any node of the tree. */
export type FormatNode = Block | Inline | ListItem;

/** The only link schemes that become links. */
const SAFE_LINK = /^(https?:|mailto:)/i;

/**
 * A mention candidate: `@` at the start of the text or after a character that cannot be in an
 * address or a name (so `bob@example.com` is no mention), then name characters. It is a
 * mention when, less the full stops that end a sentence (`thanks @bob.`), it is a username.
 */
const MENTION = /(?<![\p{L}\p{N}_.@-])@([\p{L}\p{N}_.-]+)/gu;

/** markdown-it's nesting limit; past it, its block parser drops the rest of the body. */
const MAX_NESTING = 20;
/** From this block depth on, the rest of a block is one plain paragraph: nothing is lost. */
const FLAT_FROM = MAX_NESTING - 4;

const md = new MarkdownIt('zero', {
  html: false,
  linkify: true,
  breaks: true,
  typographer: false,
  maxNesting: MAX_NESTING,
});
md.enable([
  'blockquote',
  'code',
  'fence',
  'list',
  'emphasis',
  'strikethrough',
  'backticks',
  'escape',
  'link',
  'autolink',
  'linkify',
  'newline',
]);
md.validateLink = (url) => SAFE_LINK.test(url.trim());
// Bare URLs only with a scheme (`www.example.com` stays text) and no `//host` links.
md.linkify.set({ fuzzyLink: false, fuzzyEmail: false }).add('//', null).add('ftp:', null);

// Hostile nesting (`>>>>…` or `- - - …` past the limit) reads as text instead of vanishing.
md.block.ruler.before('code', 'flat_when_deep', (state, startLine, endLine, silent) => {
  if (state.level < FLAT_FROM || silent) return false;
  state.push('paragraph_open', 'p', 1);
  const inline = state.push('inline', '', 0);
  inline.content = state.getLines(startLine, endLine, state.blkIndent, false).trim();
  inline.children = [];
  state.push('paragraph_close', 'p', -1);
  state.line = endLine;
  return true;
});

/** Parses a message body into the tree of the subset. Never throws, whatever the input. */
export function parseMessage(body: string): Block[] {
  const tokens = md.parse(body, {});
  return new BlockReader(tokens).blocks(null);
}

/** Reads markdown-it's flat block token stream into nested blocks. */
class BlockReader {
  private at = 0;
  constructor(private readonly tokens: Token[]) {}

  /** Blocks up to the closing token `until` (consumed), or to the end. */
  blocks(until: string | null): Block[] {
    const out: Block[] = [];
    while (this.at < this.tokens.length) {
      const token = this.tokens[this.at++]!;
      if (token.type === until) return out;
      const block = this.block(token);
      if (block) out.push(block);
    }
    return out;
  }

  private block(token: Token): Block | null {
    switch (token.type) {
      case 'paragraph_open': {
        const inline = this.tokens[this.at]?.type === 'inline' ? this.tokens[this.at++] : null;
        this.at++; // paragraph_close
        return { type: 'paragraph', children: inlines(inline?.children ?? []) };
      }
      case 'fence': {
        const lang = token.info.trim().split(/\s+/)[0] ?? '';
        return { type: 'codeBlock', lang: lang || null, text: trimFinalNewline(token.content) };
      }
      case 'code_block':
        return { type: 'codeBlock', lang: null, text: trimFinalNewline(token.content) };
      case 'blockquote_open':
        return { type: 'quote', children: this.blocks('blockquote_close') };
      case 'bullet_list_open':
      case 'ordered_list_open': {
        const ordered = token.type === 'ordered_list_open';
        const start = Number(token.attrGet('start') ?? 1);
        const close = ordered ? 'ordered_list_close' : 'bullet_list_close';
        const items: ListItem[] = [];
        while (this.at < this.tokens.length) {
          const next = this.tokens[this.at++]!;
          if (next.type === close) break;
          if (next.type === 'list_item_open') {
            items.push({ type: 'item', children: this.blocks('list_item_close') });
          }
        }
        return { type: 'list', ordered, start, items };
      }
      default:
        // Nothing else is enabled; an unknown token (a future rule) is skipped, not guessed at.
        return null;
    }
  }
}

/** Reads an inline token list into nested inline nodes, finding mentions in plain text. */
function inlines(tokens: Token[]): Inline[] {
  const root: Inline[] = [];
  const stack: { close: string; children: Inline[] }[] = [{ close: '', children: root }];
  const top = () => stack[stack.length - 1]!.children;
  const inLink = () => stack.some((frame) => frame.close === 'link_close');
  const open = (node: Inline & { children: Inline[] }, close: string) => {
    top().push(node);
    stack.push({ close, children: node.children });
  };
  for (const token of tokens) {
    switch (token.type) {
      case 'text':
      case 'text_special':
        pushText(top(), token.content, !inLink());
        break;
      case 'softbreak':
      case 'hardbreak':
        top().push({ type: 'break' });
        break;
      case 'code_inline':
        top().push({ type: 'code', text: token.content });
        break;
      case 'strong_open':
        open({ type: 'strong', children: [] }, 'strong_close');
        break;
      case 'em_open':
        open({ type: 'em', children: [] }, 'em_close');
        break;
      case 's_open':
        open({ type: 'strike', children: [] }, 's_close');
        break;
      case 'link_open': {
        const href = String(token.attrGet('href') ?? '');
        // validateLink already refused other schemes; checked again where it matters most.
        if (SAFE_LINK.test(href)) open({ type: 'link', href, children: [] }, 'link_close');
        else stack.push({ close: 'link_close', children: top() });
        break;
      }
      default:
        if (stack.length > 1 && token.type === stack[stack.length - 1]!.close) stack.pop();
    }
  }
  return root;
}

/** Appends text, split into text and mention nodes when `mentions` is on. */
function pushText(out: Inline[], text: string, mentions: boolean): void {
  let last = 0;
  if (mentions) {
    for (const match of text.matchAll(MENTION)) {
      const name = match[1]!.replace(/\.+$/, '').toLowerCase();
      if (!USERNAME_PATTERN.test(name)) continue;
      if (match.index > last) appendText(out, text.slice(last, match.index));
      out.push({ type: 'mention', username: name });
      last = match.index + 1 + name.length;
    }
  }
  if (last < text.length) appendText(out, text.slice(last));
}

/** Adds text, merged with a text node right before it. */
function appendText(out: Inline[], text: string): void {
  const prev = out[out.length - 1];
  if (prev?.type === 'text') prev.text += text;
  else out.push({ type: 'text', text });
}

function trimFinalNewline(text: string): string {
  return text.endsWith('\n') ? text.slice(0, -1) : text;
}

/**
 * The body without its markup, for previews, reply snippets and notifications: blocks and line
 * breaks as newlines, links as their text, mentions as `@name`, code as its text.
 */
export function plainText(body: string): string {
  return blocksText(parseMessage(body));
}

function blocksText(blocks: readonly Block[]): string {
  return blocks.map(blockText).join('\n');
}

function blockText(block: Block): string {
  switch (block.type) {
    case 'paragraph':
      return inlineText(block.children);
    case 'codeBlock':
      return block.text;
    case 'quote':
      return blocksText(block.children);
    case 'list':
      return block.items.map((item) => blocksText(item.children)).join('\n');
  }
}

/** The text of inline nodes, without markup. */
export function inlineText(nodes: readonly Inline[]): string {
  let out = '';
  for (const node of nodes) {
    switch (node.type) {
      case 'text':
      case 'code':
        out += node.text;
        break;
      case 'break':
        out += '\n';
        break;
      case 'mention':
        out += `@${node.username}`;
        break;
      case 'strong':
      case 'em':
      case 'strike':
      case 'link':
        out += inlineText(node.children);
    }
  }
  return out;
}

/** The distinct usernames a body mentions (lowercase; `all` for `@all`), outside code and links. */
export function mentionsOf(body: string): string[] {
  const found = new Set<string>();
  const walk = (nodes: readonly FormatNode[]): void => {
    for (const node of nodes) {
      if (node.type === 'mention') found.add(node.username);
      else if (node.type === 'list') walk(node.items);
      else if ('children' in node) walk(node.children);
    }
  };
  walk(parseMessage(body));
  return [...found];
}
