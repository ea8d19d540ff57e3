import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_LIMITS } from '../../src/domain/limits.js';
import {
  mentionsOf,
  parseMessage,
  plainText,
  type Block,
  type FormatNode,
  type Inline,
} from '../../src/format/markdown.js';

/** The one paragraph a body parses to. */
function paragraph(body: string): Inline[] {
  const blocks = parseMessage(body);
  assert.equal(blocks.length, 1, `one block for ${JSON.stringify(body)}`);
  const [block] = blocks;
  assert.equal(block?.type, 'paragraph');
  return block.children;
}

const text = (t: string): Inline => ({ type: 'text', text: t });

/** Every node of a tree, depth first. */
function nodes(tree: readonly FormatNode[]): FormatNode[] {
  return tree.flatMap((node) => [
    node,
    ...nodes(node.type === 'list' ? node.items : 'children' in node ? node.children : []),
  ]);
}

/** Every link target in a body's tree. */
const hrefs = (body: string) =>
  nodes(parseMessage(body)).flatMap((n) => (n.type === 'link' ? [n.href] : []));

describe('Markdown subset (src/format/markdown.ts)', () => {
  it('parses emphasis, strong, strikethrough and inline code, nested', () => {
    assert.deepEqual(paragraph('**bold** _em_ *em* ~~gone~~ `a *b*`'), [
      { type: 'strong', children: [text('bold')] },
      text(' '),
      { type: 'em', children: [text('em')] },
      text(' '),
      { type: 'em', children: [text('em')] },
      text(' '),
      { type: 'strike', children: [text('gone')] },
      text(' '),
      { type: 'code', text: 'a *b*' },
    ]);
    assert.deepEqual(paragraph('**a _b_**'), [
      { type: 'strong', children: [text('a '), { type: 'em', children: [text('b')] }] },
    ]);
  });

  it('parses fenced and indented code blocks, with the fence language', () => {
    const blocks = parseMessage('```ts\nconst a = **1**;\n  <b>\n```\n\n    indented');
    assert.deepEqual(blocks, [
      { type: 'codeBlock', lang: 'ts', text: 'const a = **1**;\n  <b>' },
      { type: 'codeBlock', lang: null, text: 'indented' },
    ]);
  });

  it('parses block quotes and bullet and ordered lists, with the start number', () => {
    const blocks = parseMessage('> quoted\n> > deeper\n\n- one\n- two\n\n3. three\n4. four');
    const para = (t: string): Block => ({ type: 'paragraph', children: [text(t)] });
    assert.deepEqual(blocks, [
      {
        type: 'quote',
        children: [para('quoted'), { type: 'quote', children: [para('deeper')] }],
      },
      {
        type: 'list',
        ordered: false,
        start: 1,
        items: [
          { type: 'item', children: [para('one')] },
          { type: 'item', children: [para('two')] },
        ],
      },
      {
        type: 'list',
        ordered: true,
        start: 3,
        items: [
          { type: 'item', children: [para('three')] },
          { type: 'item', children: [para('four')] },
        ],
      },
    ]);
  });

  it('keeps every newline as a line break, and blank lines as paragraphs', () => {
    assert.deepEqual(parseMessage('one\ntwo\n\nthree'), [
      { type: 'paragraph', children: [text('one'), { type: 'break' }, text('two')] },
      { type: 'paragraph', children: [text('three')] },
    ]);
  });

  it('links http, https and mailto, bare URLs and <autolinks>; nothing else', () => {
    assert.deepEqual(paragraph('[site](https://example.com/a?b=1)'), [
      { type: 'link', href: 'https://example.com/a?b=1', children: [text('site')] },
    ]);
    assert.deepEqual(hrefs('see https://example.com/x. and <http://a.example> [m](mailto:a@b.c)'), [
      'https://example.com/x',
      'http://a.example',
      'mailto:a@b.c',
    ]);
    for (const hostile of [
      '[x](javascript:alert(1))',
      '[x](JaVaScRiPt:alert(1))',
      '[x]( javascript:alert(1))',
      '[x](data:text/html,<script>alert(1)</script>)',
      '[x](vbscript:msgbox)',
      '[x](file:///etc/passwd)',
      '<javascript:alert(1)>',
      'ftp://example.com //example.com www.example.com',
      '[x](//example.com)',
    ]) {
      assert.deepEqual(hrefs(hostile), [], hostile);
      // Refused links stay as the text that was typed.
      assert.equal(plainText(hostile), hostile);
    }
  });

  it('leaves raw HTML, entities, headings, tables, rules and images as typed text', () => {
    for (const body of [
      '<img src=x onerror=alert(1)>',
      '<script>alert(1)</script>',
      '&lt;b&gt; &amp; &#x41;',
      '# not a heading',
      'title\n===',
      '| a | b |\n|---|---|\n| 1 | 2 |',
      '---',
    ]) {
      const tree = parseMessage(body);
      assert.ok(
        nodes(tree).every((n) => ['paragraph', 'text', 'break'].includes(n.type)),
        `${body}: ${JSON.stringify(tree)}`,
      );
      assert.equal(plainText(body), body);
    }
    // A link reference definition stays in the text (its URL a link, as any bare URL).
    assert.equal(plainText('[ref]: https://example.com'), '[ref]: https://example.com');
    // An image is its `!` and a link.
    assert.deepEqual(paragraph('![i](https://example.com/i.png)'), [
      text('!'),
      { type: 'link', href: 'https://example.com/i.png', children: [text('i')] },
    ]);
  });

  it('backslash escapes markup', () => {
    assert.deepEqual(paragraph('\\*not em\\* \\`x\\`'), [text('*not em* `x`')]);
  });

  it('[R6] finds @username mentions by the username alphabet, and @all', () => {
    assert.deepEqual(paragraph('hi @Alice, @bob. and @all'), [
      text('hi '),
      { type: 'mention', username: 'alice' },
      text(', '),
      { type: 'mention', username: 'bob' },
      text('. and '),
      { type: 'mention', username: 'all' },
    ]);
    assert.deepEqual(mentionsOf('@x.y-z_1 (@carol) @x.y-z_1'), ['x.y-z_1', 'carol']);
    // Not mentions: too short, too long, letters outside the alphabet, glued to a word.
    for (const body of [
      '@al',
      `@${'a'.repeat(33)}`,
      '@josé',
      'mail bob@example.com',
      'a.@bob',
      '@@bob',
    ]) {
      assert.deepEqual(mentionsOf(body), [], body);
    }
    assert.deepEqual(mentionsOf(`@${'a'.repeat(32)}`), ['a'.repeat(32)]);
  });

  it('finds no mentions inside code or link text', () => {
    assert.deepEqual(mentionsOf('`@alice` [@bob](https://example.com)\n```\n@carol\n```'), []);
    assert.deepEqual(mentionsOf('**@dave** > @erin'), ['dave', 'erin']);
  });

  it('plainText drops the markup and keeps the text, one line per block and break', () => {
    assert.equal(
      plainText('**Hi** _there_ `x`\n> quoted [link](https://e.com)\n\n- a\n- b\n\n```\ncode\n```'),
      'Hi there x\nquoted link\na\nb\ncode',
    );
    assert.equal(plainText(''), '');
  });

  it('reads any mix of markup characters: never throws, and the text it keeps is the body’s', () => {
    const alphabet = [
      '*',
      '_',
      '~',
      '`',
      '[',
      ']',
      '(',
      ')',
      '>',
      '-',
      '1.',
      '#',
      '<',
      '\\',
      '@',
      'ab',
      ' ',
      '\n',
      '\n\n',
      '    ',
      'https://e.com',
      'javascript:',
      '!',
      ':',
      '|',
    ];
    // A fixed seed: the same bodies every run.
    let seed = 14;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 2000; i++) {
      let body = '';
      const length = 1 + Math.floor(next() * 40);
      for (let j = 0; j < length; j++) body += alphabet[Math.floor(next() * alphabet.length)];
      const tree = parseMessage(body);
      // A backslash before punctuation is markup too (an escape), except inside a bare URL.
      const unescaped = body.replace(/\\([!-/:-@[-`{-~])/g, '$1');
      for (const node of nodes(tree)) {
        if (node.type === 'text') {
          for (const line of node.text.split('\n')) {
            assert.ok(
              body.includes(line.trim()) || unescaped.includes(line.trim()),
              `${JSON.stringify(line)} of ${JSON.stringify(body)}`,
            );
          }
        }
        if (node.type === 'link') assert.match(node.href, /^(https?:|mailto:)/);
      }
    }
  });

  it('survives hostile nesting without losing its text, and stays fast', () => {
    const deep = `${'>'.repeat(200)} bottom`;
    assert.match(plainText(deep), /bottom$/);
    assert.match(plainText(`${'- '.repeat(200)}item`), /item$/);
    const max = DEFAULT_LIMITS.maxMessageChars;
    const started = performance.now();
    for (const unit of ['*a', '[', '> ', '- ', '`', '**_', '[a](', '<', '\\', '~~', '1. ']) {
      const body = unit.repeat(Math.floor(max / unit.length));
      parseMessage(body);
      plainText(body);
    }
    // Quadratic parsing of 4,000 characters would take seconds; this takes milliseconds.
    assert.ok(performance.now() - started < 2000);
  });
});
