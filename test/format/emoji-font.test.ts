import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PACKAGE = dirname(
  createRequire(import.meta.url).resolve('@fontsource/noto-color-emoji/package.json'),
);

/** Each @font-face of a stylesheet as its subset's file name and its unicode-range. */
function faces(css: string): { file: string; range: string; src: string }[] {
  return [...css.matchAll(/@font-face\s*\{([^}]*)\}/g)].map(([, body]) => ({
    file: /([\w-]+-400-normal)\.woff/.exec(body!)?.[1] ?? '',
    range: (/unicode-range:([^;]*);/.exec(body!)?.[1] ?? '').replace(/\s+/g, ''),
    src: /src:([^;]*);/.exec(body!)?.[1] ?? '',
  }));
}

describe('the emoji font of the web UI (web/src/emoji-font.css)', () => {
  const ours = faces(readFileSync(join(ROOT, 'web/src/emoji-font.css'), 'utf8'));
  const theirs = faces(readFileSync(join(PACKAGE, 'index.css'), 'utf8'));

  it('has the installed package’s subsets, each with its unicode-range', () => {
    assert.ok(theirs.length > 1);
    assert.deepEqual(
      ours.map(({ file, range }) => ({ file, range })),
      theirs.map(({ file, range }) => ({ file, range })),
    );
    for (const { file } of ours)
      assert.ok(existsSync(join(PACKAGE, 'files', `${file}.woff`)), file);
  });

  it('prefers an emoji font the system has, then the woff (not woff2) served by the node', () => {
    for (const { src } of ours) {
      assert.match(src, /^\s*local\('Noto Color Emoji'\),\s*local\('NotoColorEmoji'\),\s*url\(/);
      // Only woff: Debian 12's Chromium draws this font's woff2 glyphs blank.
      assert.match(
        src,
        /url\('@fontsource\/noto-color-emoji\/files\/[\w-]+\.woff'\) format\('woff'\)\s*$/,
      );
    }
  });
});
