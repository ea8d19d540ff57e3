import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import type { TestNode } from '../helpers/node.js';
import {
  expectMessages,
  launchBrowser,
  openConversation,
  screenshot,
  sendMessage,
  signUp,
  startDm,
  startWebNode,
  type Person,
} from '../helpers/web.js';

describe('web UI: chatting live in a real browser', () => {
  let node: TestNode;
  let browser: Browser;
  let alice: Person;
  let bob: Person;

  before(async () => {
    node = await startWebNode();
    browser = await launchBrowser();
    alice = await signUp(browser, node, 'alice');
    bob = await signUp(browser, node, 'bob');
  });

  after(async () => {
    await browser?.close();
    await node?.dispose();
  });

  it('[A7][UI5] two people find each other with a wildcard search and chat live in a DM', async () => {
    await startDm(alice, 'bob', 'b*');
    await sendMessage(alice, 'Hi Bob! Lunch at noon?');
    // The sender sees the message stored (pending → sent) and the peer gets it live, unread.
    await alice.page.locator('.message[data-state="sent"]', { hasText: 'Lunch at noon' }).waitFor();
    const row = bob.page.getByRole('link', { name: /^alice\b/ });
    await row.locator('.badge', { hasText: '1' }).waitFor();
    assert.match((await row.textContent()) ?? '', /Lunch at noon\?/);

    await openConversation(bob, 'alice');
    await expectMessages(bob, ['Hi Bob! Lunch at noon?']);
    await row.locator('.badge').waitFor({ state: 'detached' });

    // Typing reaches the other side; Shift+Enter makes a new line, Enter sends.
    const box = bob.page.locator('#composer-input');
    await box.pressSequentially('Sure');
    await alice.page.getByText('bob is typing…').first().waitFor();
    await box.press('Shift+Enter');
    await box.pressSequentially('see you there');
    await box.press('Enter');
    await expectMessages(alice, ['Hi Bob! Lunch at noon?', 'Sure\nsee you there']);
    await expectMessages(bob, ['Hi Bob! Lunch at noon?', 'Sure\nsee you there']);
    await alice.page.getByText('bob is typing…').first().waitFor({ state: 'detached' });

    // Presence: each sees the other online.
    await alice.page.locator('.conversation-subtitle', { hasText: 'Online' }).waitFor();
    assert.deepEqual([...alice.errors, ...bob.errors], []);
  });

  it('[UI2] shows message text as text: an XSS payload is displayed, never run', async () => {
    const payload = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>';
    await sendMessage(alice, payload);
    await sendMessage(alice, 'docs at https://example.com/guide, or javascript:alert(1)');
    const last = bob.page.locator('.message-body').last();
    await last.getByRole('link', { name: 'https://example.com/guide' }).waitFor();
    const bodies = bob.page.locator('.message-body');
    assert.equal(await bodies.nth(-2).textContent(), payload);
    for (const page of [alice.page, bob.page]) {
      assert.equal(await page.locator('.message-list img, .message-list script').count(), 0);
      assert.equal(await page.evaluate(() => (window as any).__pwned), undefined);
    }
    // Only http(s) URLs become links, and they open without opener or referrer.
    const link = last.getByRole('link');
    assert.equal(await link.count(), 1);
    assert.equal(await link.getAttribute('rel'), 'noopener noreferrer nofollow');
    assert.equal(await link.getAttribute('href'), 'https://example.com/guide');
  });

  it('edits and deletes your own message; the other side follows live', async () => {
    await sendMessage(bob, 'Meet at 12:30');
    const mine = bob.page.locator('.message-mine', { hasText: 'Meet at 12:30' });
    await mine.and(bob.page.locator('[data-state="sent"]')).waitFor();
    await mine.hover();
    await mine.getByRole('button', { name: 'Edit message' }).click();
    const editor = bob.page.getByRole('textbox', { name: 'Edit message' });
    await editor.fill('Meet at 12:45');
    await editor.press('Enter');
    const seen = alice.page.locator('.message', { hasText: 'Meet at 12:45' });
    await seen.locator('.message-edited').waitFor();

    await sendMessage(bob, 'oops, wrong chat');
    const oops = bob.page.locator('.message-mine[data-state="sent"]', { hasText: 'wrong chat' });
    await oops.hover();
    await oops.getByRole('button', { name: 'Delete message' }).click();
    await bob.page
      .getByRole('dialog', { name: 'Delete message?' })
      .getByRole('button', { name: 'Delete' })
      .click();
    await alice.page.getByText('This message was deleted.').waitFor();
    await bob.page.getByText('This message was deleted.').waitFor();
    // Gone from the history and from the sidebar's preview.
    await alice.page
      .getByRole('link', { name: /^bob\b/ })
      .getByText('Message deleted')
      .waitFor();
    assert.equal(
      await alice.page.locator('.message-list, .conversation-list').getByText('wrong chat').count(),
      0,
    );
    // Only your own messages offer editing.
    const theirs = alice.page.locator('.message-theirs').first();
    await theirs.hover();
    assert.equal(await theirs.getByRole('button', { name: 'Edit message' }).count(), 0);
  });

  it('chats live in a group', async () => {
    await alice.page.getByRole('button', { name: 'New group' }).first().click();
    const dialog = alice.page.getByRole('dialog', { name: 'New group' });
    await dialog.getByLabel('Group name').fill('Lunch crew');
    await dialog.getByLabel('Add people').fill('bo');
    await dialog.getByRole('button', { name: /^bob\b/ }).click();
    await dialog.getByRole('list', { name: 'Members' }).getByText('bob').waitFor();
    await dialog.getByRole('button', { name: 'Create group' }).click();
    await alice.page.getByRole('heading', { level: 1, name: 'Lunch crew' }).waitFor();

    await sendMessage(alice, 'Welcome to the crew');
    await bob.page
      .getByRole('link', { name: /^Lunch crew\b/ })
      .locator('.badge')
      .waitFor();
    await openConversation(bob, 'Lunch crew');
    await expectMessages(bob, ['Welcome to the crew']);
    await sendMessage(bob, 'Thanks!');
    await expectMessages(alice, ['Welcome to the crew', 'Thanks!']);
    // In a group the sender's name is shown on their messages.
    await alice.page.locator('.message-sender', { hasText: 'bob' }).waitFor();
    // The sidebar is sorted by activity: the group is on top for both.
    for (const person of [alice, bob]) {
      const first = person.page.locator('.conversation-row .row-title').first();
      assert.equal(await first.textContent(), 'Lunch crew');
    }
    await screenshot(alice.page, 'group-chat');
  });

  it('[UI5][G3] a send the node refuses is marked not sent, and Retry sends it with the same id', async () => {
    // The node refuses the first attempt (as it would a send to a conversation one was just
    // removed from); the retry goes through unchanged.
    const attempts: string[] = [];
    await alice.page.routeWebSocket(/\/api\/v1\/ws$/, (ws) => {
      const server = ws.connectToServer();
      ws.onMessage((message) => {
        const frame = JSON.parse(String(message));
        if (frame.type === 'send' && frame.body === 'try me') {
          attempts.push(frame.clientMsgId);
          if (attempts.length === 1) {
            ws.send(
              JSON.stringify({
                type: 'error',
                code: 'forbidden',
                message: 'you cannot post here',
                ref: frame.clientMsgId,
              }),
            );
            return;
          }
        }
        server.send(message);
      });
    });
    await alice.page.reload();
    await openConversation(alice, 'bob');
    await openConversation(bob, 'alice');
    await sendMessage(alice, 'try me');
    const failed = alice.page.locator('.message[data-state="failed"]', { hasText: 'try me' });
    await failed.getByText('Not sent: you cannot post here.').waitFor();
    await failed.getByRole('button', { name: 'Retry' }).click();
    await alice.page.locator('.message[data-state="sent"]', { hasText: 'try me' }).waitFor();
    await bob.page.locator('.message-body', { hasText: 'try me' }).waitFor();
    assert.equal(attempts.length, 2);
    assert.equal(attempts[0], attempts[1]);
    await alice.page.unrouteAll();
  });

  it('[G4][UI4] offline and back: every message arrives once and in order, and offline sends go out', async () => {
    await openConversation(alice, 'bob');
    await openConversation(bob, 'alice');
    const before = await bob.page.locator('.message-list .message-body').allTextContents();

    await bob.context.setOffline(true);
    await bob.page.getByRole('status').getByText("You're offline").waitFor();
    const missed = Array.from({ length: 6 }, (_, i) => `while you were away ${i + 1}`);
    for (const text of missed) await sendMessage(alice, text);
    await alice.page
      .locator('.message[data-state="sent"]', { hasText: 'while you were away 6' })
      .waitFor();

    // Written offline: shown at once as pending, sent once the network is back.
    await sendMessage(bob, 'written offline');
    await bob.page
      .locator('.message[data-state="pending"]', { hasText: 'written offline' })
      .waitFor();
    await screenshot(bob.page, 'offline');

    await bob.context.setOffline(false);
    await bob.page.locator('.message[data-state="sent"]', { hasText: 'written offline' }).waitFor();
    await bob.page.locator('.banner').waitFor({ state: 'detached' });
    await expectMessages(bob, [...before, ...missed, 'written offline']);
    await expectMessages(alice, [...before, ...missed, 'written offline']);
  });
});
