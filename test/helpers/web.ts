import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startTestNode, type TestNode } from './node.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Debian's Chromium (`.ci/run` installs it); PARLEY_CHROMIUM points elsewhere. */
export const CHROMIUM = process.env.PARLEY_CHROMIUM ?? '/usr/bin/chromium';

/** What the web UI build reads: a change to any of these means a new build. */
const BUILD_INPUTS = ['web', 'src/client', 'src/protocol', 'package-lock.json'];

function collect(path: string, out: string[]): string[] {
  if (!existsSync(path)) return out;
  if (statSync(path).isDirectory()) {
    for (const entry of readdirSync(path).sort()) {
      // Vite's temporary bundles of its config file come and go while other builds run.
      if (!entry.includes('.timestamp-')) collect(join(path, entry), out);
    }
  } else {
    out.push(path);
  }
  return out;
}

/**
 * The built web UI for the current sources. Builds it once per content (keyed by a hash of
 * its inputs) into node_modules/.cache/parley-web/, so test files running in parallel share
 * one build, and a developer's `npm run build` rewriting dist/web never disturbs a test.
 */
export async function builtWebUi(): Promise<string> {
  const hash = createHash('sha256');
  for (const file of BUILD_INPUTS.flatMap((p) => collect(join(ROOT, p), []))) {
    hash.update(relative(ROOT, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  const cache = join(ROOT, 'node_modules', '.cache', 'parley-web');
  const dir = join(cache, hash.digest('hex').slice(0, 16));
  if (existsSync(join(dir, 'index.html'))) return dir;
  mkdirSync(cache, { recursive: true });
  const tmp = `${dir}.tmp-${process.pid}`;
  const { build } = await import('vite');
  await build({
    configFile: join(ROOT, 'web', 'vite.config.ts'),
    configLoader: 'runner',
    logLevel: 'warn',
    build: { outDir: tmp, emptyOutDir: true },
  });
  try {
    renameSync(tmp, dir);
  } catch {
    // Another test process finished the same build first: use theirs.
    rmSync(tmp, { recursive: true, force: true });
  }
  assert.ok(existsSync(join(dir, 'index.html')), `web UI build missing in ${dir}`);
  for (const entry of readdirSync(cache)) {
    const path = join(cache, entry);
    // Builds of older sources, a day after they were made.
    if (path !== dir && Date.now() - statSync(path).mtimeMs > 86_400_000)
      rmSync(path, { recursive: true, force: true });
  }
  return dir;
}

/** A node in this process serving the freshly built web UI. */
export async function startWebNode(config: Parameters<typeof startTestNode>[0] = {}) {
  const webDir = await builtWebUi();
  return startTestNode({
    ...config,
    tweak: (c) => {
      c.webDir = webDir;
      config.tweak?.(c);
    },
  });
}

/** Headless Chromium with everything that would reach the network switched off. */
export async function launchBrowser(): Promise<Browser> {
  assert.ok(
    existsSync(CHROMIUM),
    `${CHROMIUM} not found: install Debian's chromium (apt-get install chromium), as .ci/run does`,
  );
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless=new',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** One person at a browser: their own context (cookies), one page, errors collected. */
export interface Person {
  name: string;
  password: string;
  context: BrowserContext;
  page: Page;
  /** Uncaught page errors and console errors other than expected failed requests. */
  errors: string[];
}

/** Where a page is opened: a node, or any URL that serves the web UI (a front door). */
export type WebTarget = Pick<TestNode, 'url'>;

/** Opens a page at the node for someone (not signed in yet). */
export async function openPerson(
  browser: Browser,
  node: WebTarget,
  name: string,
  options: Parameters<Browser['newContext']>[0] = {},
): Promise<Person> {
  const context = await browser.newContext({
    baseURL: node.url,
    viewport: { width: 1280, height: 800 },
    locale: 'en-GB',
    timezoneId: 'Europe/Paris',
    ...options,
  });
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    // Refused requests (401 before login, 403 in refusal tests) are logged by the browser.
    if (msg.type() === 'error' && !/Failed to load resource/.test(msg.text()))
      errors.push(`console: ${msg.text()}`);
  });
  await page.goto('/');
  return { name, password: `pw-${name}-secret`, context, page, errors };
}

/** Registers through the sign-up form and waits for the signed-in screen. */
export async function signUp(browser: Browser, node: WebTarget, name: string, options = {}) {
  const person = await openPerson(browser, node, name, options);
  await createAccount(person);
  return person;
}

/** Fills in the sign-up form of a page opened by {@link openPerson}; waits until signed in. */
export async function createAccount(person: Person): Promise<void> {
  const { page, name } = person;
  await page.getByRole('button', { name: 'Create an account' }).click();
  await page.getByLabel('Username').fill(name);
  await page.getByLabel('Password').fill(person.password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('heading', { name: `Hi ${name}!` }).waitFor();
}

/** Starts (or opens) the DM with `peer` through the New message dialog and its search. */
export async function startDm(person: Person, peer: string, query = peer): Promise<void> {
  const { page } = person;
  await page.getByRole('button', { name: 'New message' }).first().click();
  const dialog = page.getByRole('dialog', { name: 'New message' });
  await dialog.getByLabel('To').fill(query);
  await dialog.getByRole('button', { name: new RegExp(`^${peer}\\b`) }).click();
  await page.getByRole('heading', { level: 1, name: peer }).waitFor();
}

/** Opens a conversation from the sidebar. */
export async function openConversation(person: Person, title: string): Promise<void> {
  const nav = person.page.getByRole('navigation', { name: 'Conversations' });
  await nav.getByRole('link', { name: new RegExp(`^${title}\\b`) }).click();
  await person.page.getByRole('heading', { level: 1, name: title }).waitFor();
}

/** Types a message in the open conversation and presses Enter. */
export async function sendMessage(person: Person, text: string): Promise<void> {
  const box = person.page.locator('#composer-input');
  await box.fill(text);
  await box.press('Enter');
}

/** The open conversation's message texts, in display order (own pending ones included). */
export function messageBodies(person: Person): Promise<string[]> {
  return person.page.locator('.message-list .message-body').allTextContents();
}

/** Waits until the open conversation shows exactly these texts, in this order. */
export async function expectMessages(
  person: Person,
  expected: string[],
  { timeoutMs = 15_000 } = {},
): Promise<void> {
  await person.page
    .waitForFunction(
      (want) => {
        const got = [...document.querySelectorAll('.message-list .message-body')].map(
          (el) => el.textContent,
        );
        return JSON.stringify(got) === JSON.stringify(want);
      },
      expected,
      { timeout: timeoutMs },
    )
    .catch(async (err: unknown) => {
      assert.deepEqual(await messageBodies(person), expected, String(err));
    });
}

/**
 * Saves a screenshot to test-artifacts/screenshots/. Those marked `docs` are the ones the
 * README shows: PARLEY_DOCS_SCREENSHOTS=1 also refreshes their copies in docs/screenshots/.
 */
export async function screenshot(
  page: Page,
  name: string,
  options: { docs?: boolean } = {},
): Promise<void> {
  const dir = join(ROOT, 'test-artifacts', 'screenshots');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.png`);
  await page.screenshot({ path, animations: 'disabled', caret: 'hide' });
  if (options.docs && process.env.PARLEY_DOCS_SCREENSHOTS === '1') {
    mkdirSync(join(ROOT, 'docs', 'screenshots'), { recursive: true });
    copyFileSync(path, join(ROOT, 'docs', 'screenshots', `${name}.png`));
  }
}
