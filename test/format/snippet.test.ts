import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { searchTokens } from '../../src/domain/search.js';
import { SNIPPET_CHARS, snippetOf } from '../../src/format/snippet.js';

/** The snippet for a query as the server builds it (terms tokenized by domain/search.ts). */
const snippet = (body: string, query: string) => snippetOf(body, searchTokens(query));
/** The highlighted pieces of a snippet, as a reader sees them. */
const marked = (body: string, query: string) => {
  const s = snippet(body, query);
  return s.highlights.map(([a, b]) => s.text.slice(a, b));
};

describe('search snippets (rule Q4)', () => {
  it('[Q4] a short body is the whole plain text; each token a term starts is highlighted up to the term', () => {
    const s = snippet(
      'We **deploy** the _release_ on [Friday](https://x.example), deploy!',
      'dep fri',
    );
    assert.equal(s.text, 'We deploy the release on Friday, deploy!');
    assert.deepEqual(s.highlights, [
      [3, 6],
      [25, 28],
      [33, 36],
    ]);
    assert.deepEqual(marked('redeploy deployment', 'deploy'), ['deploy']);
  });

  it('[Q4] the longest matching term wins, and markup, code and line breaks become plain spaces', () => {
    assert.deepEqual(marked('deployment', 'de deploym'), ['deploym']);
    const s = snippet('first line\n\n> quoted `code x`\n- item', 'code item');
    assert.equal(s.text, 'first line quoted code x item');
    assert.deepEqual(marked('first line\n\n> quoted `code x`\n- item', 'code item'), [
      'code',
      'item',
    ]);
  });

  it('[Q4] offsets land on the original text whatever normalization does to its length', () => {
    assert.deepEqual(marked('Café CRÈME', 'cafe creme'), ['Café', 'CRÈME']);
    assert.deepEqual(marked('nai\u0308ve and naïve', 'naive'), ['nai\u0308ve', 'naïve']);
    assert.deepEqual(marked('the ﬁle ＡＢＣ', 'fi abc'), ['ﬁ', 'ＡＢＣ'], 'a ligature is one unit');
    assert.deepEqual(marked('the ﬁle', 'fil'), ['ﬁl']);
    assert.deepEqual(marked('the ﬁle', 'file'), ['ﬁle']);
    assert.deepEqual(marked('😀 emoji 😀 then Ünïcödé', 'unicode'), ['Ünïcödé']);
    assert.deepEqual(marked('Привет мир', 'прив'), ['Прив']);
    assert.deepEqual(marked('ΚΟΣΜΟΣ κόσμος', 'κοσμος'), ['ΚΟΣΜΟΣ', 'κόσμος']);
    assert.deepEqual(marked('東京タワー', '東京'), ['東京']);
    // UTF-16: the astral letter 𝐀 (NFKC: "a") is two code units.
    assert.deepEqual(marked('x 𝐀bc y', 'abc'), ['𝐀bc']);
  });

  it('[Q4] a long body is cut at spaces around the first match, with ellipses where cut', () => {
    const words = Array.from({ length: 80 }, (_, i) => `word${i}`);
    words[40] = 'NEEDLE';
    const body = words.join(' ');
    const s = snippet(body, 'needle');
    assert.ok(s.text.startsWith('…word'), s.text);
    assert.ok(s.text.endsWith('…'), s.text);
    assert.ok(s.text.length <= SNIPPET_CHARS + 2, `${s.text.length}`);
    assert.ok(s.text.length >= SNIPPET_CHARS - 20, `${s.text.length}`);
    const inner = s.text.slice(1, -1);
    assert.ok(body.includes(inner), 'a slice of the plain text');
    const at = body.indexOf(inner);
    assert.equal(body[at - 1], ' ', 'starts on a word');
    assert.equal(body[at + inner.length], ' ', 'ends on a whole word');
    assert.deepEqual(
      s.highlights.map(([a, b]) => s.text.slice(a, b)),
      ['NEEDLE'],
    );
    const start = snippet(`needle ${body}`, 'needle');
    assert.ok(start.text.startsWith('needle word0'), 'a match near the start: no leading cut');
    const end = snippet(`${body} haystack`, 'haystack');
    assert.ok(end.text.endsWith('word79 haystack'), 'a match near the end: no trailing cut');
    assert.ok(end.text.startsWith('…'));
  });

  it('[Q4] matches outside the window are not highlighted; no match (a link target) shows the start', () => {
    const body = `alpha ${'filler '.repeat(40)}alpha`;
    const s = snippet(body, 'alpha');
    assert.deepEqual(
      s.highlights.map(([a, b]) => s.text.slice(a, b)),
      ['alpha'],
    );
    const link = snippet(`[click here](https://deploy.example) ${'x '.repeat(100)}`, 'deploy');
    assert.deepEqual(link.highlights, []);
    assert.ok(link.text.startsWith('click here x'));
  });

  it('[Q4] a body with no words and a body of one enormous word still give a valid snippet', () => {
    assert.deepEqual(snippet('', 'x'), { text: '', highlights: [] });
    assert.deepEqual(snippet('🎉🎉', 'x'), { text: '🎉🎉', highlights: [] });
    const huge = `${'😀'.repeat(120)}`;
    const s = snippet(huge, 'x');
    assert.equal(s.text.endsWith('…'), true);
    assert.doesNotMatch(s.text, /\p{Cs}/u, 'no surrogate pair split');
    const word = 'z'.repeat(300);
    const w = snippet(`a ${word} b`, 'zzz');
    assert.equal(w.highlights.length, 1);
    assert.equal(w.text.slice(...w.highlights[0]!), 'zzz');
  });
});
