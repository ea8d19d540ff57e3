import type { ComponentChildren } from 'preact';
import { useMemo } from 'preact/hooks';
import { parseMessage, type Block, type Inline } from '../../../src/format/markdown.js';

/**
 * A message's text in the Markdown subset of src/format/markdown.ts, rendered to DOM elements:
 * every character of the body reaches the page as a text node or an element made here, never
 * as parsed HTML. Links open in a new tab without opener or referrer; `@me` is highlighted.
 */
export function MessageBody(props: {
  body: string;
  me?: string | undefined;
  /** The server resolved `@all` (a group that lets the sender): else it is plain text (rule R7). */
  mentionsAll?: boolean | undefined;
}) {
  const blocks = useMemo(() => parseMessage(props.body), [props.body]);
  const ctx: Ctx = { me: props.me?.toLowerCase(), all: props.mentionsAll ?? false };
  return <div class="message-body md">{renderBlocks(blocks, ctx)}</div>;
}

/** Who reads (their `@name` is highlighted) and whether `@all` is a mention here. */
interface Ctx {
  me: string | undefined;
  all: boolean;
}

function renderBlocks(blocks: readonly Block[], ctx: Ctx): ComponentChildren[] {
  return blocks.map((block, i) => renderBlock(block, i, ctx));
}

function renderBlock(block: Block, key: number, ctx: Ctx): ComponentChildren {
  switch (block.type) {
    case 'paragraph':
      return <p key={key}>{renderInlines(block.children, ctx)}</p>;
    case 'codeBlock':
      return (
        <pre key={key} class="md-code-block">
          <code data-lang={block.lang ?? undefined}>{block.text}</code>
        </pre>
      );
    case 'quote':
      return <blockquote key={key}>{renderBlocks(block.children, ctx)}</blockquote>;
    case 'list': {
      const items = block.items.map((item, i) => (
        <li key={i}>{renderBlocks(item.children, ctx)}</li>
      ));
      if (!block.ordered) return <ul key={key}>{items}</ul>;
      return (
        <ol key={key} start={block.start === 1 ? undefined : block.start}>
          {items}
        </ol>
      );
    }
  }
}

function renderInlines(nodes: readonly Inline[], ctx: Ctx): ComponentChildren[] {
  return nodes.map((node, i) => renderInline(node, i, ctx));
}

function renderInline(node: Inline, key: number, ctx: Ctx): ComponentChildren {
  switch (node.type) {
    case 'text':
      return node.text;
    case 'break':
      // A newline under .message-body's `white-space: pre-wrap`: the text (copied, read
      // aloud, or as textContent) keeps the line breaks that were typed.
      return '\n';
    case 'code':
      return <code key={key}>{node.text}</code>;
    case 'strong':
      return <strong key={key}>{renderInlines(node.children, ctx)}</strong>;
    case 'em':
      return <em key={key}>{renderInlines(node.children, ctx)}</em>;
    case 'strike':
      return <del key={key}>{renderInlines(node.children, ctx)}</del>;
    case 'link':
      return (
        <a key={key} href={node.href} target="_blank" rel="noopener noreferrer nofollow">
          {renderInlines(node.children, ctx)}
        </a>
      );
    case 'mention': {
      if (node.username === 'all' && !ctx.all) return `@${node.username}`;
      const classes = ['mention'];
      if (node.username === 'all') classes.push('mention-all');
      if (node.username === ctx.me || (node.username === 'all' && ctx.me !== undefined)) {
        classes.push('mention-me');
      }
      return (
        <span key={key} class={classes.join(' ')} data-username={node.username}>
          @{node.username}
        </span>
      );
    }
  }
}
