import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import type { TestNode } from '../helpers/node.js';
import {
  launchBrowser,
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

/** Waits until the last-seen switch shows `checked` and is enabled again (the save is done). */
async function settled(page: Page, checked: boolean): Promise<void> {
  await page.waitForFunction((want) => {
    const inputs = [...document.querySelectorAll<HTMLInputElement>('input[role=switch]')];
    const el = inputs.find((i) => i.parentElement?.textContent?.includes('last online'));
    return el?.checked === want && !el.disabled;
  }, checked);
}

describe('web UI: profiles', () => {
  let node: TestNode;
  let browser: Browser;

  before(async () => {
    node = await startWebNode();
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await node?.dispose();
  });

  it('[PR3][PR4][PR5][PR7] a user edits their profile; others see the display name, picture and card', async () => {
    const rosa = await signUp(browser, node, 'rosa');
    const tom = await signUp(browser, node, 'tom');

    // Rosa edits her profile in the account dialog: name, status, a picture.
    const { page } = rosa;
    await page.getByRole('button', { name: /^Account and settings/ }).click();
    const dialog = page.getByRole('dialog', { name: 'Account' });
    await dialog.getByLabel('Display name').fill('  Rosa Parks ');
    await dialog.getByLabel('Status').fill('On the bus, front seat');
    await dialog.getByRole('button', { name: 'Save profile' }).click();
    await dialog.getByRole('status').getByText('Profile saved.').waitFor();
    assert.equal(await dialog.getByLabel('Display name').inputValue(), 'Rosa Parks');
    const picture = await sharp({
      create: { width: 320, height: 200, channels: 3, background: '#d94' },
    })
      .png()
      .toBuffer();
    await dialog
      .locator('#profile-avatar-file')
      .setInputFiles({ name: 'me.png', mimeType: 'image/png', buffer: picture });
    await dialog.getByRole('status').getByText('Picture updated.').waitFor();
    await dialog.locator('.profile-editor-avatar img.avatar-img').waitFor();
    await dialog.getByRole('button', { name: 'Remove picture' }).waitFor();
    // A too-long display name is refused before it is sent.
    await dialog.getByLabel('Display name').fill('x'.repeat(65));
    await dialog.getByRole('button', { name: 'Save profile' }).click();
    await dialog
      .getByRole('alert')
      .getByText('A display name has at most 64 characters.')
      .waitFor();
    await dialog.getByLabel('Display name').fill('Rosa Parks');
    // Last seen privacy: off, then on again (the switch reflects the stored setting).
    const share = dialog.getByRole('switch', { name: 'Show others when I was last online' });
    assert.equal(await share.isChecked(), true);
    await share.click();
    await settled(page, false);
    assert.equal(await share.isChecked(), false);
    await share.click();
    await settled(page, true);
    await screenshot(page, 'profile-editor', { docs: true });
    await page.keyboard.press('Escape');

    // She writes in a group; Tom sees her display name and picture in the header.
    await createGroup(rosa, 'Bus stop', ['tom']);
    await sendMessage(rosa, 'Hello from the front seat');
    const nav = tom.page.getByRole('navigation', { name: 'Conversations' });
    await nav.getByRole('link', { name: /^Bus stop\b/ }).click();
    await tom.page.getByRole('heading', { level: 1, name: 'Bus stop' }).waitFor();
    const header = tom.page.locator('.message-list .message-sender').first();
    await header.getByText('Rosa Parks').waitFor();
    const avatar = tom.page.locator('.message-list .message-gutter img.avatar-img').first();
    await avatar.waitFor();
    assert.match((await avatar.getAttribute('src')) ?? '', /^\/api\/v1\/users\/[^/]+\/avatar\?v=/);
    assert.ok(
      await avatar.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth === 256),
      'the picture loaded at 256 px',
    );

    // The card on her name: display name, @username, status, online.
    await header.getByRole('button', { name: 'Profile of rosa' }).click();
    const card = tom.page.getByRole('dialog', { name: 'Profile of rosa' });
    await card.getByText('Rosa Parks').waitFor();
    await card.getByText('@rosa').waitFor();
    await card.getByText('On the bus, front seat').waitFor();
    await card.getByText('Online').waitFor();
    await screenshot(tom.page, 'profile-card', { docs: true });
    await tom.page.keyboard.press('Escape');
    await card.waitFor({ state: 'detached' });

    // Rosa leaves: once the node has her offline, the card opened again says when she was
    // last seen (the condition is awaited, as the node records it after her socket closes).
    await rosa.context.close();
    await tom.page.waitForFunction(
      async () => {
        const res = await fetch('/api/v1/users/rosa/profile');
        const { profile } = (await res.json()) as { profile: { online: boolean } };
        return !profile.online;
      },
      undefined,
      { polling: 100 },
    );
    await tom.page
      .locator('.message-list .message-gutter')
      .getByRole('button', { name: 'Profile of rosa' })
      .first()
      .click();
    await card.getByText(/^Last seen today at/).waitFor();
    assert.deepEqual(tom.errors, []);
  });
});
