import type { Locator, Page } from 'playwright-core';
import { startDeployment, type Deployment, type Mode } from './deployment.js';
import { builtWebUi, type Person, type WebTarget } from './web.js';

/**
 * A deployment serving the freshly built web UI: one embedded node, or the two nodes of a
 * cluster (PostgreSQL and NATS), so that people on different nodes see each other live.
 */
export async function startWebDeployment(mode: Mode): Promise<Deployment> {
  const webDir = await builtWebUi();
  return startDeployment(mode, {
    tweak: (c) => {
      c.webDir = webDir;
    },
  });
}

/** The node the `index`th person's browser uses: in turn, so neighbours sit on different nodes. */
export function nodeFor(deployment: Deployment, index: number): WebTarget {
  return { url: deployment.nodes[index % deployment.nodes.length]!.url };
}

/** Creates a group through the New group dialog and waits until it is open. */
export async function createGroup(person: Person, name: string, members: string[]): Promise<void> {
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

/** A cookie-authenticated REST call from inside the page (same origin, so Origin is sent). */
export function fetchFromPage(page: Page, method: string, path: string, body?: unknown) {
  return page.evaluate(
    async ([method, path, body]) => {
      const res = await fetch(path, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    },
    [method, path, body] as const,
  );
}

/** The open conversation's id, from the address bar (`/c/:id`). */
export function openConversationId(person: Person): string {
  const match = /\/c\/([^/]+)$/.exec(new URL(person.page.url()).pathname);
  if (!match) throw new Error(`no conversation open at ${person.page.url()}`);
  return decodeURIComponent(match[1]!);
}

/** The stored message (row of the history) whose text contains `text`. */
export function messageRow(person: Person, text: string): Locator {
  return person.page.locator('.message-list > .message[data-seq]', { hasText: text });
}

/** The seq of the stored message whose text contains `text`. */
export async function seqOf(person: Person, text: string): Promise<number> {
  const row = messageRow(person, text);
  await row.waitFor();
  return Number(await row.getAttribute('data-seq'));
}
