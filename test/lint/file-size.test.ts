// No source file over 400 lines (issue 13): the max-lines rule as eslint.config.js sets it for a
// file anywhere in src/ and web/src/, including folders that do not exist yet, and not for tests.
import assert from 'node:assert/strict';
import { dirname, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ESLint, Linter } from 'eslint';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The max-lines setting the repository's ESLint configuration gives `path` (no file is read). */
async function maxLinesFor(path: string): Promise<Linter.RuleEntry | undefined> {
  const eslint = new ESLint({ cwd: ROOT });
  const config = (await eslint.calculateConfigForFile(path)) as Linter.Config | undefined;
  return config?.rules?.['max-lines'];
}

/** A module of `lines` lines, a third of them blank and a third comments, as a file has them. */
function moduleOf(lines: number): string {
  const kinds = (i: number) =>
    i % 3 === 0 ? '' : i % 3 === 1 ? `// note ${i}` : `export const v${i} = ${i};`;
  return `${Array.from({ length: lines }, (_, i) => kinds(i)).join('\n')}\n`;
}

/** The max-lines messages for `text` under `rule`. */
function check(rule: Linter.RuleEntry, text: string): string[] {
  const messages = new Linter().verify(text, [{ rules: { 'max-lines': rule } }]);
  return messages.map((m) => `${m.ruleId ?? 'parse'}: ${m.message}`);
}

describe('file size (eslint max-lines)', () => {
  for (const path of [
    'src/delivery/room.ts',
    'src/ports/store/users.ts',
    'src/gateway/ws/hub.ts',
    'web/src/state/chat-store.ts',
    'web/src/components/new-screen.tsx',
  ]) {
    it(`${path}: 400 lines pass, 401 fail, blank lines and comments counted`, async () => {
      const rule = await maxLinesFor(path);
      assert.ok(rule, `max-lines is set for ${path}`);
      assert.deepEqual(check(rule, moduleOf(400)), []);
      assert.deepEqual(check(rule, moduleOf(401)), [
        'max-lines: File has too many lines (401). Maximum allowed is 400.',
      ]);
    });
  }

  it('tests are not held to it', async () => {
    const rule = await maxLinesFor('test/ws/protocol.test.ts');
    assert.ok(
      rule === undefined ||
        rule === 'off' ||
        rule === 0 ||
        (Array.isArray(rule) && rule[0] === 'off'),
    );
  });
});
