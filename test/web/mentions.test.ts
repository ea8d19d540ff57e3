import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { singleNodeModes } from '../helpers/deployment.js';
import { openConversation, screenshot, sendMessage, startDm, type Person } from '../helpers/web.js';
import { messageWith, rest, useRichWorld } from './rich-world.js';

/** The sidebar row of a conversation. */
function row(person: Person, title: string) {
  return person.page
    .getByRole('navigation', { name: 'Conversations' })
    .getByRole('link', { name: new RegExp(`^${title}\\b`) });
}

/** Waits until a conversation's row shows `count` mentions (none: no badge). */
async function expectMentionBadge(person: Person, title: string, count: number) {
  const badge = row(person, title).locator('.mention-badge');
  if (count === 0) return badge.waitFor({ state: 'detached' });
  await badge.filter({ hasText: new RegExp(`^@${count} `) }).waitFor();
}

for (const mode of singleNodeModes()) {
  describe(`web UI: mentions, live in two browsers (${mode})`, () => {
    const world = useRichWorld(mode);

    it('[R6][R8] a mention of me or @all counts beside the unread count while I read elsewhere', async () => {
      const { alice, bob } = world();
      await rest(alice.page, 'POST', '/api/v1/groups', { name: 'Team', members: ['bob'] });
      await startDm(bob, 'alice');
      await openConversation(alice, 'Team');

      // The composer suggests the members (and @all), Tab picks one.
      const box = alice.page.locator('#composer-input');
      await box.pressSequentially('@b');
      const members = alice.page.getByRole('listbox', { name: 'Members' });
      await members.getByRole('option', { name: /bob/ }).waitFor();
      await box.press('Tab');
      await box.pressSequentially('can you review the PR?');
      assert.equal(await box.inputValue(), '@bob can you review the PR?');
      await box.press('Enter');
      await expectMentionBadge(bob, 'Team', 1);
      await sendMessage(alice, '@all standup in 5');
      await expectMentionBadge(bob, 'Team', 2);
      await sendMessage(alice, 'no mention here');
      await row(bob, 'Team').locator('.badge', { hasText: '3' }).waitFor();
      await expectMentionBadge(bob, 'Team', 2);
      await bob.page.getByRole('button', { name: 'Mentions, 2 unread' }).waitFor();
      // alice's own mentions of others never count for her.
      assert.equal(await alice.page.locator('.mention-badge').count(), 0);

      // A reload reads the counts from the summaries (mentionCount).
      await bob.page.reload();
      await expectMentionBadge(bob, 'Team', 2);
      assert.deepEqual([...alice.errors, ...bob.errors], []);
    });

    it('[R8] the mention list opens the conversation at the message, highlighted; reading clears the count', async () => {
      const { alice, bob } = world();
      await bob.page.getByRole('button', { name: 'Mentions, 2 unread' }).click();
      const dialog = bob.page.getByRole('dialog', { name: 'Mentions' });
      const items = dialog.getByRole('list', { name: 'Mentions' }).getByRole('listitem');
      await items.nth(1).waitFor();
      const texts = await items.locator('.mention-text').allTextContents();
      assert.deepEqual(texts, ['@all standup in 5', '@bob can you review the PR?']);
      await screenshot(bob.page, mode === 'embedded' ? 'mentions' : `mentions-${mode}`, {
        docs: mode === 'embedded',
      });
      if (mode === 'embedded') {
        await bob.page.emulateMedia({ colorScheme: 'dark' });
        await screenshot(bob.page, 'mentions-dark', { docs: true });
        await bob.page.emulateMedia({ colorScheme: 'light' });
      }
      await items.nth(1).getByRole('button').click();
      await dialog.waitFor({ state: 'detached' });
      await bob.page.getByRole('heading', { level: 1, name: 'Team' }).waitFor();
      const target = messageWith(bob.page, '@bob can you review the PR?');
      await target.and(bob.page.locator('.is-highlighted')).waitFor();
      // Messages that mention me are marked (and say so to screen readers); others are not.
      assert.match((await target.getAttribute('class')) ?? '', /\bis-mention\b/);
      assert.match((await target.locator('.sr-only').first().textContent()) ?? '', /mentions you/);
      assert.doesNotMatch(
        (await messageWith(bob.page, 'no mention here').getAttribute('class')) ?? '',
        /is-mention/,
      );
      // The highlight of the jump fades; the mentions stay marked.
      await target.and(bob.page.locator('.is-highlighted')).waitFor({ state: 'detached' });
      if (mode === 'embedded') await screenshot(bob.page, 'mentions-highlighted', { docs: true });
      // Read: the count is gone, here and after a reload.
      await bob.page.getByRole('button', { name: 'Mentions', exact: true }).waitFor();
      await bob.page.reload();
      await messageWith(bob.page, '@all standup in 5').waitFor();
      await bob.page.getByRole('button', { name: 'Mentions', exact: true }).waitFor();
      assert.equal(await bob.page.locator('.mention-badge').count(), 0);
      assert.deepEqual([...alice.errors, ...bob.errors], []);
    });

    it('[R6] an edit that adds a mention marks the message live', async () => {
      const { alice, bob } = world();
      const plain = messageWith(alice.page, 'no mention here');
      await plain.hover();
      await plain.getByRole('button', { name: 'Edit message' }).click();
      const editor = alice.page.getByRole('textbox', { name: 'Edit message' });
      await editor.fill('no mention here, @bob');
      await editor.press('Enter');
      await messageWith(bob.page, 'no mention here, @bob')
        .and(bob.page.locator('.is-mention'))
        .waitFor();
      assert.deepEqual([...alice.errors, ...bob.errors], []);
    });

    it('[R7] the composer offers @all only to those the group lets mention everyone', async () => {
      const { alice, bob } = world();
      await openConversation(bob, 'Team');
      const box = bob.page.locator('#composer-input');
      const options = bob.page.getByRole('listbox', { name: 'Members' }).getByRole('option');
      await box.pressSequentially('@al');
      await options.filter({ hasText: '@all (everyone here)' }).waitFor();
      await options.filter({ hasText: '@alice' }).waitFor();
      await box.fill('');
      // alice, the owner, lets only owners and admins mention @all: bob's composer follows live.
      const team = bob.page.url().split('/c/')[1]!;
      await rest(alice.page, 'PUT', `/api/v1/conversations/${team}/settings`, {
        allMentions: 'admins',
      });
      await bob.page
        .locator('.system-line', {
          hasText: 'alice allowed only owners and admins to mention @all',
        })
        .waitFor();
      await box.pressSequentially('@al');
      await options.filter({ hasText: '@alice' }).waitFor();
      assert.equal(await options.filter({ hasText: '@all' }).count(), 0);
      await box.fill('');
      await rest(alice.page, 'PUT', `/api/v1/conversations/${team}/settings`, {
        allMentions: 'members',
      });
      await bob.page.locator('.system-line', { hasText: 'allowed everyone' }).waitFor();
      assert.deepEqual([...alice.errors, ...bob.errors], []);
    });

    it('[R7] in a DM @all is plain text; previews drop the markup; an edit turns :shortcodes: into emoji', async () => {
      const { alice, bob } = world();
      await openConversation(alice, 'bob');
      await openConversation(bob, 'Team');
      await sendMessage(alice, 'hey @all, a **bold** move');
      const preview = row(bob, 'alice').locator('.row-preview');
      await preview.filter({ hasText: 'hey @all, a bold move' }).waitFor();
      await openConversation(bob, 'alice');
      const dmMessage = messageWith(bob.page, 'hey @all, a bold move');
      await dmMessage.waitFor();
      assert.equal(await dmMessage.locator('.mention').count(), 0);
      assert.doesNotMatch((await dmMessage.getAttribute('class')) ?? '', /is-mention/);
      const mine = messageWith(alice.page, 'hey @all, a bold move');
      await mine.hover();
      await mine.getByRole('button', { name: 'Edit message' }).click();
      const editor = alice.page.getByRole('textbox', { name: 'Edit message' });
      await editor.fill('hey @all :tada:');
      await editor.press('Enter');
      await messageWith(bob.page, 'hey @all 🎉').waitFor();
      assert.deepEqual([...alice.errors, ...bob.errors], []);
    });

    it('[G4][R8] offline: mentions sent meanwhile count once the page is back', async () => {
      const { alice, bob } = world();
      await openConversation(alice, 'Team');
      await openConversation(bob, 'alice');
      await bob.context.setOffline(true);
      await bob.page.getByRole('status').getByText("You're offline").waitFor();
      await sendMessage(alice, '@bob are you there?');
      await sendMessage(alice, 'and @all: lunch?');
      await messageWith(alice.page, 'and @all: lunch?')
        .and(alice.page.locator('[data-state="sent"]'))
        .waitFor();
      await bob.context.setOffline(false);
      await expectMentionBadge(bob, 'Team', 2);
      await bob.page.getByRole('button', { name: 'Mentions, 2 unread' }).waitFor();
      await openConversation(bob, 'Team');
      await expectMentionBadge(bob, 'Team', 0);
      await messageWith(bob.page, 'and @all: lunch?')
        .and(bob.page.locator('.is-mention'))
        .waitFor();
      assert.deepEqual([...alice.errors, ...bob.errors], []);
    });
  });
}
