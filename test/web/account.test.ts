import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import type { TestNode } from '../helpers/node.js';
import {
  expectMessages,
  launchBrowser,
  openPerson,
  screenshot,
  sendMessage,
  signUp,
  startDm,
  startWebNode,
  type Person,
} from '../helpers/web.js';

/** Fills and submits the login form. */
async function logIn(person: Person, username: string, password: string): Promise<void> {
  await person.page.getByLabel('Username').fill(username);
  await person.page.getByLabel('Password').fill(password);
  await person.page.getByRole('button', { name: 'Log in', exact: true }).click();
}

describe('web UI: accounts', () => {
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

  it('[A1][A3] registration and login explain what is wrong', async () => {
    await signUp(browser, node, 'dana');
    const visitor = await openPerson(browser, node, 'visitor');
    const { page } = visitor;
    await page.getByRole('heading', { name: 'Welcome back' }).waitFor();
    await screenshot(page, 'login', { docs: true });

    await logIn(visitor, 'dana', 'not her password');
    await page.getByRole('alert').getByText('Wrong username or password.').waitFor();
    await logIn(visitor, 'nobody-here', 'whatever123');
    await page.getByRole('alert').getByText('Wrong username or password.').waitFor();

    await page.getByRole('button', { name: 'Create an account' }).click();
    await page.getByLabel('Username').fill('dana');
    await page.getByLabel('Password').fill('long enough');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('alert').getByText('That username is taken. Try another one.').waitFor();
    await page.getByLabel('Username').fill('x');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('alert').getByText('Usernames are 3 to 32 characters long.').waitFor();
    await page.getByLabel('Username').fill('newbie');
    await page.getByLabel('Password').fill('short');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('alert').getByText('Passwords need at least 8 characters.').waitFor();
    assert.deepEqual(visitor.errors, []);
  });

  it('[A4][A5][UI3] the session lives in an HttpOnly cookie: it survives a reload, scripts cannot read it, logout ends it', async () => {
    const erin = await signUp(browser, node, 'erin');
    const { page, context } = erin;
    const cookies = await context.cookies();
    const session = cookies.find((c) => c.name === 'parley_session');
    assert.ok(session, 'session cookie set');
    assert.equal(session.httpOnly, true);
    assert.equal(session.sameSite, 'Strict');
    assert.equal(await page.evaluate(() => document.cookie), '');
    const stored = await page.evaluate(() => ({
      local: JSON.stringify({ ...localStorage }),
      session: JSON.stringify({ ...sessionStorage }),
    }));
    // Only the hint that this browser has a session (rule UI15), never the token.
    assert.deepEqual(stored, { local: '{"parley:session-hint":"1"}', session: '{}' });

    await page.reload();
    await page.getByRole('heading', { name: 'Hi erin!' }).waitFor();

    await page.getByRole('button', { name: /^Account and settings/ }).click();
    await page
      .getByRole('dialog', { name: 'Account' })
      .getByRole('button', { name: 'Log out' })
      .click();
    await page.getByRole('heading', { name: 'Welcome back' }).waitFor();
    await page.getByText(/logged out/).waitFor();
    await page.reload();
    await page.getByRole('heading', { name: 'Welcome back' }).waitFor();
    await logIn(erin, 'erin', erin.password);
    await page.getByRole('heading', { name: 'Hi erin!' }).waitFor();
  });

  it('[A6][EX7] downloading your data, then deleting the account: it needs the password and a confirmation; the other side keeps the history', async () => {
    const frank = await signUp(browser, node, 'frank');
    const gina = await signUp(browser, node, 'gina');
    await startDm(frank, 'gina');
    await sendMessage(frank, 'I am leaving Parley, bye!');
    await gina.page.getByRole('link', { name: /^frank\b/ }).click();
    await expectMessages(gina, ['I am leaving Parley, bye!']);

    const { page } = frank;
    await page.getByRole('button', { name: /^Account and settings/ }).click();
    const dialog = page.getByRole('dialog', { name: 'Account' });
    // Before leaving, frank downloads his data (EX7): his account and the DM with its message.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      dialog.getByRole('link', { name: 'Download my data' }).click(),
    ]);
    assert.match(download.suggestedFilename(), /^parley-frank-.*\.json$/);
    const archive = JSON.parse(await readFile(await download.path(), 'utf8')) as {
      format: string;
      account: { username: string };
      conversations: { messages: { body: string }[] }[];
    };
    assert.equal(archive.format, 'parley-user-export');
    assert.equal(archive.account.username, 'frank');
    assert.deepEqual(
      archive.conversations.flatMap((c) => c.messages.map((m) => m.body)),
      ['I am leaving Parley, bye!'],
    );
    await dialog.getByRole('button', { name: 'Delete account…' }).click();
    await dialog.getByRole('textbox', { name: 'Password', exact: true }).fill('wrong password');
    await dialog.getByRole('button', { name: 'Delete my account' }).click();
    await dialog
      .getByRole('alert')
      .getByText(/Tick the box/)
      .waitFor();
    await dialog.getByRole('checkbox').check();
    await dialog.getByRole('button', { name: 'Delete my account' }).click();
    await dialog.getByRole('alert').getByText('That password is not right.').waitFor();
    await dialog.getByRole('textbox', { name: 'Password', exact: true }).fill(frank.password);
    await dialog.getByRole('button', { name: 'Delete my account' }).click();
    await page.getByRole('heading', { name: 'Welcome back' }).waitFor();
    await page.getByText('Your account was deleted.').waitFor();

    // The other side keeps the conversation, shown with the deleted account.
    await gina.page.getByRole('heading', { level: 1, name: '[deleted]' }).waitFor();
    await gina.page.getByText('This account was deleted. You can read the conversation').waitFor();
    await expectMessages(gina, ['I am leaving Parley, bye!']);
    assert.equal(await gina.page.locator('#composer-input').count(), 0);

    await logIn(frank, 'frank', frank.password);
    await page.getByRole('alert').getByText('Wrong username or password.').waitFor();
  });
});
