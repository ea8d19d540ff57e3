import type { ComponentChildren } from 'preact';
import { useMemo } from 'preact/hooks';
import { parseMessage, type Block, type Inline } from '../../../src/format/markdown.js';

/**
 * A message's text in the Markdown subset of src/format/markdown.ts, rendered to DOM elements:
 * every character of the body reaches the page as a text node or an element made here, never
 * as parsed HTML. Links open in a new tab without opener or referrer; `@me` is highlighted.
 */
export function MessageBody(props: { body: string; me?: string | undefined }) {
  const blocks = useMemo(() => parseMessage(props.body), [props.body]);
  const me = props.me?.toLowerCase();
  return <div class="message-body md">{renderBlocks(blocks, me)}</div>;
}

function renderBlocks(blocks: readonly Block[], me: string | undefined): ComponentChildren[] {
  return blocks.map((block, i) => renderBlock(block, i, me));
}

function renderBlock(block: Block, key: number, me: string | undefined): ComponentChildren {
  switch (block.type) {
    case 'paragraph':
      return <p key={key}>{renderInlines(block.children, me)}</p>;
    case 'codeBlock':
      return (
        <pre key={key} class="md-code-block">
          <code data-lang={block.lang ?? undefined}>{block.text}</code>
        </pre>
      );
    case 'quote':
      return <blockquote key={key}>{renderBlocks(block.children, me)}</blockquote>;
    case 'list': {
      const items = block.items.map((item, i) => (
        <li key={i}>{renderBlocks(item.children, me)}</li>
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

function renderInlines(nodes: readonly Inline[], me: string | undefined): ComponentChildren[] {
  return nodes.map((node, i) => renderInline(node, i, me));
}

function renderInline(node: Inline, key: number, me: string | undefined): ComponentChildren {
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
      return <strong key={key}>{renderInlines(node.children, me)}</strong>;
    case 'em':
      return <em key={key}>{renderInlines(node.children, me)}</em>;
    case 'strike':
      return <del key={key}>{renderInlines(node.children, me)}</del>;
    case 'link':
      return (
        <a key={key} href={node.href} target="_blank" rel="noopener noreferrer nofollow">
          {renderInlines(node.children, me)}
        </a>
      );
    case 'mention': {
      const classes = ['mention'];
      if (node.username === 'all') classes.push('mention-all');
      if (node.username === me || (node.username === 'all' && me !== undefined)) {
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
