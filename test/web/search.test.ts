import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { singleNodeModes } from '../helpers/deployment.js';
import { screenshot } from '../helpers/web.js';
import { messageWith, rest, useRichWorld } from './rich-world.js';

/**
 * Messages sent after the one searched for: five history pages of 50, more than a jump reads
 * page by page (it reads around the message instead).
 */
const FILLER = 250;

/** Sends messages from inside a signed-in page, one after another (each acknowledged). */
async function sendMany(page: Page, conversationId: string, bodies: string[]) {
  const failed = await page.evaluate(
    async ([id, bodies]) => {
      for (const [i, body] of bodies.entries()) {
        const res = await fetch(`/api/v1/conversations/${id}/messages`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ clientMsgId: `bulk-${i}-${Date.now()}`, body }),
        });
        if (!res.ok) return `${res.status} ${await res.text()}`;
      }
      return null;
    },
    [conversationId, bodies] as const,
  );
  assert.equal(failed, null);
}

/** The search panel's results: sender, where, and the snippet's text and marked parts. */
function results(page: Page) {
  return page.$$eval('.search-results > li', (items) =>
    items.map((li) => ({
      sender: li.querySelector('.mention-sender')?.textContent ?? '',
      where: li.querySelector('.mention-where')?.textContent ?? '',
      text: li.querySelector('.search-snippet')?.textContent ?? '',
      marks: [...li.querySelectorAll('.search-snippet mark')].map((m) => m.textContent ?? ''),
    })),
  );
}

for (const mode of singleNodeModes()) {
  describe(`web UI: message search (${mode})`, () => {
    const world = useRichWorld(mode);

    it('[UI6][Q1] finds an old message and opens it in context, history loaded around it', async () => {
      const { alice, bob } = world();
      const { conversation } = await rest<{ conversation: { id: string } }>(
        alice.page,
        'POST',
        '/api/v1/groups',
        { name: 'Archive', members: ['bob'] },
      );
      await sendMany(alice.page, conversation.id, [
        'the deployment key is **swordfish**, keep it safe',
        ...Array.from({ length: FILLER }, (_, i) => `filler note ${i + 1}`),
      ]);

      // "/" opens the search from anywhere but a text field.
      await bob.page.locator('body').press('/');
      const dialog = bob.page.getByRole('dialog', { name: 'Search messages' });
      await dialog.getByRole('searchbox', { name: 'Search messages' }).fill('swordf');
      const hits = dialog.getByRole('list', { name: 'Search results' }).getByRole('listitem');
      await hits.first().waitFor();
      const found = await results(bob.page);
      assert.equal(found.length, 1);
      assert.equal(found[0]!.sender, 'alice');
      assert.equal(found[0]!.where, 'in Archive');
      // The snippet is plain text (no Markdown stars), the match marked in a <mark>.
      assert.match(found[0]!.text, /the deployment key is swordfish, keep it safe/);
      assert.ok(
        found[0]!.marks.length >= 1 && /^swordf/i.test(found[0]!.marks[0]!),
        found[0]!.text,
      );
      await screenshot(bob.page, mode === 'embedded' ? 'search' : `search-${mode}`, {
        docs: mode === 'embedded',
      });
      if (mode === 'embedded') {
        await bob.page.emulateMedia({ colorScheme: 'dark' });
        await screenshot(bob.page, 'search-dark', { docs: true });
        await bob.page.emulateMedia({ colorScheme: 'light' });
      }

      await hits.first().getByRole('button').click();
      await dialog.waitFor({ state: 'detached' });
      await bob.page.getByRole('heading', { level: 1, name: 'Archive' }).waitFor();
      const target = messageWith(bob.page, 'the deployment key is swordfish');
      await target.and(bob.page.locator('.is-highlighted')).waitFor();
      assert.ok(await target.isVisible());
      // Around it, not the latest page: the newest messages are not loaded yet.
      assert.equal(await messageWith(bob.page, `filler note ${FILLER}`).count(), 0);
      await messageWith(bob.page, 'filler note 1').first().waitFor();
      await bob.page.locator('.history-start').waitFor(); // it is the conversation's first
      // Scrolling down reads the later pages until the end.
      const latest = messageWith(bob.page, `filler note ${FILLER}`);
      while ((await latest.count()) === 0) {
        await bob.page.locator('.messages').evaluate((el) => (el.scrollTop = el.scrollHeight));
        const more = bob.page.getByRole('button', { name: 'Load later messages' });
        await more.or(latest).first().waitFor();
      }
      // At the end, the last (empty) page says there is nothing later.
      await bob.page.locator('.messages').evaluate((el) => (el.scrollTop = el.scrollHeight));
      await bob.page.locator('.history-newer').waitFor({ state: 'detached' });
      const shown = await bob.page.locator('.message-list > .message').count();
      assert.equal(shown, FILLER + 1);
      assert.deepEqual([...alice.errors, ...bob.errors], []);
    });

    it('[UI6][Q1] filters by conversation and sender, pages on with "More results", says when nothing matches', async () => {
      const { alice, bob } = world();
      await bob.page.getByRole('button', { name: 'Search in this conversation' }).click();
      const dialog = bob.page.getByRole('dialog', { name: 'Search messages' });
      assert.equal(await dialog.getByLabel('In').inputValue(), (await currentId(bob.page))!);
      await dialog.getByRole('searchbox', { name: 'Search messages' }).fill('filler');
      const hits = dialog.getByRole('list', { name: 'Search results' }).getByRole('listitem');
      await hits.nth(19).waitFor();
      assert.equal(await hits.count(), 20);
      // Newest first.
      assert.match((await results(bob.page))[0]!.text, new RegExp(`filler note ${FILLER}\\b`));
      await dialog.getByRole('button', { name: 'More results' }).click();
      await hits.nth(39).waitFor();
      assert.equal(await hits.count(), 40);

      // Nothing from bob: an empty result says so.
      await dialog.getByLabel('From').fill('bob');
      await dialog.getByText('No messages match “filler”.').waitFor();
      assert.equal(await hits.count(), 0);
      await dialog.getByLabel('From').fill('alice');
      await hits.nth(19).waitFor();

      // Everywhere: a DM's message is found too; limited to Archive it is not.
      const { conversation: dm } = await rest<{ conversation: { id: string } }>(
        alice.page,
        'POST',
        '/api/v1/conversations/dm',
        { username: 'bob' },
      );
      await sendMany(alice.page, dm.id, ['a filler for the direct message']);
      await dialog.getByLabel('In').selectOption({ label: 'All conversations' });
      await dialog.getByRole('searchbox', { name: 'Search messages' }).fill('filler direct');
      // The new query's answer marks "direct" (the previous one's also had this message).
      await dialog.locator('.search-snippet mark', { hasText: 'direct' }).waitFor();
      await hits.nth(1).waitFor({ state: 'detached' });
      assert.deepEqual(
        (await results(bob.page)).map((r) => r.where),
        ['in alice'],
      );
      await dialog.getByRole('button', { name: 'Close' }).click();
      assert.deepEqual([...alice.errors, ...bob.errors], []);
    });
  });
}

/** The conversation id in the page's address. */
function currentId(page: Page): Promise<string | undefined> {
  return page.evaluate(() => /^\/c\/([^/]+)$/.exec(location.pathname)?.[1]);
}
