import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderAnsi } from '../../src/format/ansi.js';

const ESC = '\x1b';
const plain = (body: string, me?: string) => renderAnsi(body, { color: false, me });
const color = (body: string, me?: string) => renderAnsi(body, { color: true, me });

describe('terminal rendering (src/format/ansi.ts)', () => {
  it('plain: the subset laid out as text, without one escape sequence', () => {
    const body =
      '**bold** _em_ ~~strike~~ `code` @bob\nnext [site](https://e.com) https://f.com\n' +
      '```\nlet a;\n  b\n```\n> quoted\n> > deeper\n\n- one\n- two\n  more\n\n3. three\n4. four';
    const out = plain(body, 'bob');
    assert.ok(!out.includes(ESC));
    assert.equal(
      out,
      [
        'bold em strike code @bob',
        'next site <https://e.com> https://f.com',
        '    let a;',
        '      b',
        '│ quoted',
        '│ │ deeper',
        '• one',
        '• two',
        '  more',
        '3. three',
        '4. four',
      ].join('\n'),
    );
  });

  it('color: bold, italic, strike, cyan code, underlined URL, yellow bold mentions', () => {
    assert.equal(color('**b**'), `${ESC}[1mb${ESC}[0m`);
    assert.equal(color('_i_'), `${ESC}[3mi${ESC}[0m`);
    assert.equal(color('~~s~~'), `${ESC}[9ms${ESC}[0m`);
    assert.equal(color('`c`'), `${ESC}[36mc${ESC}[0m`);
    assert.equal(color('[t](https://e.com)'), `t <${ESC}[4mhttps://e.com${ESC}[0m>`);
    assert.equal(color('@bob'), `${ESC}[1m${ESC}[33m@bob${ESC}[0m`);
    assert.equal(color('plain text'), 'plain text');
  });

  it('the viewer’s own mention (and @all) is inverse', () => {
    assert.equal(color('@bob', 'Bob'), `${ESC}[1m${ESC}[33m${ESC}[7m@bob${ESC}[0m`);
    assert.equal(color('@all', 'bob'), `${ESC}[1m${ESC}[33m${ESC}[7m@all${ESC}[0m`);
    assert.equal(color('@carol', 'bob'), `${ESC}[1m${ESC}[33m@carol${ESC}[0m`);
  });

  it('a style closed inside another gives the outer one back', () => {
    // **a _b_ c**: c is still bold after the italic ends.
    assert.equal(
      color('**a _b_ c**'),
      `${ESC}[1ma ${ESC}[0m${ESC}[1m${ESC}[3mb${ESC}[0m${ESC}[1m c${ESC}[0m`,
    );
  });

  it('control characters of the body never reach the terminal', () => {
    // DEL and the C1 range (CSI U+009B) are in the body alphabet (S6); escape sequences must
    // only be the renderer's own.
    for (const out of [
      plain('a\u009b31mb\u007fc `\u0085`'),
      color('a\u009b31mb\u007fc `\u0085`'),
    ]) {
      assert.ok(!/[\u007f-\u009f]/.test(out), JSON.stringify(out));
      assert.match(out, /a\uFFFD31mb\uFFFDc/);
    }
    // A carriage return cannot rewrite the line: it is a line break.
    assert.equal(plain('alice: hi\rmallory: hi'), 'alice: hi\nmallory: hi');
  });

  it('hostile markup stays text', () => {
    assert.equal(plain('[x](javascript:alert(1)) <b>hi</b>'), '[x](javascript:alert(1)) <b>hi</b>');
  });
});
