import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { TestNode } from '../helpers/node.js';
import {
  expectMessages,
  launchBrowser,
  openConversation,
  screenshot,
  sendMessage,
  signUp,
  startWebNode,
  type Person,
} from '../helpers/web.js';

/** Creates a group through the New group dialog. */
async function createGroup(person: Person, name: string, members: string[]): Promise<void> {
  const { page } = person;
  await page.getByRole('button', { name: 'New group' }).first().click();
  const dialog = page.getByRole('dialog', { name: 'New group' });
  await dialog.getByLabel('Group name').fill(name);
  for (const member of members) {
    await dialog.getByLabel('Add people').fill(member);
    await dialog.getByRole('button', { name: new RegExp(`^${member}\\b`) }).click();
  }
  await dialog.getByRole('button', { name: 'Create group' }).click();
  await page.getByRole('heading', { level: 1, name }).waitFor();
}

function settings(page: Page) {
  return page.getByRole('dialog', { name: 'Group settings' });
}

async function openSettings(person: Person) {
  await person.page.getByRole('button', { name: 'Group settings' }).click();
  const dialog = settings(person.page);
  await dialog.getByRole('list', { name: 'Members' }).waitFor();
  return dialog;
}

/** A cookie-authenticated REST call from inside the page (same origin, so Origin is sent). */
function fetchFromPage(page: Page, method: string, path: string, body?: unknown) {
  return page.evaluate(
    async ([method, path, body]) => {
      const res = await fetch(path, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as { error?: { code: string } } };
    },
    [method, path, body] as const,
  );
}

describe('web UI: managing groups', () => {
  let node: TestNode;
  let browser: Browser;
  let alice: Person;
  let bob: Person;
  let carol: Person;

  before(async () => {
    node = await startWebNode();
    browser = await launchBrowser();
    alice = await signUp(browser, node, 'alice');
    bob = await signUp(browser, node, 'bob');
    carol = await signUp(browser, node, 'carol');
    await createGroup(alice, 'Book club', ['bob']);
    await sendMessage(alice, 'First book: Dune');
    await openConversation(bob, 'Book club');
    await expectMessages(bob, ['First book: Dune']);
  });

  after(async () => {
    await browser?.close();
    await node?.dispose();
  });

  it('[C4][C6][C8] the owner renames, adds a member and makes an admin; everyone follows live', async () => {
    const dialog = await openSettings(alice);
    await dialog.getByRole('textbox', { name: 'Group name' }).fill('Sci-fi club');
    await dialog.getByRole('button', { name: 'Rename' }).click();
    await bob.page.getByRole('heading', { level: 1, name: 'Sci-fi club' }).waitFor();

    await dialog.getByLabel('Find people to add').fill('car*');
    await dialog.getByRole('button', { name: /^carol\b/ }).click();
    await dialog.locator('[data-member="carol"]').waitFor();
    // The new member gets the group live, with its history.
    await openConversation(carol, 'Sci-fi club');
    await expectMessages(carol, ['First book: Dune']);

    await dialog.getByLabel('Role of bob').selectOption('admin');
    await screenshot(alice.page, 'group-settings', { docs: true });
    await dialog.getByRole('button', { name: 'Close' }).click();
    await settings(alice.page).waitFor({ state: 'detached' });
    // Bob, now an admin, may rename and manage members (but not change roles).
    const bobs = await openSettings(bob);
    await bobs.locator('[data-member="bob"] .role-badge', { hasText: 'Admin' }).waitFor();
    await bobs.getByRole('textbox', { name: 'Group name' }).waitFor();
    await bobs.getByRole('button', { name: 'Remove carol' }).waitFor();
    assert.equal(await bobs.getByRole('combobox').count(), 0);
    await bob.page.keyboard.press('Escape');
    assert.deepEqual([...alice.errors, ...bob.errors, ...carol.errors], []);
  });

  it('[C7][G6] a plain member sees the group read-only, and the node refuses what they try anyway', async () => {
    const dialog = await openSettings(carol);
    await dialog
      .getByText('Only the owner and admins can rename this group or change its members.')
      .waitFor();
    assert.equal(await dialog.getByRole('textbox', { name: 'Group name' }).count(), 0);
    assert.equal(await dialog.getByRole('button', { name: /^Remove/ }).count(), 0);
    assert.equal(await dialog.getByLabel('Find people to add').count(), 0);
    assert.equal(await dialog.getByRole('combobox').count(), 0);
    assert.equal(await dialog.getByRole('button', { name: 'Delete group' }).count(), 0);
    await dialog.getByRole('button', { name: 'Leave group' }).waitFor();
    assert.equal(await dialog.locator('[data-member="alice"] .role-badge').textContent(), 'Owner');
    assert.equal(await dialog.locator('[data-member="bob"] .role-badge').textContent(), 'Admin');
    await carol.page.keyboard.press('Escape');
    await settings(carol.page).waitFor({ state: 'detached' });

    // The same requests the owner's page makes, from the member's page: refused.
    const id = new URL(carol.page.url()).pathname.split('/').pop()!;
    const rename = await fetchFromPage(carol.page, 'PATCH', `/api/v1/conversations/${id}`, {
      name: 'Mine now',
    });
    assert.equal(rename.status, 403);
    assert.equal(rename.body.error?.code, 'forbidden');
    const remove = await fetchFromPage(
      carol.page,
      'DELETE',
      `/api/v1/conversations/${id}/members/bob`,
    );
    assert.equal(remove.status, 403);
    const destroy = await fetchFromPage(carol.page, 'DELETE', `/api/v1/conversations/${id}`);
    assert.equal(destroy.status, 403);
    await alice.page.getByRole('heading', { level: 1, name: 'Sci-fi club' }).waitFor();
  });

  it('[C7] removing a member takes the group away from them at once', async () => {
    const dialog = await openSettings(alice);
    await dialog.getByRole('button', { name: 'Remove carol' }).click();
    await alice.page
      .getByRole('dialog', { name: 'Remove member?' })
      .getByRole('button', { name: 'Remove' })
      .click();
    await dialog.locator('[data-member="carol"]').waitFor({ state: 'detached' });
    await carol.page.getByText('You were removed from “Sci-fi club”.').waitFor();
    await carol.page.getByRole('heading', { name: 'Hi carol!' }).waitFor();
    assert.equal(await carol.page.getByRole('link', { name: /^Sci-fi club\b/ }).count(), 0);
    await dialog.getByRole('button', { name: 'Close' }).click();
  });

  it('[C9] leaving a group, and [C5] the owner deleting one', async () => {
    await createGroup(alice, 'Short-lived', ['bob', 'carol']);
    await sendMessage(alice, 'this group will not last');
    await openConversation(carol, 'Short-lived');
    const dialog = await openSettings(carol);
    await dialog.getByRole('button', { name: 'Leave group' }).click();
    await carol.page
      .getByRole('dialog', { name: 'Leave group?' })
      .getByRole('button', { name: 'Leave' })
      .click();
    await carol.page.getByRole('heading', { name: 'Hi carol!' }).waitFor();
    assert.equal(await carol.page.getByRole('link', { name: /^Short-lived\b/ }).count(), 0);
    await alice.page.locator('.conversation-subtitle', { hasText: '2 members' }).waitFor();

    await openConversation(bob, 'Short-lived');
    const owner = await openSettings(alice);
    await owner.getByRole('button', { name: 'Delete group' }).click();
    await alice.page
      .getByRole('dialog', { name: 'Delete group?' })
      .getByRole('button', { name: 'Delete group' })
      .click();

    await bob.page.getByText('“Short-lived” was deleted.').waitFor();
    await bob.page.getByRole('heading', { name: 'Hi bob!' }).waitFor();
    for (const person of [alice, bob]) {
      await person.page
        .getByRole('link', { name: /^Short-lived\b/ })
        .waitFor({ state: 'detached' });
    }
    // The other group is untouched.
    await bob.page.getByRole('link', { name: /^Sci-fi club\b/ }).waitFor();
  });
});
