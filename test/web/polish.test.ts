import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { TestNode } from '../helpers/node.js';
import { createGroup, fetchFromPage } from '../helpers/web-deployment.js';
import {
  expectMessages,
  launchBrowser,
  openConversation,
  openPerson,
  sendMessage,
  signUp,
  startWebNode,
  type Person,
} from '../helpers/web.js';

/**
 * The visible buttons, links and fields that a shown toast lies over: hit-tested, so a control
 * scrolled out of its dialog (clipped) does not count, only one that is really beneath it.
 */
function controlsUnderToast(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const toast = document.querySelector('.toast');
    if (!toast) throw new Error('no toast shown');
    const t = toast.getBoundingClientRect();
    const covered: string[] = [];
    const controls = document.querySelectorAll<HTMLElement>(
      'button, a[href], input, textarea, select, [role="button"], [tabindex="0"]',
    );
    for (const el of controls) {
      if (toast.contains(el)) continue;
      const r = el.getBoundingClientRect();
      const left = Math.max(r.left, t.left);
      const right = Math.min(r.right, t.right);
      const top = Math.max(r.top, t.top);
      const bottom = Math.min(r.bottom, t.bottom);
      if (right <= left || bottom <= top) continue;
      const x = (left + right) / 2;
      const y = (top + bottom) / 2;
      if (document.elementsFromPoint(x, y).includes(el))
        covered.push(`${el.tagName.toLowerCase()} “${(el.textContent ?? '').trim().slice(0, 40)}”`);
    }
    return covered;
  });
}

/** What the open conversation shows of each message from someone else: name, avatar, quote. */
function othersLabels(page: Page) {
  return page.$$eval('.message-list > .message:not(.message-mine)', (items) =>
    items.map((li) => ({
      body: li.querySelector('.message-body')?.textContent ?? '',
      sender: li.querySelector('.message-sender')?.textContent ?? null,
      avatar: li.querySelector('.message-gutter .avatar')?.textContent ?? null,
      picture: li.querySelector('.message-gutter .avatar img') !== null,
      spoken: li.querySelector('.bubble > .sr-only')?.textContent ?? '',
    })),
  );
}

describe('web UI: newcomer polish (issue 17)', () => {
  let node: TestNode;
  let browser: Browser;
  let alice: Person;
  let bob: Person;

  before(async () => {
    node = await startWebNode();
    browser = await launchBrowser();
    alice = await signUp(browser, node, 'alice');
    bob = await signUp(browser, node, 'bob');
    // Before anyone's page has read bob's profile (the pages keep profiles they read).
    const profile = await fetchFromPage(bob.page, 'PATCH', '/api/v1/me/profile', {
      displayName: 'Bobby Tables',
    });
    assert.equal(profile.status, 200);
    await signUp(browser, node, 'carol');
  });

  after(async () => {
    await browser?.close();
    await node?.dispose();
  });

  it('[UI12] a toast covers no control: Delete group stays clickable while "carol was added." shows; Dismiss closes it', async () => {
    const { page } = alice;
    // A short window, where a tall dialog reaches near the bottom edge.
    await page.setViewportSize({ width: 1024, height: 640 });
    await createGroup(alice, 'Toast club', ['bob']);
    await page.getByRole('button', { name: 'Group settings' }).click();
    const dialog = page.getByRole('dialog', { name: 'Group settings' });
    await dialog.getByLabel('Find people to add').fill('car*');
    await dialog.getByRole('button', { name: /^carol\b/ }).click();
    const toast = page.locator('.toast', { hasText: 'carol was added.' });
    await toast.waitFor();
    const remove = dialog.getByRole('button', { name: 'Delete group' });
    await remove.scrollIntoViewIfNeeded();
    assert.ok(await toast.isVisible(), 'the toast is still up');
    assert.deepEqual(await controlsUnderToast(page), [], 'nothing in reach lies under the toast');
    // Playwright's own check that the button would get the click (no element on top of it).
    await remove.click({ trial: true, timeout: 2_000 });
    await dialog.getByRole('button', { name: 'Close' }).click();
    assert.ok(await toast.isVisible(), 'the toast outlives the dialog');
    assert.deepEqual(await controlsUnderToast(page), [], 'nor in the chat screen (composer)');
    await page.locator('#composer-input').click({ trial: true, timeout: 2_000 });
    await toast.getByRole('button', { name: 'Dismiss' }).click();
    await toast.waitFor({ state: 'detached' });
    await page.setViewportSize({ width: 1280, height: 800 });
    assert.deepEqual(alice.errors, []);
  });

  it('[A6][UI13] the messages of an account deleted meanwhile read as a fresh load shows them, at once', async () => {
    await createGroup(alice, 'Leavers', ['bob']);
    await sendMessage(alice, 'Anyone here?');
    await openConversation(bob, 'Leavers');
    await expectMessages(bob, ['Anyone here?']);
    await sendMessage(bob, 'Me, for now');
    await sendMessage(bob, 'Bye all');
    await expectMessages(alice, ['Anyone here?', 'Me, for now', 'Bye all']);
    await alice.page.locator('.message-sender', { hasText: 'Bobby Tables' }).waitFor();

    const gone = await bob.page.evaluate(async (password) => {
      const res = await fetch('/api/v1/me', {
        method: 'DELETE',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ password }),
      });
      return res.status;
    }, bob.password);
    assert.equal(gone, 204);
    await alice.page.locator('.message-sender', { hasText: '[deleted]' }).waitFor();
    const live = await othersLabels(alice.page);

    // What the node says of the same messages on a fresh load.
    const fresh = await alice.context.newPage();
    await fresh.goto(alice.page.url());
    await fresh.locator('.message-list .message-body', { hasText: 'Bye all' }).waitFor();
    await fresh.locator('.message-sender').first().waitFor();
    const reloaded = await othersLabels(fresh);
    await fresh.close();
    assert.equal(reloaded.length, 2);
    assert.ok(
      reloaded.every((m) => !JSON.stringify(m).includes('Bob')),
      JSON.stringify(reloaded),
    );
    assert.deepEqual(live, reloaded, 'the live page shows what a reload shows');
    assert.deepEqual(alice.errors, []);
  });

  it('[A1][UI14] only the field at fault is marked: a taken username marks the username alone', async () => {
    const visitor = await openPerson(browser, node, 'visitor');
    const { page } = visitor;
    await page.getByRole('button', { name: 'Create an account' }).click();
    const username = page.getByLabel('Username');
    const password = page.getByLabel('Password');
    await username.fill('alice');
    await password.fill('long enough');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('alert').getByText('That username is taken. Try another one.').waitFor();
    assert.equal(await username.getAttribute('aria-invalid'), 'true');
    assert.equal(await password.getAttribute('aria-invalid'), null, 'the password is fine');

    await username.fill('valid-name');
    await password.fill('short');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('alert').getByText('Passwords need at least 8 characters.').waitFor();
    assert.equal(await username.getAttribute('aria-invalid'), null, 'the username is fine');
    assert.equal(await password.getAttribute('aria-invalid'), 'true');
    await visitor.context.close();
  });

  it('[UI3][UI15] a first visit, a reload and a visit after logging out log no error and make no failing request', async () => {
    const context = await browser.newContext({ baseURL: node.url });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (msg) => {
      if (msg.type() === 'error') problems.push(`console: ${msg.text()}`);
    });
    page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
    page.on('response', (res) => {
      if (res.status() >= 400) problems.push(`${res.status()} ${res.url()}`);
    });
    await page.goto('/');
    await page.getByRole('heading', { name: 'Welcome back' }).waitFor();
    await page.reload();
    await page.getByRole('heading', { name: 'Welcome back' }).waitFor();
    assert.deepEqual(problems, [], 'the first visit asks nothing that fails');

    // Signed in, a reload restores the session; logged out, a reload asks nothing again.
    await page.getByLabel('Username').fill('alice');
    await page.getByLabel('Password').fill(alice.password);
    await page.getByRole('button', { name: 'Log in', exact: true }).click();
    await page.getByRole('heading', { name: 'Hi alice!' }).waitFor();
    await page.reload();
    await page.getByRole('heading', { name: 'Hi alice!' }).waitFor();
    await page.getByRole('button', { name: /^Account and settings/ }).click();
    await page
      .getByRole('dialog', { name: 'Account' })
      .getByRole('button', { name: 'Log out' })
      .click();
    await page.getByRole('heading', { name: 'Welcome back' }).waitFor();
    await page.reload();
    await page.getByRole('heading', { name: 'Welcome back' }).waitFor();
    assert.deepEqual(problems, []);
    await context.close();
  });

  it('[UI16] the theme: system, light or dark, kept in this browser and applied before the first paint', async () => {
    const context = await browser.newContext({ baseURL: node.url, colorScheme: 'light' });
    // Notes the theme at the moment the body is parsed, before anything could be painted.
    await context.addInitScript(() => {
      new MutationObserver((_, observer) => {
        if (!document.body) return;
        (window as unknown as { themeAtBody: string }).themeAtBody =
          document.documentElement.dataset.theme ?? 'unset';
        observer.disconnect();
      }).observe(document, { childList: true, subtree: true });
    });
    const page = await context.newPage();
    const seen = () =>
      page.evaluate(() => ({
        atBody: (window as unknown as { themeAtBody?: string }).themeAtBody,
        theme: document.documentElement.dataset.theme,
        background: getComputedStyle(document.body).backgroundColor,
      }));
    await page.goto('/');
    await page.getByLabel('Username').fill('alice');
    await page.getByLabel('Password').fill(alice.password);
    await page.getByRole('button', { name: 'Log in', exact: true }).click();
    await page.getByRole('heading', { name: 'Hi alice!' }).waitFor();
    const light = await seen();
    assert.equal(light.theme, 'light', 'follows the system (light) by default');

    await page.getByRole('button', { name: /^Account and settings/ }).click();
    const account = page.getByRole('dialog', { name: 'Account' });
    const appearance = account.getByRole('radiogroup', { name: 'Appearance' });
    assert.equal(await appearance.getByRole('radio', { name: 'System' }).isChecked(), true);
    await appearance.getByRole('radio', { name: 'Dark' }).check();
    const dark = await seen();
    assert.equal(dark.theme, 'dark');
    assert.notEqual(dark.background, light.background, 'the colours changed');

    await page.reload();
    await page.getByRole('heading', { name: 'Hi alice!' }).waitFor();
    assert.deepEqual(await seen(), { ...dark, atBody: 'dark' }, 'dark from the first paint on');

    // "System" follows the system again, live.
    await page.getByRole('button', { name: /^Account and settings/ }).click();
    await appearance.getByRole('radio', { name: 'System' }).check();
    assert.equal((await seen()).theme, 'light');
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.waitForFunction(() => document.documentElement.dataset.theme === 'dark');
    await appearance.getByRole('radio', { name: 'Light' }).check();
    assert.equal((await seen()).theme, 'light', 'light even on a dark system');
    await page.reload();
    await page.getByRole('heading', { name: 'Hi alice!' }).waitFor();
    assert.equal((await seen()).atBody, 'light');
    await context.close();
  });
});
