import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Route, WebSocket } from 'playwright-core';
import { testModes, type Deployment } from '../helpers/deployment.js';
import {
  createGroup,
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

/** The read receipt row of the open conversation, and the message row right above it. */
async function receipt(person: Person): Promise<{ text: string; under: string }> {
  const row = person.page.locator('.message-list > .seen-by');
  await row.waitFor();
  return row.evaluate((el) => ({
    text: el.querySelector('.seen-by-label')?.textContent ?? '',
    under: el.previousElementSibling?.querySelector('.message-body')?.textContent ?? '',
  }));
}

/** Waits until the receipt reads `text` under the message `under`. */
async function expectReceipt(person: Person, text: string, under: string): Promise<void> {
  await person.page
    .waitForFunction(
      ([text, under]) => {
        const row = document.querySelector('.message-list > .seen-by');
        return (
          row?.querySelector('.seen-by-label')?.textContent === text &&
          row.previousElementSibling?.querySelector('.message-body')?.textContent === under
        );
      },
      [text, under] as const,
      { timeout: 15_000 },
    )
    .catch(async (err: unknown) => {
      assert.deepEqual(await receipt(person), { text, under }, String(err));
    });
}

/** The names the "Seen by" tooltip lists (shown on hover). */
async function seenByNames(person: Person): Promise<string[]> {
  const button = person.page.locator('.seen-by-button');
  await button.hover();
  const tooltip = person.page.getByRole('tooltip');
  await tooltip.waitFor();
  // The button's accessible description is the same list (for keyboard and screen readers).
  const described = await button.evaluate(
    (el) => document.getElementById(el.getAttribute('aria-describedby') ?? '')?.textContent,
  );
  const names = await tooltip.locator('li').allTextContents();
  assert.equal(described, `Seen by ${names.join('')}`);
  await person.page.mouse.move(0, 0);
  await tooltip.waitFor({ state: 'hidden' });
  return names;
}

/** The answer of the last marker request {@link readUpTo} made from a page. */
interface MarkerPoll {
  asking: boolean;
  lastReadSeq: number;
}

/**
 * Waits until the user's read marker in a conversation reached `seq` (as the node has it).
 * waitForFunction takes any truthy return as done, a pending promise too, so the predicate
 * does not await the node: each poll starts a request when none is in flight, and compares
 * the last answer.
 */
async function readUpTo(person: Person, id: string, seq: number): Promise<void> {
  await person.page.evaluate(() => {
    delete (window as { markerPoll?: MarkerPoll }).markerPoll;
  });
  await person.page.waitForFunction(
    ([id, seq]) => {
      const w = window as { markerPoll?: MarkerPoll };
      const poll = (w.markerPoll ??= { asking: false, lastReadSeq: -1 });
      if (!poll.asking) {
        poll.asking = true;
        void fetch(`/api/v1/conversations/${encodeURIComponent(id)}`)
          .then((res) => res.json() as Promise<{ conversation: { lastReadSeq: number } }>)
          .then(({ conversation }) => (poll.lastReadSeq = conversation.lastReadSeq))
          .catch(() => undefined)
          .finally(() => (poll.asking = false));
      }
      return poll.lastReadSeq >= seq;
    },
    [id, seq] as const,
    { polling: 100, timeout: 15_000 },
  );
}

/**
 * Reloads the person's page with its conversation list held back: each list request is read
 * from the node at once but answered only on `release`. Resolves once the new socket is ready
 * and both list requests of a fresh page (the page's own, and the client's after `ready`) were
 * read, so the list the page gets later predates whatever happens next.
 */
async function reloadWithListHeld(
  person: Person,
): Promise<{ socket: WebSocket; release: () => Promise<void> }> {
  const { page } = person;
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let bothRead!: () => void;
  const read = new Promise<void>((resolve) => (bothRead = resolve));
  let reads = 0;
  const isList = (url: URL) => url.pathname === '/api/v1/conversations';
  const answered: Array<Promise<void>> = [];
  const hold = (route: Route) => {
    const answer = (async () => {
      const response = await route.fetch();
      if (++reads === 2) bothRead();
      await released;
      await route.fulfill({ response });
    })();
    answered.push(answer);
    return answer;
  };
  await page.route(isList, hold);
  const opened = page.waitForEvent('websocket').then(async (socket) => {
    await socket.waitForEvent('framereceived', {
      predicate: ({ payload }) =>
        typeof payload === 'string' && payload.startsWith('{"type":"ready"'),
    });
    return socket;
  });
  await page.goto('/');
  const [socket] = await Promise.all([opened, read]);
  return {
    socket,
    release: async () => {
      release();
      await Promise.all(answered);
      await page.unroute(isList, hold);
    },
  };
}

for (const mode of testModes())
  describe(`web UI: read receipts and their settings [${mode}]`, () => {
    let deployment: Deployment;
    let browser: Browser;
    let alice: Person;
    let bob: Person;
    let carol: Person;

    before(async () => {
      deployment = await startWebDeployment(mode);
      browser = await launchBrowser();
      alice = await signUp(browser, nodeFor(deployment, 0), 'alice');
      bob = await signUp(browser, nodeFor(deployment, 1), 'bob');
      carol = await signUp(browser, nodeFor(deployment, 2), 'carol');
    });

    after(async () => {
      await browser?.close();
      await deployment?.dispose();
    });

    it('[R9] DM: "Seen" shows under my newest message once the peer has read it', async () => {
      await startDm(alice, 'bob');
      await sendMessage(alice, 'Are you around?');
      await sendMessage(alice, 'Need a hand with the deploy');
      await alice.page.locator('.message[data-state="sent"]', { hasText: 'Need a hand' }).waitFor();
      assert.equal(await alice.page.locator('.seen-by').count(), 0);

      await openConversation(bob, 'alice');
      await expectMessages(bob, ['Are you around?', 'Need a hand with the deploy']);
      await expectReceipt(alice, 'Seen', 'Need a hand with the deploy');
      // Only one receipt, under the newest message read; none on the reader's side.
      assert.equal(await alice.page.locator('.seen-by').count(), 1);
      assert.equal(await bob.page.locator('.seen-by').count(), 0);
      assert.deepEqual([...alice.errors, ...bob.errors], []);
    });

    it('[R9] group: "Seen by N" with the names on hover and in its description', async () => {
      await createGroup(alice, 'Release crew', ['bob', 'carol']);
      const text = 'Release at 5pm';
      await sendMessage(alice, text);
      await alice.page.locator('.message[data-state="sent"]', { hasText: text }).waitFor();

      await openConversation(bob, 'Release crew');
      await expectMessages(bob, [text]);
      await expectReceipt(alice, 'Seen by 1', text);
      assert.deepEqual(await seenByNames(alice), ['bob']);

      await openConversation(carol, 'Release crew');
      await expectMessages(carol, [text]);
      await expectReceipt(alice, 'Seen by 2', text);
      assert.deepEqual((await seenByNames(alice)).sort(), ['bob', 'carol']);

      // A click pins the list open (touch screens); Escape closes it.
      const button = alice.page.getByRole('button', { name: 'Seen by 2' });
      await button.click();
      assert.equal(await button.getAttribute('aria-expanded'), 'true');
      await alice.page.getByRole('tooltip').waitFor();
      await screenshot(alice.page, 'seen-by');
      await button.press('Escape');
      assert.equal(await button.getAttribute('aria-expanded'), 'false');
    });

    it('[R9] bob stops sharing: his reads show to no one, and he still sees the others’', async () => {
      // The switch starts on (the default), and the choice is kept by the node.
      const openAccount = async () => {
        await bob.page.getByRole('button', { name: 'Account and settings (bob)' }).click();
        const dialog = bob.page.getByRole('dialog', { name: 'Account' });
        const toggle = dialog.getByRole('switch', { name: 'Share read receipts' });
        await toggle.and(bob.page.locator(':enabled')).waitFor();
        return { dialog, toggle };
      };
      const first = await openAccount();
      assert.equal(await first.toggle.isChecked(), true);
      await first.toggle.click();
      await first.dialog.getByText('Others don’t see when you have read their messages').waitFor();
      await first.toggle.and(bob.page.locator(':enabled')).waitFor();
      assert.equal(await first.toggle.isChecked(), false);
      await screenshot(bob.page, 'account-read-receipts');
      await first.dialog.getByRole('button', { name: 'Close' }).click();
      const second = await openAccount();
      assert.equal(await second.toggle.isChecked(), false);
      await second.dialog.getByRole('button', { name: 'Close' }).click();

      // carol steps away, so she reads the next message only after bob did.
      await carol.page.goto('/');
      await carol.page.getByRole('heading', { name: 'Hi carol!' }).waitFor();
      const text = 'Checklist is in the doc';
      await sendMessage(alice, text);
      const id = openConversationId(alice);
      const seq = await seqOf(alice, text);
      await expectMessages(bob, ['Release at 5pm', text]);
      await readUpTo(bob, id, seq);
      await openConversation(carol, 'Release crew');
      await expectMessages(carol, ['Release at 5pm', text]);
      await expectReceipt(alice, 'Seen by 1', text);
      assert.deepEqual(await seenByNames(alice), ['carol']);

      // A fresh page reads the markers from the member list: bob's reads as 0 there.
      await alice.page.reload();
      await openConversation(alice, 'Release crew');
      await expectReceipt(alice, 'Seen by 1', text);
      assert.deepEqual(await seenByNames(alice), ['carol']);

      // bob still sees who read his messages.
      await sendMessage(bob, 'Thanks, on it');
      await expectMessages(alice, ['Release at 5pm', text, 'Thanks, on it']);
      await expectReceipt(bob, 'Seen by 2', 'Thanks, on it');
      assert.deepEqual((await seenByNames(bob)).sort(), ['alice', 'carol']);
      assert.deepEqual([...alice.errors, ...bob.errors, ...carol.errors], []);
    });

    it('[R7] owners and admins choose who may mention @all; members see the choice', async () => {
      await alice.page.getByRole('button', { name: 'Group settings' }).click();
      const settings = alice.page.getByRole('dialog', { name: 'Group settings' });
      const policy = settings.getByRole('group', { name: 'Who can mention @all' });
      assert.equal(await policy.getByRole('radio', { name: 'Everyone' }).isChecked(), true);
      await policy.getByRole('radio', { name: 'Owners and admins' }).check();
      await alice.page
        .getByRole('status')
        .getByText('Only owners and admins can mention @all.')
        .waitFor();
      await settings.getByRole('button', { name: 'Close' }).click();

      await bob.page.getByRole('button', { name: 'Group settings' }).click();
      const theirs = bob.page.getByRole('dialog', { name: 'Group settings' });
      await theirs.getByText('Only owners and admins can mention @all.').waitFor();
      assert.equal(await theirs.getByRole('radio').count(), 0);
      await theirs.getByRole('button', { name: 'Close' }).click();
    });

    it('[R9] a message that came live before the conversation list is still marked read', async () => {
      // carol's fresh page reads its list before alice's message, and gets it only after the
      // message came over the socket: the list is older than what the page has shown.
      const { socket, release } = await reloadWithListHeld(carol);
      const text = 'Doors open at 4';
      const live = socket.waitForEvent('framereceived', {
        predicate: ({ payload }) =>
          typeof payload === 'string' &&
          payload.startsWith('{"type":"message"') &&
          payload.includes(text),
      });
      await sendMessage(alice, text);
      const id = openConversationId(alice);
      const seq = await seqOf(alice, text);
      await live;
      await release();
      await carol.page.getByRole('heading', { name: 'Hi carol!' }).waitFor();

      await openConversation(carol, 'Release crew');
      await expectMessages(carol, [
        'Release at 5pm',
        'Checklist is in the doc',
        'Thanks, on it',
        text,
      ]);
      await readUpTo(carol, id, seq);
      await expectReceipt(alice, 'Seen by 1', text);
      assert.deepEqual(await seenByNames(alice), ['carol']);
      assert.deepEqual([...alice.errors, ...carol.errors], []);
    });
  });
