import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { Api, type TestUser } from '../helpers/api.js';
import type { TestNode } from '../helpers/node.js';
import {
  expectMessages,
  messageBodies,
  openConversation,
  openPerson,
  launchBrowser,
  screenshot,
  sendMessage,
  signUp,
  startDm,
  startWebNode,
  type Person,
} from '../helpers/web.js';

const LIMIT = 200;

/**
 * Waits until `focused` holds in the page: the UI moves focus in effects after a render, so a
 * check right after the render that caused it could run first. Fails after 5 s.
 */
async function focusOn(page: Page, focused: () => boolean): Promise<void> {
  await page.waitForFunction(focused, undefined, { timeout: 5_000 });
}

/** Logs an existing account into a fresh browser context (another device). */
async function logInAs(
  browser: Browser,
  node: TestNode,
  user: { name: string; password: string },
  options: Parameters<Browser['newContext']>[0] = {},
): Promise<Person> {
  const person = await openPerson(browser, node, user.name, options);
  await person.page.getByLabel('Username').fill(user.name);
  await person.page.getByLabel('Password').fill(user.password);
  await person.page.getByRole('button', { name: 'Log in', exact: true }).click();
  await person.page.getByRole('button', { name: `Account and settings (${user.name})` }).waitFor();
  return { ...person, password: user.password };
}

/** Interactive elements without an accessible name, from the accessibility tree. */
async function unnamedControls(page: Page): Promise<string[]> {
  const tree = await page.locator('body').ariaSnapshot();
  return tree
    .split('\n')
    .filter((line) =>
      /^\s*- (button|link|textbox|combobox|checkbox|searchbox)\s*(\[.*\])?:?$/.test(line),
    );
}

describe('web UI: layout, themes, keyboard and history', () => {
  let node: TestNode;
  let browser: Browser;
  let api: Api;
  let alice: Person;
  let bob: Person;
  let carol: TestUser;

  before(async () => {
    node = await startWebNode({ config: { maxMessageChars: LIMIT } });
    browser = await launchBrowser();
    api = new Api(node.url);
    alice = await signUp(browser, node, 'alice');
    bob = await signUp(browser, node, 'bob');
    carol = await api.signup('carol');
    const team = await api.group(carol, 'Design team', ['alice', 'bob']);
    await api.send(carol, team, 'Standup moved to 10:30 tomorrow.');

    await startDm(alice, 'bob');
    await openConversation(bob, 'alice');
    const script: Array<[Person, string]> = [
      [alice, 'Morning! Did you get a chance to look at the new onboarding flow?'],
      [bob, 'Yes, went through it twice. Looks really clean.'],
      [
        bob,
        'Two nits: the password hint is easy to miss,\nand the welcome screen could link the docs.',
      ],
      [alice, 'Good catches. I will fix the hint today.'],
      [alice, 'Draft is here: https://example.com/onboarding'],
      [bob, 'Perfect, thanks!'],
    ];
    for (const [person, text] of script) await sendMessage(person, text);
    await expectMessages(
      alice,
      script.map(([, text]) => text),
    );
    await api.send(carol, team, 'Mockups for the settings page are in the shared folder.');
  });

  after(async () => {
    await browser?.close();
    await node?.dispose();
  });

  it('desktop: sidebar by activity with unread badges, the open DM, presence and typing', async () => {
    const team = alice.page.getByRole('link', { name: /^Design team\b/ });
    await team.locator('.badge', { hasText: '2' }).waitFor();
    assert.match((await team.textContent()) ?? '', /carol: Mockups for the settings page/);
    await alice.page.locator('.conversation-subtitle', { hasText: 'Online' }).waitFor();
    // Typing signals are relayed at most every 2 s (best effort, G7): keep typing until seen.
    const typing = alice.page.locator('.typing-line', { hasText: 'bob is typing…' });
    for (let i = 0; i < 20 && !(await typing.isVisible()); i++) {
      await bob.page.locator('#composer-input').press('x');
      await typing.waitFor({ timeout: 500 }).catch(() => undefined);
    }
    await typing.waitFor();
    await screenshot(alice.page, 'chat', { docs: true });
    assert.deepEqual(await unnamedControls(alice.page), []);
    await bob.page.locator('#composer-input').fill('');
  });

  it('dark mode follows the system setting', async () => {
    const dark = await logInAs(browser, node, alice, { colorScheme: 'dark' });
    await openConversation(dark, 'bob');
    await expectMessages(dark, await messageBodies(alice));
    const background = await dark.page.evaluate(
      () => getComputedStyle(document.body).backgroundColor,
    );
    assert.equal(background, 'rgb(22, 24, 29)');
    await screenshot(dark.page, 'dark', { docs: true });
    await dark.context.close();
  });

  it('360 px wide: one pane at a time, a back button, nothing wider than the screen', async () => {
    const phone = await logInAs(browser, node, alice, {
      viewport: { width: 360, height: 740 },
      isMobile: true,
      hasTouch: true,
    });
    const { page } = phone;
    const nav = page.getByRole('navigation', { name: 'Conversations' });
    await nav.waitFor();
    await screenshot(page, 'mobile-list');
    await nav.getByRole('link', { name: /^bob\b/ }).click();
    await page.getByRole('heading', { level: 1, name: 'bob' }).waitFor();
    await nav.waitFor({ state: 'hidden' });
    await expectMessages(phone, await messageBodies(alice));
    const widths = await page.evaluate(() => [
      document.documentElement.scrollWidth,
      document.documentElement.clientWidth,
    ]);
    assert.equal(widths[0], widths[1], 'no horizontal scrolling');
    await screenshot(page, 'mobile', { docs: true });
    await page.getByRole('button', { name: 'Back to conversations' }).click();
    await nav.waitFor();
    assert.equal(new URL(page.url()).pathname, '/');
    await phone.context.close();
  });

  it('keyboard: Ctrl+K finds a conversation, Escape closes dialogs, ↑ edits your last message', async () => {
    const { page } = alice;
    await page.keyboard.press('Control+K');
    await focusOn(page, () => document.activeElement?.id === 'conversation-filter');
    await page.keyboard.type('design');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Design team' }).waitFor();
    await focusOn(page, () => document.activeElement?.id === 'composer-input');

    const newMessage = page.getByRole('button', { name: 'New message' }).first();
    await newMessage.click();
    const dialog = page.getByRole('dialog', { name: 'New message' });
    await dialog.waitFor();
    await focusOn(page, () => document.activeElement?.getAttribute('type') === 'search');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    // Focus returns to the button that opened the dialog.
    await page.waitForFunction(
      (el) => el === document.activeElement,
      await newMessage.elementHandle(),
      {
        timeout: 5_000,
      },
    );

    await openConversation(alice, 'bob');
    await page.locator('#composer-input').press('ArrowUp');
    const editor = page.getByRole('textbox', { name: 'Edit message' });
    assert.equal(await editor.inputValue(), 'Draft is here: https://example.com/onboarding');
    await editor.press('Escape');
    await editor.waitFor({ state: 'detached' });
    await focusOn(page, () => document.activeElement?.id === 'composer-input');
  });

  it('[M1] the composer counts down near the length limit and will not send past it', async () => {
    const { page } = alice;
    const box = page.locator('#composer-input');
    const counter = page.locator('#composer-counter');
    await box.fill('x'.repeat(LIMIT - 5));
    await counter.getByText('5 characters left').waitFor();
    await box.fill('é'.repeat(LIMIT + 3));
    await counter.getByText(`3 over the ${LIMIT} character limit`).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Send message' }).isDisabled(), true);
    await box.press('Enter');
    assert.equal(await box.inputValue(), 'é'.repeat(LIMIT + 3));
    await box.fill('');
    assert.equal(await counter.textContent(), '');
  });

  it('[M2] infinite scroll reads back through the whole history, each message once and in order', async () => {
    const dave = await api.signup('dave');
    const id = await api.dm(dave, 'alice');
    const total = 130;
    for (let i = 1; i <= total; i++) {
      const res = await api.send(dave, id, `history ${String(i).padStart(3, '0')}`);
      assert.equal(res.status, 201);
    }
    await openConversation(alice, 'dave');
    const { page } = alice;
    await page.locator('.message-body', { hasText: `history ${total}` }).waitFor();
    assert.ok((await messageBodies(alice)).length < total, 'the first page is not everything');
    const scroller = page.locator('.messages');
    while ((await page.locator('.history-start').count()) === 0) {
      const shown = await messageBodies(alice);
      await scroller.evaluate((el) => el.scrollTo({ top: 0 }));
      await page.waitForFunction(
        (n) =>
          document.querySelectorAll('.message-list .message-body').length > n ||
          document.querySelector('.history-start') !== null,
        shown.length,
      );
      // The older page went in above: what was at the top is still on screen, not pushed away.
      const anchor = page.locator('.message-body', { hasText: shown[0] });
      const [box, frame] = await Promise.all([anchor.boundingBox(), scroller.boundingBox()]);
      assert.ok(box && frame && box.y >= frame.y && box.y < frame.y + frame.height, shown[0]);
    }
    const expected = Array.from(
      { length: total },
      (_, i) => `history ${String(i + 1).padStart(3, '0')}`,
    );
    assert.deepEqual(await messageBodies(alice), expected);
  });
});
