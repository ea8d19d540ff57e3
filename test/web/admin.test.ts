import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { locationOf, setAdminAt } from '../../src/cli/admin-local.js';
import type { Deployment } from '../helpers/deployment.js';
import { nodeFor, startWebDeployment } from '../helpers/web-deployment.js';
import {
  createAccount,
  expectMessages,
  launchBrowser,
  openPerson,
  screenshot,
  sendMessage,
  signUp,
  startDm,
  type Person,
} from '../helpers/web.js';

/** Makes `username` a server admin as the operator's `parley admin grant` does (rule AD1). */
async function grantAdmin(deployment: Deployment, username: string): Promise<void> {
  await setAdminAt(locationOf(deployment.nodes[0]!.config), username, true);
}

/** Fills and submits the login form. */
async function logIn(page: Page, username: string, password: string): Promise<void> {
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Log in', exact: true }).click();
}

/** Opens the admin page from the account dialog (the link only admins see). */
async function openAdminPage(person: Person): Promise<void> {
  const { page } = person;
  await page.getByRole('button', { name: /^Account and settings/ }).click();
  await page
    .getByRole('dialog', { name: 'Account' })
    .getByRole('link', { name: 'Open the admin page' })
    .click();
  await page.getByRole('heading', { level: 1, name: 'Administration' }).waitFor();
  assert.equal(new URL(page.url()).pathname, '/admin');
}

/** Searches the users table for `username` and opens its Manage dialog. */
async function manage(page: Page, username: string) {
  await page.getByRole('tab', { name: 'Users' }).click();
  await page.getByLabel('Search users').fill(username);
  const table = page.getByRole('table', { name: 'Users' });
  await table.locator(`tr[data-username="${username}"]`).waitFor();
  await table.getByRole('button', { name: `Manage ${username}` }).click();
  return page.getByRole('dialog', { name: username });
}

/** Resolves when every WebSocket the page has opened so far, and opens later, is closed. */
function watchSockets(page: Page) {
  const closes: Promise<void>[] = [];
  page.on('websocket', (ws) => {
    closes.push(new Promise((resolve) => ws.on('close', () => resolve())));
  });
  return {
    opened: () => closes.length,
    allClosed: () => Promise.all(closes),
  };
}

describe('web UI: running a community [cluster]', () => {
  let deployment: Deployment;
  let browser: Browser;

  before(async () => {
    deployment = await startWebDeployment('cluster');
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await deployment?.dispose();
  });

  it('[UIA1][UIA3][UIA4] an admin suspends a user chatting on the other node, switches registration to invite-only, and a new user joins through an invite link', async () => {
    const ada = await signUp(browser, nodeFor(deployment, 0), 'ada');
    await grantAdmin(deployment, 'ada');
    const bob = await openPerson(browser, nodeFor(deployment, 1), 'bob');
    const bobSockets = watchSockets(bob.page);
    await createAccount(bob);
    await startDm(bob, 'ada');
    await sendMessage(bob, 'hello from the other node');
    await expectMessages(bob, ['hello from the other node']);
    assert.ok(bobSockets.opened() > 0, "bob's page has its socket");

    // The admin finds bob and suspends him with a reason.
    await openAdminPage(ada);
    const dialog = await manage(ada.page, 'bob');
    await dialog.getByLabel('Reason (the user sees it)').fill('Spamming the general group');
    await dialog.getByRole('button', { name: 'Suspend bob' }).click();
    await dialog.getByRole('button', { name: 'Unsuspend bob' }).waitFor();
    // The pressed button is gone: focus is on its opposite, not lost.
    await ada.page.waitForFunction(
      () => document.activeElement?.textContent?.trim() === 'Unsuspend bob',
    );

    // On the other node bob's page goes to the login screen, saying why; his sockets close.
    await bob.page.getByRole('heading', { name: 'Welcome back' }).waitFor();
    await bob.page.getByText(/Your account was suspended by an administrator/).waitFor();
    await bobSockets.allClosed();
    await logIn(bob.page, 'bob', bob.password);
    await bob.page
      .getByRole('alert')
      .getByText(/This account is suspended/)
      .waitFor();
    await dialog.getByRole('button', { name: 'Close' }).click();
    const row = ada.page.getByRole('table', { name: 'Users' }).locator('tr[data-username="bob"]');
    await row.getByText('Suspended', { exact: true }).waitFor();
    await row.getByText('Spamming the general group').waitFor();

    // Registration becomes invite-only: a visitor without an invite cannot sign up.
    await ada.page.getByRole('tab', { name: 'Registration & invites' }).click();
    await ada.page.getByRole('radio', { name: /^Invite only/ }).check();
    await ada.page.getByText('Saved.').waitFor();
    const visitor = await openPerson(browser, nodeFor(deployment, 1), 'carol');
    await visitor.page.getByRole('button', { name: 'Create an account' }).click();
    await visitor.page.getByLabel('Username').fill('carol');
    await visitor.page.getByLabel('Password', { exact: true }).fill(visitor.password);
    await visitor.page.getByLabel('Invite code or link').waitFor();
    await visitor.page.getByRole('button', { name: 'Create account' }).click();
    await visitor.page.getByRole('alert').getByText('Enter the invite code or link').waitFor();

    // An invite link for one person: shown once, copied, listed.
    await ada.page.getByLabel('Uses').selectOption('1');
    await ada.page.getByRole('button', { name: 'Create invite link' }).click();
    const link = await ada.page.getByLabel('Invite link', { exact: true }).inputValue();
    assert.match(link, /\/invite\/[^/]+$/);
    const invites = ada.page.getByRole('table', { name: 'Invites' });
    await invites.getByText('0 of 1').waitFor();
    await ada.page.emulateMedia({ colorScheme: 'light' });
    await screenshot(ada.page, 'admin-registration-light');

    // The new user opens the link (on the other node) and joins.
    await visitor.page.goto(new URL(link).pathname);
    await visitor.page.getByRole('heading', { name: 'Create your account' }).waitFor();
    await visitor.page.getByText(/Your invite is valid until/).waitFor();
    await visitor.page.getByLabel('Username').fill('carol');
    await visitor.page.getByLabel('Password', { exact: true }).fill(visitor.password);
    await visitor.page.getByRole('button', { name: 'Create account' }).click();
    await visitor.page.getByRole('heading', { name: 'Hi carol!' }).waitFor();
    assert.equal(new URL(visitor.page.url()).pathname, '/');

    // The used-up link turns the next visitor away before they type anything.
    const late = await openPerson(browser, nodeFor(deployment, 0), 'dora');
    await late.page.goto(new URL(link).pathname);
    await late.page.getByText(/This invite link is not valid/).waitFor();
    assert.equal(
      await late.page.getByRole('button', { name: 'Create account' }).isDisabled(),
      true,
    );

    // The users table and the audit log show what happened; bob is let back in.
    await ada.page.getByRole('tab', { name: 'Users' }).click();
    await ada.page.getByLabel('Search users').fill('');
    await ada.page
      .getByRole('table', { name: 'Users' })
      .locator('tr[data-username="carol"]')
      .waitFor();
    await ada.page.getByLabel('Status').selectOption('suspended');
    await ada.page
      .getByRole('table', { name: 'Users' })
      .locator('tr[data-username="carol"]')
      .waitFor({ state: 'detached' });
    const again = await manage(ada.page, 'bob');
    await again.getByRole('button', { name: 'Unsuspend bob' }).click();
    await again.getByRole('button', { name: 'Suspend bob' }).waitFor();
    await again.getByRole('button', { name: 'Close' }).click();
    await ada.page.getByLabel('Status').selectOption('');
    await ada.page.getByLabel('Search users').fill('');
    await ada.page
      .getByRole('table', { name: 'Users' })
      .locator('tr[data-username="carol"]')
      .waitFor();
    await screenshot(ada.page, 'admin-users-light', { docs: true });
    await ada.page.emulateMedia({ colorScheme: 'dark' });
    await screenshot(ada.page, 'admin-users-dark', { docs: true });
    await ada.page.emulateMedia({ colorScheme: 'light' });
    await ada.page.setViewportSize({ width: 390, height: 844 });
    await screenshot(ada.page, 'admin-users-phone');
    await ada.page.setViewportSize({ width: 1280, height: 800 });

    await ada.page.getByRole('tab', { name: 'Audit log' }).click();
    const audit = ada.page.getByRole('table', { name: 'Audit log' });
    for (const action of [
      'user.suspended',
      'registration.changed',
      'invite.created',
      'user.unsuspended',
    ])
      await audit.locator(`tr[data-action="${action}"]`).first().waitFor();

    await logIn(bob.page, 'bob', bob.password);
    await bob.page.getByRole('heading', { name: 'Hi bob!' }).waitFor();

    // Members may invite once the admin allows it: carol does, from her account dialog.
    await ada.page.getByRole('tab', { name: 'Registration & invites' }).click();
    await ada.page.getByRole('switch', { name: 'Members can create invite links' }).check();
    await ada.page.getByText('Saved.').waitFor();
    await visitor.page.getByRole('button', { name: /^Account and settings/ }).click();
    const account = visitor.page.getByRole('dialog', { name: 'Account' });
    await account.getByRole('heading', { name: 'Invite people' }).waitFor();
    await account.getByRole('button', { name: 'Create invite link' }).click();
    assert.match(
      await account.getByLabel('Invite link', { exact: true }).inputValue(),
      /\/invite\/[^/]+$/,
    );
    await screenshot(visitor.page, 'account-invite');

    // A member sees no admin link, and the admin page tells them it is not theirs.
    assert.equal(await account.getByRole('link', { name: 'Open the admin page' }).count(), 0);
    await visitor.page.goto('/admin');
    await visitor.page
      .getByRole('alert')
      .getByText('This page is for the administrators')
      .waitFor();

    // Closed: the login screen offers no sign-up at all.
    await ada.page.getByRole('radio', { name: /^Closed/ }).check();
    await ada.page.getByText('Saved.').waitFor();
    await late.page.goto('/');
    await late.page.getByText('Registration is closed on this server.').waitFor();
    assert.equal(await late.page.getByRole('button', { name: 'Create an account' }).count(), 0);

    for (const person of [ada, bob, visitor, late]) assert.deepEqual(person.errors, []);
  });
});

describe('web UI: passwords [embedded]', () => {
  let deployment: Deployment;
  let browser: Browser;

  before(async () => {
    deployment = await startWebDeployment('embedded');
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await deployment?.dispose();
  });

  it('[UIA2][UIA5] changing the password logs out the other devices; an admin-issued reset link sets a new one, once', async () => {
    const node = nodeFor(deployment, 0);
    const admin = await signUp(browser, node, 'root');
    await grantAdmin(deployment, 'root');
    const eve = await signUp(browser, node, 'eve');
    const phone = await openPerson(browser, node, 'eve-phone', {
      viewport: { width: 390, height: 844 },
    });
    const phoneSignedIn = () =>
      phone.page.getByRole('navigation', { name: 'Conversations' }).waitFor();
    await logIn(phone.page, 'eve', eve.password);
    await phoneSignedIn();

    // Wrong current password, then the right one: the phone is logged out, this page is not.
    const { page } = eve;
    await page.getByRole('button', { name: /^Account and settings/ }).click();
    const account = page.getByRole('dialog', { name: 'Account' });
    await account.getByRole('button', { name: 'Change password…' }).click();
    await account.getByLabel('Current password').fill('not my password');
    await account.getByLabel('New password', { exact: true }).fill('a brand new secret');
    await account.getByLabel('Repeat the new password').fill('a brand new secret');
    await account.getByRole('button', { name: 'Change password', exact: true }).click();
    await account.getByRole('alert').getByText('Your current password is not right.').waitFor();
    await account.getByLabel('Current password').fill(eve.password);
    await account.getByRole('button', { name: 'Change password', exact: true }).click();
    await account.getByText('Password changed. Your other devices are logged out.').waitFor();
    await phone.page.getByRole('heading', { name: 'Welcome back' }).waitFor();
    await logIn(phone.page, 'eve', eve.password);
    await phone.page.getByRole('alert').getByText('Wrong username or password.').waitFor();
    await logIn(phone.page, 'eve', 'a brand new secret');
    await phoneSignedIn();

    // An email address for reset links: checked here first, saved, seen by the admin.
    const email = account.getByLabel('Email address');
    await email.fill('eve at example.org');
    await account.getByRole('button', { name: 'Save email' }).click();
    await account
      .getByRole('alert')
      .getByText(/Enter an email address like/)
      .waitFor();
    await email.fill('eve@example.org');
    await account.getByRole('button', { name: 'Save email' }).click();
    await account.getByText('Email saved.').waitFor();
    await account.getByRole('button', { name: 'Close' }).click();
    await page.reload();
    await page.getByRole('heading', { name: 'Hi eve!' }).waitFor();

    // Forgot password: the same answer whether or not a mail can go out.
    const visitor = await openPerson(browser, node, 'eve-laptop');
    await visitor.page.getByRole('button', { name: 'Forgot password?' }).click();
    await visitor.page.getByLabel('Username').fill('eve');
    await visitor.page.getByRole('button', { name: 'Send reset link' }).click();
    await visitor.page.getByText(/If this account has an email address/).waitFor();

    // The admin issues a one-time reset link; eve sets a new password with it.
    await openAdminPage(admin);
    const dialog = await manage(admin.page, 'eve');
    await dialog.getByText('Also email it to eve@example.org').waitFor();
    await dialog.getByRole('button', { name: 'Create reset link' }).click();
    const link = await dialog.getByLabel('Reset link').inputValue();
    await screenshot(admin.page, 'admin-user-dialog');
    assert.match(link, /\/reset\/[^/]+$/);
    await visitor.page.goto(new URL(link).pathname);
    await visitor.page.getByRole('heading', { name: 'Choose a new password' }).waitFor();
    await visitor.page.getByLabel('New password', { exact: true }).fill('reset by the admin');
    await visitor.page.getByLabel('Repeat the new password').fill('reset by the admin!');
    await visitor.page.getByRole('button', { name: 'Set new password' }).click();
    await visitor.page.getByRole('alert').getByText('The two passwords differ.').waitFor();
    await visitor.page.getByLabel('Repeat the new password').fill('reset by the admin');
    await visitor.page.getByRole('button', { name: 'Set new password' }).click();
    await visitor.page.getByText('Your password was changed. Log in with the new one.').waitFor();
    assert.equal(new URL(visitor.page.url()).pathname, '/');

    // Every session of eve ended with the reset.
    await page.getByRole('heading', { name: 'Welcome back' }).waitFor();
    await phone.page.getByRole('heading', { name: 'Welcome back' }).waitFor();
    await logIn(visitor.page, 'eve', 'reset by the admin');
    await visitor.page.getByRole('heading', { name: 'Hi eve!' }).waitFor();

    // The link works once.
    const other = await openPerson(browser, node, 'someone');
    await other.page.goto(new URL(link).pathname);
    await other.page.getByLabel('New password', { exact: true }).fill('another try here');
    await other.page.getByLabel('Repeat the new password').fill('another try here');
    await other.page.getByRole('button', { name: 'Set new password' }).click();
    await other.page
      .getByRole('alert')
      .getByText(/This reset link is not valid any more/)
      .waitFor();

    // The last admin cannot step down; eve becomes admin and back; then she is deleted, her
    // messages erased, after a confirmation, and her page goes to the login screen.
    await dialog.getByRole('button', { name: 'Close' }).click();
    const self = await manage(admin.page, 'root');
    await self.getByRole('button', { name: 'Revoke admin' }).click();
    await self
      .getByRole('alert')
      .getByText(/A server keeps at least one admin/)
      .waitFor();
    await self.getByRole('button', { name: 'Close' }).click();
    const target = await manage(admin.page, 'eve');
    await target.getByRole('button', { name: 'Make admin' }).click();
    await target.getByRole('button', { name: 'Revoke admin' }).click();
    await target.getByRole('button', { name: 'Make admin' }).waitFor();
    await target.getByRole('button', { name: 'Delete eve…' }).click();
    await target.getByRole('radio', { name: 'Erase them everywhere' }).check();
    await target.getByRole('button', { name: 'Delete user' }).click();
    await target.getByRole('alert').getByText('Tick the box to confirm deleting eve.').waitFor();
    await target.getByRole('checkbox', { name: /I understand/ }).check();
    await target.getByRole('button', { name: 'Delete user' }).click();
    await target.waitFor({ state: 'detached' });
    const row = admin.page.getByRole('table', { name: 'Users' }).locator('tr[data-username="eve"]');
    await row.getByText('Deleted', { exact: true }).waitFor();
    await visitor.page.getByRole('heading', { name: 'Welcome back' }).waitFor();

    for (const person of [admin, eve, phone, visitor, other]) assert.deepEqual(person.errors, []);
  });
});
