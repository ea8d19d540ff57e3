import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { startDeployment, singleNodeModes, type Deployment } from '../helpers/deployment.js';
import {
  builtWebUi,
  launchBrowser,
  openConversation,
  openPerson,
  createAccount,
  screenshot,
  sendMessage,
  startDm,
  type Person,
} from '../helpers/web.js';

/** A message with every construct of the subset, and hostile input that must stay text. */
const RICH = [
  '**bold** _em_ ~~strike~~ `code` for @bob',
  '',
  '```js',
  'let answer = 42;',
  '```',
  '',
  '> quoted line',
  '',
  '- one',
  '- two',
  '',
  'docs https://example.com/guide and [ok](https://example.org/ok)',
  '[x](javascript:window.__pwned=3) <img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>',
].join('\n');

/** Records the page's CSP violations (the console logs them too, into Person.errors). */
async function watchCsp(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __csp: string[] };
    w.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) =>
      w.__csp.push(`${e.violatedDirective} ${e.blockedURI}`),
    );
  });
}

const cspViolations = (page: Page) =>
  page.evaluate(() => (window as unknown as { __csp: string[] }).__csp);

for (const mode of singleNodeModes()) {
  describe(`web UI: message formatting, emoji and autocomplete (${mode})`, () => {
    let deployment: Deployment;
    let browser: Browser;
    let alice: Person;
    let bob: Person;

    before(async () => {
      const webDir = await builtWebUi();
      deployment = await startDeployment(mode, { tweak: (c) => (c.webDir = webDir) });
      browser = await launchBrowser();
      // The first and the last node (the same one: this scenario runs on one node).
      const [first, second] = [deployment.nodes[0]!, deployment.nodes.at(-1)!];
      alice = await openPerson(browser, first, 'alice');
      bob = await openPerson(browser, second, 'bob');
      for (const person of [alice, bob]) {
        await watchCsp(person.page);
        await createAccount(person);
      }
      await startDm(alice, 'bob');
      await openConversation(bob, 'alice');
    });

    after(async () => {
      await browser?.close();
      await deployment?.dispose();
    });

    it('[UI2] renders the Markdown subset as elements; hostile input stays text', async () => {
      await sendMessage(alice, RICH);
      const body = bob.page.locator('.message-list .message-body').last();
      await body.locator('pre code').waitFor();
      assert.equal(await body.locator('strong').textContent(), 'bold');
      assert.equal(await body.locator('em').textContent(), 'em');
      assert.equal(await body.locator('del').textContent(), 'strike');
      assert.equal(await body.locator('p code').textContent(), 'code');
      assert.equal(await body.locator('pre code').textContent(), 'let answer = 42;');
      assert.equal(await body.locator('pre code').getAttribute('data-lang'), 'js');
      assert.equal(await body.locator('blockquote').textContent(), 'quoted line');
      assert.deepEqual(await body.locator('ul > li').allTextContents(), ['one', 'two']);
      // The mention of bob is bob's own mention on his screen, not on alice's.
      assert.equal(await body.locator('.mention.mention-me').textContent(), '@bob');
      const hers = alice.page.locator('.message-list .message-body').last();
      await hers.locator('pre code').waitFor();
      assert.equal(await hers.locator('.mention').textContent(), '@bob');
      assert.equal(await hers.locator('.mention-me').count(), 0);

      // Two links, http(s) only, each opening without opener or referrer.
      const links = body.locator('a');
      assert.deepEqual(
        await links.evaluateAll((els) => els.map((a) => (a as HTMLAnchorElement).href)),
        ['https://example.com/guide', 'https://example.org/ok'],
      );
      for (const link of await links.all()) {
        assert.equal(await link.getAttribute('rel'), 'noopener noreferrer nofollow');
        assert.equal(await link.getAttribute('target'), '_blank');
      }
      // The javascript: link, the tag and the script are shown as the text that was typed.
      const text = (await body.textContent()) ?? '';
      assert.ok(text.includes('[x](javascript:window.__pwned=3)'), text);
      assert.ok(text.includes('<img src=x onerror="window.__pwned=1">'), text);
      assert.ok(text.includes('<script>window.__pwned=2</script>'), text);

      for (const page of [alice.page, bob.page]) {
        await page.locator('.message-list .message-body pre').last().waitFor();
        const found = await page.evaluate(() => ({
          pwned: (window as unknown as { __pwned?: number }).__pwned,
          tags: document.querySelectorAll('.message-list img, .message-list script').length,
          handlers: [...document.querySelectorAll('.message-list *')].filter((el) =>
            [...el.attributes].some(
              (a) => a.name.startsWith('on') || /^\s*javascript:/i.test(a.value),
            ),
          ).length,
        }));
        assert.deepEqual(found, { pwned: undefined, tags: 0, handlers: 0 });
        assert.deepEqual(await cspViolations(page), []);
      }
      assert.deepEqual([...alice.errors, ...bob.errors], []);
    });

    it('ships an emoji font from the node; the page loads it for the emoji it shows and paints them in colour, under the CSP', async () => {
      const fonts: string[] = [];
      bob.page.on('response', (r) => {
        if (/noto-color-emoji.*\.woff$/.test(r.url())) fonts.push(`${r.status()} ${r.url()}`);
      });
      await sendMessage(alice, 'party 🎉👍');
      await bob.page.locator('.message-list .message-body', { hasText: 'party 🎉👍' }).waitFor();
      // The page itself asked for the parts of the font (split by unicode-range) that hold
      // both emoji, as no font before it in the stack has them, and they loaded.
      await bob.page.waitForFunction(
        (points) =>
          points.every((point) =>
            [...document.fonts].some(
              (face) =>
                face.family.replace(/["']/g, '') === 'Noto Color Emoji' &&
                face.status === 'loaded' &&
                face.unicodeRange.split(',').some((range) => {
                  const [lo, hi = lo] = range.trim().replace(/^U\+/i, '').split('-');
                  return parseInt(lo!, 16) <= point && point <= parseInt(hi!, 16);
                }),
            ),
          ),
        [0x1f389, 0x1f44d],
      );
      // And its glyphs paint in colour (the woff2 of this font painted nothing in Chromium 156).
      const coloured = await bob.page.evaluate(() => {
        const canvas = document.createElement('canvas');
        canvas.width = canvas.height = 48;
        const ctx = canvas.getContext('2d')!;
        ctx.font = '32px "Noto Color Emoji"';
        ctx.textBaseline = 'top';
        ctx.fillText('🎉', 4, 4);
        const px = ctx.getImageData(0, 0, 48, 48).data;
        let count = 0;
        for (let i = 0; i < px.length; i += 4) {
          const [r, g, b, a] = [px[i]!, px[i + 1]!, px[i + 2]!, px[i + 3]!];
          if (a > 0 && Math.max(r, g, b) - Math.min(r, g, b) > 60) count++;
        }
        return count;
      });
      assert.ok(coloured > 100, `${coloured} coloured pixels`);
      assert.ok(fonts.length > 0);
      const origin = new URL(bob.page.url()).origin;
      for (const font of fonts) assert.ok(font.startsWith(`200 ${origin}/assets/`), font);
      assert.deepEqual(await cspViolations(bob.page), []);
      assert.deepEqual(bob.errors, []);
    });

    it('the composer completes :shortcodes: (keyboard and listbox) and sends them as emoji', async () => {
      const box = bob.page.locator('#composer-input');
      const list = bob.page.getByRole('listbox', { name: 'Emoji' });
      await box.pressSequentially('great :thumbsu');
      await list.waitFor();
      const selected = list.locator('[role="option"][aria-selected="true"]');
      assert.equal(await selected.textContent(), '👍:thumbsup:');
      assert.equal(await box.getAttribute('aria-controls'), await list.getAttribute('id'));
      assert.equal(
        await box.getAttribute('aria-activedescendant'),
        await selected.getAttribute('id'),
      );
      // A screen reader hears how many there are and which keys work.
      await bob.page
        .getByRole('status')
        .filter({ hasText: '1 suggestion: ↑ and ↓ to choose, Enter or Tab to insert' })
        .waitFor({ state: 'attached' });
      await box.press('Enter');
      await list.waitFor({ state: 'detached' });
      assert.equal(await box.inputValue(), 'great 👍 ');

      // Arrows move through the list, Tab picks.
      await box.pressSequentially('and :thu');
      await list.waitFor();
      await box.press('ArrowDown');
      assert.equal(await selected.textContent(), '👎:thumbsdown:');
      await box.press('ArrowUp');
      assert.equal(await selected.textContent(), '👍:thumbsup:');
      await box.press('ArrowUp');
      assert.notEqual(await selected.textContent(), '👍:thumbsup:', 'ArrowUp wraps to the end');
      await box.press('ArrowDown');
      await box.press('Tab');
      assert.equal(await box.inputValue(), 'great 👍 and 👍 ');

      // Escape closes the list; a shortcode typed to its end is replaced when sent.
      await box.pressSequentially(':tada: and :smi');
      await list.waitFor();
      await box.press('Escape');
      await list.waitFor({ state: 'detached' });
      await box.pressSequentially('le: `:smile:`');
      assert.equal(await list.count(), 0);
      await box.press('Enter');
      const sent = 'great 👍 and 👍 🎉 and 😄 `:smile:`';
      await alice.page
        .locator('.message-list .message-body', { hasText: 'great 👍 and 👍 🎉' })
        .waitFor();
      assert.equal(
        await alice.page.locator('.message-list .message-body').last().textContent(),
        sent.replace(/`/g, ''),
      );
      assert.equal(await box.inputValue(), '');
      assert.deepEqual([...alice.errors, ...bob.errors], []);
    });

    it('in a group the composer completes @members and @all', async () => {
      await alice.page.getByRole('button', { name: 'New group' }).first().click();
      const dialog = alice.page.getByRole('dialog', { name: 'New group' });
      await dialog.getByLabel('Group name').fill('Formatting crew');
      await dialog.getByLabel('Add people').fill('bo');
      await dialog.getByRole('button', { name: /^bob\b/ }).click();
      await dialog.getByRole('list', { name: 'Members' }).getByText('bob').waitFor();
      await dialog.getByRole('button', { name: 'Create group' }).click();
      await alice.page.getByRole('heading', { level: 1, name: 'Formatting crew' }).waitFor();
      await sendMessage(alice, 'welcome');
      await openConversation(bob, 'Formatting crew');

      const box = bob.page.locator('#composer-input');
      const list = bob.page.getByRole('listbox', { name: 'Members' });
      await box.pressSequentially('thanks @al');
      await list.waitFor();
      // Members (not bob himself) and @all, which every member may use by default (R7).
      assert.deepEqual(await list.getByRole('option').allTextContents(), [
        '@alice',
        '@all (everyone here)',
      ]);
      await box.press('Enter');
      assert.equal(await box.inputValue(), 'thanks @alice ');
      await box.pressSequentially('and @');
      await list.waitFor();
      await list.getByRole('option', { name: '@all (everyone here)' }).click();
      assert.equal(await box.inputValue(), 'thanks @alice and @all ');
      await box.press('Enter');
      const seen = alice.page.locator('.message-list .message-body', { hasText: 'thanks' });
      await seen.waitFor();
      assert.deepEqual(await seen.locator('.mention').allTextContents(), ['@alice', '@all']);
      assert.equal(await seen.locator('.mention-me').count(), 2);
      assert.deepEqual([...alice.errors, ...bob.errors], []);
    });

    it('screenshots: a formatted message in a group, light and dark', async () => {
      await sendMessage(
        alice,
        [
          'Release notes for **0.5** :tada: — thanks @bob!',
          '',
          '- _replies_ and threads',
          '- reactions, `@mentions` and ~~no~~ system lines',
          '',
          '> Formatting is a subset of Markdown; raw <b>HTML</b> stays text.',
          '',
          '```sh',
          'npm ci && npm start',
          '```',
          'Docs: https://example.com/parley',
        ].join('\n'),
      );
      const body = bob.page.locator('.message-list .message-body').last();
      await body.locator('pre code').waitFor();
      assert.equal(await body.locator('blockquote').count(), 1);
      assert.equal(await body.locator('li').count(), 2);
      assert.equal(await body.locator('.mention-me').textContent(), '@bob');
      await bob.page.evaluate(() => document.fonts.ready.then(() => undefined));
      const name = mode === 'embedded' ? 'formatting' : `formatting-${mode}`;
      await screenshot(bob.page, name, { docs: mode === 'embedded' });
      await bob.page.emulateMedia({ colorScheme: 'dark' });
      await screenshot(bob.page, `${name}-dark`, { docs: mode === 'embedded' });
      await bob.page.emulateMedia({ colorScheme: 'light' });
    });
  });
}
