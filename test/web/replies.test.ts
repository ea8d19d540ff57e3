import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { singleNodeModes } from '../helpers/deployment.js';
import { screenshot, sendMessage, startDm, type Person } from '../helpers/web.js';
import {
  expectRows,
  logIn,
  messageWith,
  rest,
  unnamedControls,
  useRichWorld,
} from './rich-world.js';

/** Hovers a message (by its text) and presses its Reply button. */
async function replyTo(person: Person, text: string): Promise<void> {
  const message = messageWith(person.page, text).and(person.page.locator('[data-state="sent"]'));
  await message.hover();
  await message.getByRole('button', { name: /^Reply to/ }).click();
}

for (const mode of singleNodeModes()) {
  describe(`web UI: replies and threads, live in two browsers (${mode})`, () => {
    const world = useRichWorld(mode);
    let dm = '';

    it('[R1][R2] a reply quotes its parent, live on both sides; the quote follows edits and deletion', async () => {
      const { alice, bob } = world();
      await startDm(alice, 'bob');
      dm = alice.page.url().split('/c/')[1]!;
      await sendMessage(alice, 'Where shall we **meet**?');
      await bob.page.getByRole('link', { name: /^alice\b/ }).click();
      await bob.page.getByRole('heading', { level: 1, name: 'alice' }).waitFor();

      // Reply → the composer says what it replies to; Escape cancels, Reply again and send.
      await replyTo(bob, 'Where shall we meet?');
      const bar = bob.page.locator('.reply-bar');
      assert.match((await bar.textContent()) ?? '', /Replying to alice.*Where shall we meet\?/);
      await bob.page.locator('#composer-input').press('Escape');
      await bar.waitFor({ state: 'detached' });
      // By keyboard: the message takes focus, which shows its actions; Enter on Reply.
      const parent = messageWith(bob.page, 'Where shall we meet?');
      await parent.locator('.bubble').focus();
      const replyButton = parent.getByRole('button', { name: 'Reply to alice' });
      await bob.page.waitForFunction(
        (el) => el !== null && getComputedStyle(el).opacity === '1',
        await parent.locator('.message-actions').elementHandle(),
      );
      await replyButton.focus();
      await bob.page.keyboard.press('Enter');
      await bar.waitFor();
      await sendMessage(bob, 'At the station');
      await bar.waitFor({ state: 'detached' });

      const rows = ['Where shall we meet?', 'At the station ↩ alice: Where shall we meet?'];
      await expectRows(bob.page, rows);
      await expectRows(alice.page, [rows[0]!, 'At the station ↩ You: Where shall we meet?']);
      // The root counts its reply, on both sides.
      for (const p of [alice.page, bob.page])
        await p.getByRole('button', { name: '1 reply, open thread' }).waitFor();

      // The parent is edited: the quote follows live; deleted: the quote says so.
      const mine = messageWith(alice.page, 'Where shall we meet?');
      await mine.hover();
      await mine.getByRole('button', { name: 'Edit message' }).click();
      const editor = alice.page.getByRole('textbox', { name: 'Edit message' });
      await editor.fill('Where shall we meet tomorrow?');
      await editor.press('Enter');
      await expectRows(bob.page, [
        'Where shall we meet tomorrow?',
        'At the station ↩ alice: Where shall we meet tomorrow?',
      ]);
      assert.deepEqual([...alice.errors, ...bob.errors], []);
    });

    it('[R3] "N replies" opens the thread panel: root and replies, live, with its own composer', async () => {
      const { alice, bob } = world();
      await alice.page.getByRole('button', { name: '1 reply, open thread' }).click();
      const panel = alice.page.getByRole('complementary', { name: 'Thread' });
      await panel.getByText('1 reply').first().waitFor();
      const bodies = () => panel.locator('.thread-list .message-body').allTextContents();
      await panel.locator('.thread-list .message').nth(1).waitFor();
      assert.deepEqual(await bodies(), ['Where shall we meet tomorrow?', 'At the station']);

      // A reaction on the root shows in the panel too, live.
      const rootSeq = await messageWith(alice.page, 'Where shall we meet tomorrow?').getAttribute(
        'data-seq',
      );
      await rest(
        bob.page,
        'PUT',
        `/api/v1/conversations/${dm}/messages/${rootSeq}/reactions/${encodeURIComponent('👍')}`,
      );
      await panel.getByRole('button', { name: '👍 1' }).waitFor();

      // bob opens the same thread and answers there; alice's panel follows live.
      await bob.page.getByRole('button', { name: '1 reply, open thread' }).click();
      const bobPanel = bob.page.getByRole('complementary', { name: 'Thread' });
      await bobPanel.getByRole('textbox', { name: 'Reply in thread' }).fill('Bring an umbrella');
      await bobPanel.getByRole('textbox', { name: 'Reply in thread' }).press('Enter');
      await panel.locator('.message-body', { hasText: 'Bring an umbrella' }).waitFor();
      await panel.getByText('2 replies').first().waitFor();
      // In the conversation too, inline with its quote; the root's count follows.
      await expectRows(alice.page, [
        'Where shall we meet tomorrow?',
        'At the station ↩ You: Where shall we meet tomorrow?',
        'Bring an umbrella ↩ You: Where shall we meet tomorrow?',
      ]);
      await alice.page.getByRole('button', { name: '2 replies, open thread' }).waitFor();

      // alice replies to bob's reply from the panel: it joins the root's thread, quoting it.
      const reply = panel.locator('.message', { hasText: 'At the station' });
      await reply.hover();
      await reply.getByRole('button', { name: /^Reply to/ }).click();
      await panel.locator('.reply-bar', { hasText: 'Replying to bob' }).waitFor();
      // Escape drops the quote first (the panel stays), Reply takes it again.
      await panel.getByRole('textbox', { name: 'Reply in thread' }).press('Escape');
      await panel.locator('.reply-bar').waitFor({ state: 'detached' });
      assert.ok(await panel.isVisible());
      await reply.hover();
      await reply.getByRole('button', { name: /^Reply to/ }).click();
      await panel.locator('.reply-bar', { hasText: 'Replying to bob' }).waitFor();
      await panel.getByRole('textbox', { name: 'Reply in thread' }).fill('Which exit?');
      await panel.getByRole('textbox', { name: 'Reply in thread' }).press('Enter');
      await bobPanel.locator('.message-body', { hasText: 'Which exit?' }).waitFor();
      await bobPanel.getByText('3 replies').first().waitFor();
      await expectRows(bob.page, [
        'Where shall we meet tomorrow?',
        'At the station ↩ alice: Where shall we meet tomorrow?',
        'Bring an umbrella ↩ alice: Where shall we meet tomorrow?',
        'Which exit? ↩ You: At the station',
      ]);
      await screenshot(alice.page, mode === 'embedded' ? 'thread' : `thread-${mode}`, {
        docs: mode === 'embedded',
      });

      if (mode === 'embedded') {
        await alice.page.emulateMedia({ colorScheme: 'dark' });
        await screenshot(alice.page, 'thread-dark', { docs: true });
        await alice.page.emulateMedia({ colorScheme: 'light' });
      }
      // Escape closes the panel, focus back in the composer.
      await panel.getByRole('textbox', { name: 'Reply in thread' }).press('Escape');
      await panel.waitFor({ state: 'detached' });
      await bobPanel.getByRole('button', { name: 'Close thread' }).click();
      await bobPanel.waitFor({ state: 'detached' });
      assert.deepEqual([...alice.errors, ...bob.errors], []);
    });

    it('on a phone the thread panel is the whole view; every control has a name', async () => {
      const { alice, deployment } = world();
      const phone = await logIn(world(), alice, deployment.nodes[0]!, {
        viewport: { width: 360, height: 740 },
        isMobile: true,
        hasTouch: true,
      });
      const { page } = phone;
      await page.getByRole('link', { name: /^bob\b/ }).click();
      await page.getByRole('button', { name: '3 replies, open thread' }).click();
      const panel = page.getByRole('complementary', { name: 'Thread' });
      await panel.locator('.message-body', { hasText: 'Which exit?' }).waitFor();
      const box = await panel.boundingBox();
      assert.ok(box && box.x === 0 && box.width === 360, JSON.stringify(box));
      assert.equal(await page.evaluate(() => document.documentElement.scrollWidth), 360);
      assert.deepEqual(await unnamedControls(page), []);
      if (mode === 'embedded') await screenshot(page, 'thread-mobile');
      await panel.getByRole('button', { name: 'Close thread' }).click();
      await panel.waitFor({ state: 'detached' });
      await page.getByRole('heading', { level: 1, name: 'bob' }).waitFor();
      assert.deepEqual(phone.errors, []);
      await phone.context.close();
    });

    it('[R2] a quote jumps to its parent, loading older history when it is not loaded', async () => {
      const { alice, bob } = world();
      // 60 more messages push the thread's root out of the latest page.
      for (let i = 1; i <= 60; i++) {
        await rest(alice.page, 'POST', `/api/v1/conversations/${dm}/messages`, {
          clientMsgId: `filler-${i}`,
          body: `filler ${i}`,
        });
      }
      const rootSeq = Number(
        await messageWith(bob.page, 'Where shall we meet tomorrow?').getAttribute('data-seq'),
      );
      await rest(alice.page, 'POST', `/api/v1/conversations/${dm}/messages`, {
        clientMsgId: 'late-reply',
        body: 'Late answer to the first question',
        replyTo: rootSeq,
      });
      await bob.page.reload();
      const late = messageWith(bob.page, 'Late answer to the first question');
      await late.waitFor();
      assert.equal(await messageWith(bob.page, 'Where shall we meet').count(), 0);
      await late.getByRole('button', { name: /^Replying to alice: Where shall we meet/ }).click();
      const parent = bob.page.locator(`.message-list > .message[data-seq="${rootSeq}"]`);
      await parent.and(bob.page.locator('.is-highlighted')).waitFor();
      assert.ok(await parent.isVisible());
      assert.ok(
        await parent.evaluate((el) => {
          const box = el.getBoundingClientRect();
          const list = document.querySelector('.messages')!.getBoundingClientRect();
          return box.top >= list.top && box.bottom <= list.bottom;
        }),
      );
      // The highlight fades on its own.
      await parent.and(bob.page.locator('.is-highlighted')).waitFor({ state: 'detached' });
      assert.deepEqual([...alice.errors, ...bob.errors], []);
    });

    it('[G4][R1][R2] offline: replies, edits of their parents and deletions arrive on resync, in order', async () => {
      const { alice, bob } = world();
      await sendMessage(bob, 'Offline test root');
      await messageWith(alice.page, 'Offline test root').waitFor();
      // bob keeps a thread open, and answers in it while offline.
      await bob.page.getByRole('button', { name: '4 replies, open thread' }).click();
      const panel = bob.page.getByRole('complementary', { name: 'Thread' });
      await panel.locator('.message-body', { hasText: 'Late answer' }).waitFor();
      await bob.context.setOffline(true);
      await bob.page.getByRole('status').getByText("You're offline").waitFor();
      const threadBox = panel.getByRole('textbox', { name: 'Reply in thread' });
      await threadBox.fill('Sent from the train');
      await threadBox.press('Enter');
      await panel
        .locator('.message[data-state="pending"]', { hasText: 'Sent from the train' })
        .waitFor();

      await replyTo(alice, 'Offline test root');
      await sendMessage(alice, 'First reply while you were away');
      const sent = (text: string) =>
        messageWith(alice.page, text).and(alice.page.locator('[data-state="sent"]')).waitFor();
      await sent('First reply while you were away');
      await replyTo(alice, 'First reply while you were away');
      await sendMessage(alice, 'Second, replying to the first');
      await sent('Second, replying to the first');
      await replyTo(alice, 'Offline test root');
      await sendMessage(alice, 'Third, to be deleted');
      await sent('Third, to be deleted');
      const third = messageWith(alice.page, 'Third, to be deleted');
      await third.hover();
      await third.getByRole('button', { name: 'Delete message' }).click();
      await alice.page
        .getByRole('dialog', { name: 'Delete message?' })
        .getByRole('button', { name: 'Delete' })
        .click();
      await messageWith(alice.page, 'This message was deleted.').waitFor();
      // The deleted reply no longer counts, on the side that deleted it too.
      await messageWith(alice.page, 'Offline test root')
        .getByRole('button', { name: '2 replies, open thread' })
        .waitFor();
      const first = messageWith(alice.page, 'First reply while you were away');
      await first.hover();
      await first.getByRole('button', { name: 'Edit message' }).click();
      const editor = alice.page.getByRole('textbox', { name: 'Edit message' });
      await editor.fill('First reply, edited');
      await editor.press('Enter');
      await alice.page.locator('.message-body', { hasText: 'First reply, edited' }).waitFor();

      await bob.context.setOffline(false);
      await expectRows(
        bob.page,
        [
          'Offline test root',
          'First reply, edited ↩ You: Offline test root',
          'Second, replying to the first ↩ alice: First reply, edited',
          'This message was deleted.',
          'Sent from the train ↩ alice: Where shall we meet tomorrow?',
        ],
        { tail: true },
      );
      await bob.page.getByRole('button', { name: '2 replies, open thread' }).waitFor();
      await panel
        .locator('.message[data-state="sent"]', { hasText: 'Sent from the train' })
        .waitFor();
      await panel.getByText('5 replies').first().waitFor();
      await messageWith(alice.page, 'Sent from the train').waitFor();
      assert.deepEqual([...alice.errors, ...bob.errors], []);
    });
  });
}
