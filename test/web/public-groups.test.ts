import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { locationOf, setAdminAt } from '../../src/cli/admin-local.js';
import type { TestNode } from '../helpers/node.js';
import {
  expectMessages,
  launchBrowser,
  screenshot,
  sendMessage,
  signUp,
  startWebNode,
  type Person,
} from '../helpers/web.js';
import { messageRow } from '../helpers/web-deployment.js';

function settings(page: Page) {
  return page.getByRole('dialog', { name: 'Group settings' });
}

async function openSettings(person: Person) {
  await person.page.getByRole('button', { name: 'Group settings' }).click();
  const dialog = settings(person.page);
  await dialog.getByRole('list', { name: 'Members' }).waitFor();
  return dialog;
}

async function closeSettings(person: Person) {
  await settings(person.page).getByRole('button', { name: 'Close' }).click();
  await settings(person.page).waitFor({ state: 'detached' });
}

/** Finds a public group by (part of) its name in "Browse public groups" and joins it. */
async function findAndJoin(person: Person, query: string, name: string, members: number) {
  const { page } = person;
  await page.getByRole('button', { name: 'Browse public groups' }).click();
  const dialog = page.getByRole('dialog', { name: 'Public groups' });
  await dialog.getByLabel('Search public groups').fill(query);
  const row = dialog.locator(`.public-group[data-group="${name}"]`);
  await row.getByText(`${members} ${members === 1 ? 'member' : 'members'}`).waitFor();
  return {
    dialog,
    join: async () => {
      await row.getByRole('button', { name: `Join ${name}` }).click();
      await page.getByRole('heading', { level: 1, name }).waitFor();
      await dialog.waitFor({ state: 'detached' });
    },
  };
}

describe('web UI: public groups and moderation', () => {
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
    // Carol is on a phone, in dark mode.
    await carol.page.setViewportSize({ width: 360, height: 740 });
    await carol.page.emulateMedia({ colorScheme: 'dark' });
  });

  after(async () => {
    await browser?.close();
    await node?.dispose();
  });

  it('[PG1][PG2][PG3][PG4][PG5][PG8][PG10] a public group is found by name and joined, its history read per its setting; a moderator removes a message and mutes a member; a server admin removes one too', async () => {
    // Alice creates a public group whose new members read only from their joining on.
    await alice.page.getByRole('button', { name: 'New group' }).first().click();
    const create = alice.page.getByRole('dialog', { name: 'New group' });
    await create.getByLabel('Group name').fill('Chess club');
    await create.getByRole('radio', { name: 'Public' }).check();
    await create.getByRole('radio', { name: 'From when they join' }).check();
    await create.getByRole('button', { name: 'Create group' }).click();
    await alice.page.getByRole('heading', { level: 1, name: 'Chess club' }).waitFor();
    await sendMessage(alice, 'Opening theory notes');
    await expectMessages(alice, ['Opening theory notes']);

    // Bob searches by part of the name (any case) and joins: the earlier message is not his.
    const bobs = await findAndJoin(bob, 'CHESS', 'Chess club', 1);
    await screenshot(bob.page, 'public-groups', { docs: true });
    await bobs.join();
    await bob.page.locator('.system-line', { hasText: 'You joined' }).waitFor();
    await expectMessages(bob, []);
    await alice.page.locator('.system-line', { hasText: 'bob joined' }).waitFor();
    await alice.page.locator('.conversation-subtitle', { hasText: '2 members' }).waitFor();
    await sendMessage(bob, 'hi all');
    await expectMessages(alice, ['Opening theory notes', 'hi all']);

    // The list says which groups one is in already.
    await bob.page.getByRole('button', { name: 'Browse public groups' }).click();
    const again = bob.page.getByRole('dialog', { name: 'Public groups' });
    await again.locator('.public-group[data-group="Chess club"]').getByText('Joined').waitFor();
    await again.getByRole('button', { name: 'Open Chess club' }).waitFor();
    await bob.page.keyboard.press('Escape');
    await again.waitFor({ state: 'detached' });

    // The owner lets later members read the whole history: Carol, joining now, reads it all.
    const owner = await openSettings(alice);
    await owner.getByRole('radio', { name: 'The whole history' }).check();
    await alice.page.locator('.system-line', { hasText: 'read the whole history' }).waitFor();
    await closeSettings(alice);
    const carols = await findAndJoin(carol, 'club', 'Chess club', 2);
    await screenshot(carol.page, 'public-groups-mobile-dark');
    await carols.join();
    await expectMessages(carol, ['Opening theory notes', 'hi all']);

    // A plain member cannot remove others' messages; the owner can, after confirming.
    await sendMessage(bob, 'buy cheap watches');
    await expectMessages(alice, ['Opening theory notes', 'hi all', 'buy cheap watches']);
    const carolsView = messageRow(carol, 'buy cheap watches');
    await carolsView.hover();
    assert.equal(await carolsView.getByRole('button', { name: /^Remove message/ }).count(), 0);
    const spam = messageRow(alice, 'buy cheap watches');
    await spam.hover();
    await spam.getByRole('button', { name: 'Remove message from bob' }).click();
    await alice.page
      .getByRole('dialog', { name: 'Remove message?' })
      .getByRole('button', { name: 'Remove' })
      .click();
    for (const person of [alice, carol])
      await expectMessages(person, ['Opening theory notes', 'hi all', 'Removed by a moderator.']);
    // Bob still reads from his joining on.
    await expectMessages(bob, ['hi all', 'Removed by a moderator.']);

    // The owner mutes Bob for an hour: his composer says so and takes no text.
    const members = await openSettings(alice);
    await members.getByRole('button', { name: 'Mute bob' }).click();
    const mute = alice.page.getByRole('dialog', { name: 'Mute bob?' });
    await mute.getByRole('radio', { name: '1 hour' }).check();
    await mute.getByRole('button', { name: 'Mute' }).click();
    await members.locator('[data-member="bob"] .mute-badge', { hasText: 'Muted until' }).waitFor();
    await screenshot(alice.page, 'group-moderation', { docs: true });
    const banner = bob.page.getByRole('status').filter({ hasText: 'A moderator muted you until' });
    await banner.waitFor();
    assert.equal(await bob.page.locator('#composer-input').isDisabled(), true);
    await screenshot(bob.page, 'muted-composer', { docs: true });
    // The node refuses his sends too, whatever the page does.
    const refused = await bob.page.evaluate(async (id) => {
      const res = await fetch(`/api/v1/conversations/${id}/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ body: 'let me talk', clientMsgId: 'muted-try-1' }),
      });
      return { status: res.status, body: (await res.json()) as { error?: { code: string } } };
    }, new URL(bob.page.url()).pathname.split('/').pop()!);
    assert.equal(refused.status, 403);
    assert.equal(refused.body.error?.code, 'member_muted');

    // Unmuted, he writes again at once.
    await members.getByRole('button', { name: 'Unmute bob' }).click();
    await banner.waitFor({ state: 'detached' });
    await bob.page.locator('#composer-input:not([disabled])').waitFor();
    await closeSettings(alice);
    await sendMessage(bob, 'sorry, back to chess');
    const before = ['Opening theory notes', 'hi all', 'Removed by a moderator.'];
    await expectMessages(carol, [...before, 'sorry, back to chess']);

    // A server admin removes any message, whatever their role in the group: the operator makes
    // Carol one (as `parley admin grant` does), her page reads it when it starts.
    await sendMessage(bob, 'one last ad');
    await setAdminAt(locationOf(node.config), 'carol', true);
    await carol.page.reload();
    const ad = messageRow(carol, 'one last ad');
    await ad.hover();
    await ad.getByRole('button', { name: 'Remove message from bob' }).click();
    await carol.page
      .getByRole('dialog', { name: 'Remove message?' })
      .getByRole('button', { name: 'Remove' })
      .click();
    await expectMessages(alice, [...before, 'sorry, back to chess', 'Removed by a moderator.']);
    const widths = await carol.page.evaluate(() => [
      document.documentElement.scrollWidth,
      document.documentElement.clientWidth,
    ]);
    assert.equal(widths[0], widths[1], 'no horizontal scrolling on a phone');
    assert.deepEqual([...alice.errors, ...bob.errors, ...carol.errors], []);
  });
});
