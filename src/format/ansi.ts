/**
 * The terminal's rendering of the Markdown subset (src/format/markdown.ts): SGR styles for a
 * colour terminal, the same layout without any escape sequence otherwise (a pipe, a log, a
 * terminal that is not a TTY). Pure: no Node API, so it is tested like the rest of format/.
 */
import { parseMessage, type Block, type Inline } from './markdown.js';

/** How to render: `color` where the output is a TTY; `me` the viewer's username. */
export interface AnsiOptions {
  color: boolean;
  me?: string | undefined;
}

const SGR = {
  reset: '\x1b[0m',
  bold: '\x1b[1m',
  dim: '\x1b[2m',
  italic: '\x1b[3m',
  underline: '\x1b[4m',
  inverse: '\x1b[7m',
  strike: '\x1b[9m',
  cyan: '\x1b[36m',
  yellow: '\x1b[33m',
} as const;

/**
 * Control characters other than newline and tab never reach the terminal as they are: the
 * body alphabet (rule S6) allows DEL and the C1 range, which some terminals would obey.
 */
const UNSAFE = /[^\P{Cc}\n\t]/gu;

/**
 * A message body as terminal text: **strong** bold, *em* italic, ~~strike~~ struck through,
 * `code` cyan, code blocks indented, quotes behind `│ `, lists with `• ` or `1. `, links as
 * `text <url>`, mentions yellow and bold (the viewer's own inverse). Lines end with `\n` (none
 * after the last); with `color: false` the same text without escape sequences.
 */
export function renderAnsi(body: string, options: AnsiOptions): string {
  const ctx: Context = { color: options.color, me: options.me?.toLowerCase() };
  return blockLines(parseMessage(body), ctx).join('\n');
}

interface Context {
  color: boolean;
  me: string | undefined;
}

function blockLines(blocks: readonly Block[], ctx: Context): string[] {
  return blocks.flatMap((block) => {
    switch (block.type) {
      case 'paragraph':
        return inline(block.children, ctx, []).split('\n');
      case 'codeBlock':
        return block.text
          .split('\n')
          .map((line) => `    ${style(clean(line), [SGR.cyan], [], ctx)}`);
      case 'quote': {
        const bar = style('│', [SGR.dim], [], ctx);
        return blockLines(block.children, ctx).map((line) => `${bar} ${line}`);
      }
      case 'list':
        return block.items.flatMap((item, i) => {
          const marker = block.ordered ? `${block.start + i}. ` : '• ';
          const indent = ' '.repeat(marker.length);
          return blockLines(item.children, ctx).map(
            (line, n) => (n === 0 ? marker : indent) + line,
          );
        });
    }
  });
}

/** Inline nodes as text, each style closed by a reset that then restores the outer ones. */
function inline(nodes: readonly Inline[], ctx: Context, outer: readonly string[]): string {
  let out = '';
  for (const node of nodes) {
    switch (node.type) {
      case 'text':
        out += style(clean(node.text), [], outer, ctx);
        break;
      case 'break':
        out += '\n';
        break;
      case 'code':
        out += style(clean(node.text), [SGR.cyan], outer, ctx);
        break;
      case 'strong':
        out += nested(node.children, SGR.bold, outer, ctx);
        break;
      case 'em':
        out += nested(node.children, SGR.italic, outer, ctx);
        break;
      case 'strike':
        out += nested(node.children, SGR.strike, outer, ctx);
        break;
      case 'link': {
        const text = inline(node.children, ctx, outer);
        const url = style(clean(node.href), [SGR.underline], outer, ctx);
        out += plainOf(node.children) === node.href ? url : `${text} <${url}>`;
        break;
      }
      case 'mention': {
        const mine = ctx.me !== undefined && (node.username === ctx.me || node.username === 'all');
        const styles = mine ? [SGR.bold, SGR.yellow, SGR.inverse] : [SGR.bold, SGR.yellow];
        out += style(`@${node.username}`, styles, outer, ctx);
        break;
      }
    }
  }
  return out;
}

function nested(children: readonly Inline[], sgr: string, outer: readonly string[], ctx: Context) {
  return inline(children, ctx, [...outer, sgr]);
}

/** `text` in the outer styles plus `own`, then back to the outer styles alone. */
function style(text: string, own: readonly string[], outer: readonly string[], ctx: Context) {
  if (!ctx.color || (own.length === 0 && outer.length === 0) || text === '') return text;
  // Lines are styled one by one, so a line printed alone (a prompt redraw) keeps its style.
  return text
    .split('\n')
    .map((line) => `${outer.join('')}${own.join('')}${line}${SGR.reset}`)
    .join('\n');
}

function plainOf(nodes: readonly Inline[]): string {
  return nodes.map((n) => (n.type === 'text' || n.type === 'code' ? n.text : '')).join('');
}

function clean(text: string): string {
  return text.replace(UNSAFE, '\uFFFD');
}

/**
 * Plain text (a search snippet, rule Q3) with its highlighted ranges (UTF-16 offsets, as the
 * server gives them) bold and inverse, on one line: line breaks and control characters become
 * spaces, so the offsets still hold. With `color: false` the same text without escapes.
 */
export function renderHighlights(
  text: string,
  highlights: ReadonlyArray<readonly [number, number]>,
  options: Pick<AnsiOptions, 'color'>,
): string {
  const flat = text.replace(/\p{Cc}/gu, ' ');
  if (!options.color) return flat;
  let out = '';
  let at = 0;
  const ranges = [...highlights]
    .map(([start, end]) => [Math.max(0, start), Math.min(flat.length, end)] as const)
    .sort((a, b) => a[0] - b[0]);
  for (const [start, end] of ranges) {
    if (end <= Math.max(start, at)) continue;
    const from = Math.max(start, at);
    out += flat.slice(at, from) + SGR.bold + SGR.inverse + flat.slice(from, end) + SGR.reset;
    at = end;
  }
  return out + flat.slice(at);
}
