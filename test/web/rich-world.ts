import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { TestUser } from '../helpers/api.js';
import { startDeployment, type Deployment, type Mode } from '../helpers/deployment.js';
import {
  builtWebUi,
  launchBrowser,
  openPerson,
  signUp,
  type Person,
  type WebTarget,
} from '../helpers/web.js';

/**
 * Two people at browsers (alice, bob) on a deployment of the given mode: one embedded node, or
 * two cluster nodes with alice's page on the first and bob's on the second, so everything one
 * does reaches the other across the bus. Shared by the reply, mention and system-line tests.
 */
export interface RichWorld {
  deployment: Deployment;
  browser: Browser;
  alice: Person;
  bob: Person;
}

export function useRichWorld(mode: Mode): () => RichWorld {
  let world: RichWorld | undefined;
  let browser: Browser | undefined;
  let deployment: Deployment | undefined;
  before(async () => {
    const webDir = await builtWebUi();
    deployment = await startDeployment(mode, { tweak: (c) => (c.webDir = webDir) });
    browser = await launchBrowser();
    const nodes = deployment.nodes;
    const alice = await signUp(browser, nodes[0]!, 'alice');
    const bob = await signUp(browser, nodes[nodes.length - 1]!, 'bob');
    world = { deployment, browser, alice, bob };
  });
  after(async () => {
    await browser?.close();
    await deployment?.dispose();
  });
  return () => {
    if (!world) throw new Error('the world is not started yet');
    return world;
  };
}

/** The message row whose own text (not a quote of it) contains `text`, under `scope`. */
export function messageWith(page: Page, text: string, scope = '.message-list') {
  return page.locator(`${scope} > .message`, {
    has: page.locator('.message-body', { hasText: text }),
  });
}

/** A cookie-authenticated REST call from inside a signed-in page; fails on a non-2xx answer. */
export async function rest<T = any>(
  page: Page,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const res = await page.evaluate(
    async ([method, path, body]) => {
      const res = await fetch(path, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : null };
    },
    [method, path, body] as const,
  );
  assert.ok(res.status < 300, `${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as T;
}

/** Another user, signed up over REST (no browser) on the deployment. */
export function signUpApi(world: RichWorld, name: string): Promise<TestUser> {
  return world.deployment.api.signup(name);
}

/** Sends a message as a REST user (optionally a reply); answers the stored message. */
export async function sendAs(
  world: RichWorld,
  user: TestUser,
  conversationId: string,
  body: string,
  replyTo?: number,
): Promise<{ seq: number; id: string }> {
  const res = await world.deployment.api.request(
    'POST',
    `/api/v1/conversations/${conversationId}/messages`,
    {
      token: user.token,
      body: { clientMsgId: `c-${Math.random().toString(36).slice(2)}`, body, replyTo },
    },
  );
  assert.ok(res.status < 300, JSON.stringify(res.body));
  return res.body.message;
}

/** The open conversation's rows as shown: messages (text, quote) and system lines, in order. */
export function shownRows(page: Page): Promise<string[]> {
  return page.$$eval('.message-list > li', (items) =>
    items.flatMap((li) => {
      if (li.classList.contains('system-line'))
        return [`— ${li.querySelector('.system-line-text')?.textContent ?? ''}`];
      if (!li.classList.contains('message')) return [];
      const quote = li.querySelector('.reply-quote');
      const body = li.querySelector('.message-body')?.textContent ?? '';
      if (!quote) return [body];
      const sender = quote.querySelector('.reply-quote-sender')?.textContent ?? '';
      const text = quote.querySelector('.reply-quote-text')?.textContent ?? '';
      return [`${body} ↩ ${sender}: ${text}`];
    }),
  );
}

/**
 * Waits until the open conversation shows exactly these rows (see {@link shownRows}), or with
 * `tail` these as its last rows.
 */
export async function expectRows(
  page: Page,
  expected: string[],
  options: { tail?: boolean; timeoutMs?: number } = {},
) {
  const tail = options.tail ?? false;
  await page
    .waitForFunction(
      ([want, tail]) => {
        const got = [...document.querySelectorAll('.message-list > li')].flatMap((li) => {
          if (li.classList.contains('system-line'))
            return [`— ${li.querySelector('.system-line-text')?.textContent ?? ''}`];
          if (!li.classList.contains('message')) return [];
          const quote = li.querySelector('.reply-quote');
          const body = li.querySelector('.message-body')?.textContent ?? '';
          if (!quote) return [body];
          const sender = quote.querySelector('.reply-quote-sender')?.textContent ?? '';
          const text = quote.querySelector('.reply-quote-text')?.textContent ?? '';
          return [`${body} ↩ ${sender}: ${text}`];
        });
        const shown = tail ? got.slice(-want.length) : got;
        return JSON.stringify(shown) === JSON.stringify(want);
      },
      [expected, tail] as const,
      { timeout: options.timeoutMs ?? 15_000 },
    )
    .catch(async (err: unknown) => {
      const got = await shownRows(page);
      assert.deepEqual(tail ? got.slice(-expected.length) : got, expected, String(err));
    });
}

/** Logs an existing person in on a new page of their own (another device: a phone, dark mode). */
export async function logIn(
  world: RichWorld,
  person: Person,
  node: WebTarget,
  options: Parameters<Browser['newContext']>[0] = {},
): Promise<Person> {
  const other = await openPerson(world.browser, node, person.name, options);
  await other.page.getByLabel('Username').fill(person.name);
  await other.page.getByLabel('Password').fill(person.password);
  await other.page.getByRole('button', { name: 'Log in', exact: true }).click();
  await other.page.getByRole('button', { name: `Account and settings (${person.name})` }).waitFor();
  return { ...other, password: person.password };
}

/** Interactive elements without an accessible name, from the accessibility tree. */
export async function unnamedControls(page: Page): Promise<string[]> {
  const tree = await page.locator('body').ariaSnapshot();
  return tree
    .split('\n')
    .filter((line) =>
      /^\s*- (button|link|textbox|combobox|checkbox|searchbox)\s*(\[.*\])?:?$/.test(line),
    );
}
