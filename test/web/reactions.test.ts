import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Locator } from 'playwright-core';
import { testModes, type Deployment } from '../helpers/deployment.js';
import {
  fetchFromPage,
  messageRow,
  nodeFor,
  openConversationId,
  seqOf,
  startWebDeployment,
} from '../helpers/web-deployment.js';
import {
  expectMessages,
  launchBrowser,
  openConversation,
  screenshot,
  sendMessage,
  signUp,
  startDm,
  type Person,
} from '../helpers/web.js';

/** The emoji of a message's reaction chips, in the order shown. */
function chipsOf(person: Person, text: string): Promise<string[]> {
  return messageRow(person, text)
    .locator('.reactions .reaction[data-emoji]')
    .evaluateAll((els) => els.map((el) => el.getAttribute('data-emoji') ?? ''));
}

/**
 * Waits for a message's chip of `emoji` to show `count`, and returns it. `mine` (pressed) and
 * `who` (its tooltip) are checked when given.
 */
async function expectChip(
  person: Person,
  text: string,
  emoji: string,
  count: number,
  expected: { mine?: boolean; who?: string } = {},
): Promise<Locator> {
  const chip = messageRow(person, text).getByRole('button', {
    name: `${emoji} ${count}`,
    exact: true,
  });
  await chip.waitFor();
  if (expected.mine !== undefined)
    assert.equal(await chip.getAttribute('aria-pressed'), String(expected.mine));
  if (expected.who !== undefined)
    assert.equal(await chip.getAttribute('title'), `${expected.who} reacted with ${emoji}`);
  return chip;
}

async function expectNoChip(person: Person, text: string, emoji: string): Promise<void> {
  await messageRow(person, text)
    .locator(`.reaction[data-emoji="${emoji}"]`)
    .waitFor({ state: 'detached' });
}

/** Opens the picker from a message's hover actions (`bar`: from its reaction bar's button). */
async function openPicker(person: Person, text: string, from: 'actions' | 'bar' = 'actions') {
  const row = messageRow(person, text);
  await row.hover();
  const where = row.locator(from === 'bar' ? '.reactions' : '.message-actions');
  await where.getByRole('button', { name: 'Add reaction' }).click();
  const picker = person.page.getByRole('dialog', { name: 'Add a reaction' });
  // The category tabs show once the emoji table (loaded on first use) is there.
  await picker.getByRole('tablist', { name: 'Emoji categories' }).waitFor();
  return picker;
}

/** Reacts through the picker: search, then Enter on the first result. */
async function reactWith(person: Person, text: string, search: string, from?: 'actions' | 'bar') {
  const picker = await openPicker(person, text, from);
  await picker.getByRole('searchbox', { name: 'Search emoji' }).fill(search);
  await picker.getByRole('searchbox', { name: 'Search emoji' }).press('Enter');
  await picker.waitFor({ state: 'detached' });
}

for (const mode of testModes())
  describe(`web UI: reactions [${mode}]`, () => {
    let deployment: Deployment;
    let browser: Browser;
    let alice: Person;
    let bob: Person;
    const LUNCH = 'Lunch at noon?';
    /** ❤ takes the emoji presentation selector to be one emoji. */
    const HEART = '\u2764\uFE0F';

    before(async () => {
      deployment = await startWebDeployment(mode);
      browser = await launchBrowser();
      alice = await signUp(browser, nodeFor(deployment, 0), 'alice');
      bob = await signUp(browser, nodeFor(deployment, 1), 'bob');
      await startDm(alice, 'bob');
      await sendMessage(alice, LUNCH);
      await openConversation(bob, 'alice');
      await expectMessages(bob, [LUNCH]);
    });

    after(async () => {
      await browser?.close();
      await deployment?.dispose();
    });

    it('[R4] alice reacts from the picker; bob sees the chip, its count and who, live', async () => {
      await reactWith(alice, LUNCH, 'thumbsup');
      await expectChip(alice, LUNCH, '👍', 1, { mine: true, who: 'You' });
      await expectChip(bob, LUNCH, '👍', 1, { mine: false, who: 'alice' });
      assert.deepEqual([...alice.errors, ...bob.errors], []);
    });

    it('[R4] bob adds the same emoji and another one (keyboard only); both see counts and names', async () => {
      const thumbs = await expectChip(bob, LUNCH, '👍', 1);
      await thumbs.click();
      await expectChip(bob, LUNCH, '👍', 2, { mine: true, who: 'You and alice' });
      await expectChip(alice, LUNCH, '👍', 2, { mine: true, who: 'You and bob' });

      // The bar's own button, then the keyboard: type, ↓ into the grid, Enter.
      const picker = await openPicker(bob, LUNCH, 'bar');
      const search = picker.getByRole('searchbox', { name: 'Search emoji' });
      await bob.page.waitForFunction(() => document.activeElement?.matches('input[type=search]'));
      await search.pressSequentially('tada');
      await search.press('ArrowDown');
      const first = picker.getByRole('button', { name: 'party popper' });
      await bob.page.waitForFunction(() =>
        document.activeElement?.matches('.emoji-cell[aria-label="party popper"]'),
      );
      assert.equal(await first.getAttribute('tabindex'), '0');
      await bob.page.keyboard.press('Enter');
      await picker.waitFor({ state: 'detached' });

      await expectChip(bob, LUNCH, '🎉', 1, { mine: true, who: 'You' });
      await expectChip(alice, LUNCH, '🎉', 1, { mine: false, who: 'bob' });
      // Groups keep the order of their first reaction.
      assert.deepEqual(await chipsOf(alice, LUNCH), ['👍', '🎉']);
      assert.deepEqual(await chipsOf(bob, LUNCH), ['👍', '🎉']);
    });

    it('[R4] a click on a pressed chip takes the reaction back; the last one takes the chip', async () => {
      await (await expectChip(alice, LUNCH, '👍', 2)).click();
      await expectChip(alice, LUNCH, '👍', 1, { mine: false, who: 'bob' });
      await expectChip(bob, LUNCH, '👍', 1, { mine: true, who: 'You' });

      await (await expectChip(bob, LUNCH, '🎉', 1)).click();
      await expectNoChip(bob, LUNCH, '🎉');
      await expectNoChip(alice, LUNCH, '🎉');
      assert.deepEqual(await chipsOf(alice, LUNCH), ['👍']);
    });

    it('[UI3] recent emoji lead the picker (the one thing kept in localStorage); Escape and a click outside close it', async () => {
      const picker = await openPicker(bob, LUNCH);
      const recent = picker.getByRole('grid', { name: 'Recent' }).getByRole('button');
      assert.deepEqual(
        await recent.evaluateAll((els) => els.map((el) => el.textContent)),
        ['🎉'],
        'only emoji picked in the picker count, the chip clicks do not',
      );
      const frequent = picker.getByRole('grid', { name: 'Frequent' }).getByRole('button');
      assert.equal(await frequent.first().textContent(), '🎉');
      // The emoji bob has on the message shows pressed in the picker.
      const thumbs = picker.getByRole('grid', { name: 'Frequent' }).getByLabel('thumbs up');
      assert.equal(await thumbs.getAttribute('aria-pressed'), 'true');
      await bob.page.keyboard.press('Escape');
      await picker.waitFor({ state: 'detached' });
      await bob.page.waitForFunction(
        () => document.activeElement?.getAttribute('aria-label') === 'Add reaction',
      );

      // Across reloads (localStorage, under the user's id only), and a click outside closes it.
      // (Besides the session hint, rule UI15: "1", no secret.)
      const stored = await alice.page.evaluate(() => ({
        local: Object.keys(localStorage).filter((k) => k !== 'parley:session-hint'),
        hint: localStorage.getItem('parley:session-hint'),
        session: sessionStorage.length,
      }));
      assert.equal(stored.session, 0);
      assert.equal(stored.hint, '1');
      assert.equal(stored.local.length, 1);
      assert.match(stored.local[0]!, /^parley:emoji-usage:[0-9A-Z]{26}$/);
      await alice.page.reload();
      await openConversation(alice, 'bob');
      const again = await openPicker(alice, LUNCH);
      assert.equal(
        await again.getByRole('grid', { name: 'Recent' }).getByRole('button').first().textContent(),
        '👍',
      );
      await again.getByRole('tab', { name: 'Food & drink' }).click();
      await again.getByRole('grid', { name: 'Food & drink' }).getByLabel('pizza').waitFor();
      await alice.page.locator('.conversation-header').click();
      await again.waitFor({ state: 'detached' });
      await expectChip(alice, LUNCH, '👍', 1);
    });

    it('[R4][G4] bob, offline, gets every reaction change once back', async () => {
      await bob.context.setOffline(true);
      await bob.page.getByRole('status').getByText("You're offline").waitFor();

      await reactWith(alice, LUNCH, 'open_mouth');
      await reactWith(alice, LUNCH, 'heart');
      await (await expectChip(alice, LUNCH, HEART, 1)).click();
      await expectNoChip(alice, LUNCH, HEART);
      await (await expectChip(alice, LUNCH, '👍', 1)).click();
      await expectChip(alice, LUNCH, '👍', 2, { mine: true });
      assert.deepEqual(await chipsOf(alice, LUNCH), ['👍', '😮']);
      // Offline, bob's page still shows what it had.
      assert.deepEqual(await chipsOf(bob, LUNCH), ['👍']);

      await bob.context.setOffline(false);
      await bob.page.locator('.banner').waitFor({ state: 'detached' });
      await expectChip(bob, LUNCH, '👍', 2, { mine: true, who: 'You and alice' });
      await expectChip(bob, LUNCH, '😮', 1, { mine: false, who: 'alice' });
      assert.deepEqual(await chipsOf(bob, LUNCH), ['👍', '😮']);
      assert.deepEqual([...alice.errors, ...bob.errors], []);
    });

    it('screenshots: reactions with the picker open, light and dark', async () => {
      const reply = 'Yes! The new ramen place? 🍜';
      await sendMessage(bob, reply);
      await expectMessages(alice, [LUNCH, reply]);
      await reactWith(alice, reply, 'heart');
      await expectChip(bob, reply, HEART, 1);
      await (await expectChip(bob, LUNCH, '😮', 1)).click();
      await expectChip(alice, LUNCH, '😮', 2);
      const booked = 'Booked a table for 12:15';
      await sendMessage(alice, booked);
      await expectMessages(bob, [LUNCH, reply, booked]);
      await reactWith(bob, booked, 'tada');
      await reactWith(bob, booked, 'raised_hands', 'bar');
      await expectChip(alice, booked, '🙌', 1);
      const picker = await openPicker(alice, reply);
      await picker.getByRole('grid', { name: 'Smileys & emotion' }).waitFor();
      // The emoji font's parts load as the glyphs they draw first show.
      await alice.page.evaluate(() => document.fonts.ready.then(() => undefined));
      // Every control of the picker and of a message's reactions has a name.
      for (const tree of [
        await picker.ariaSnapshot(),
        await messageRow(alice, LUNCH).ariaSnapshot(),
      ])
        assert.doesNotMatch(tree, /^\s*- (button|tab|gridcell|grid|searchbox)\s*(\[.*\])?:?$/m);
      assert.match(await messageRow(alice, LUNCH).ariaSnapshot(), /- button "👍 2" \[pressed\]/);
      await screenshot(alice.page, 'reactions', { docs: true });
      await alice.page.emulateMedia({ colorScheme: 'dark' });
      await screenshot(alice.page, 'reactions-dark', { docs: true });
      await alice.page.emulateMedia({ colorScheme: 'light' });
      await alice.page.keyboard.press('Escape');
      await picker.waitFor({ state: 'detached' });
    });

    it('[R4] the 21st different emoji is refused with the node’s message; one already there is not', async () => {
      const vote = 'Vote for the offsite!';
      await sendMessage(alice, vote);
      const id = openConversationId(alice);
      const seq = await seqOf(alice, vote);
      const twenty = [...'😀😃😄😁😆😅🤣😂🙂🙃😉😊😇🥰😍🤩😘😗😚😙'];
      assert.equal(twenty.length, 20);
      for (const emoji of twenty) {
        const path = `/api/v1/conversations/${id}/messages/${seq}/reactions/${encodeURIComponent(emoji)}`;
        const res = await fetchFromPage(alice.page, 'PUT', path);
        assert.equal(res.status, 200, JSON.stringify(res.body));
      }
      await expectChip(bob, vote, '😙', 1, { mine: false, who: 'alice' });
      assert.deepEqual(await chipsOf(bob, vote), twenty);

      await reactWith(bob, vote, 'rocket', 'bar');
      await bob.page
        .getByRole('status')
        .getByText(/at most 20 different reactions/)
        .waitFor();
      assert.equal((await chipsOf(bob, vote)).length, 20);
      assert.equal(await messageRow(bob, vote).locator('.reaction[data-emoji="🚀"]').count(), 0);

      await (await expectChip(bob, vote, '😀', 1)).click();
      await expectChip(bob, vote, '😀', 2, { mine: true, who: 'You and alice' });
      await expectChip(alice, vote, '😀', 2, { mine: true, who: 'You and bob' });
      assert.deepEqual([...alice.errors, ...bob.errors], []);
    });
  });
