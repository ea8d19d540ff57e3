import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import {
  builtWebUi,
  expectMessages,
  launchBrowser,
  screenshot,
  sendMessage,
  signUp,
  startDm,
  type Person,
} from '../helpers/web.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A node in a process of its own (test/web/fixtures/node-process.ts): it can be killed -9. */
interface NodeChild {
  url: string;
  proc: ChildProcess;
  exited: Promise<unknown>;
}

async function startChild(dataDir: string, port: number, webDir: string): Promise<NodeChild> {
  const proc = spawn(
    process.execPath,
    ['--import', 'tsx', 'test/web/fixtures/node-process.ts', dataDir, String(port), webDir],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const exited = once(proc, 'exit');
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: proc.stdout }).on('line', (line) => {
      if (line.startsWith('{"url"')) resolve((JSON.parse(line) as { url: string }).url);
    });
    void exited.then(() => reject(new Error(`node process ended before listening: ${stderr}`)));
  });
  return { url, proc, exited };
}

async function killHard(child: NodeChild): Promise<void> {
  if (child.proc.exitCode === null && child.proc.signalCode === null) child.proc.kill('SIGKILL');
  await child.exited;
}

describe('[UI17] web UI: the node a page is on dies (kill -9) and comes back', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-web-origin-'));
  let webDir: string;
  let child: NodeChild;
  let browser: Browser;
  let alice: Person;
  let bob: Person;

  before(async () => {
    webDir = await builtWebUi();
    child = await startChild(dataDir, 0, webDir);
    browser = await launchBrowser();
    alice = await signUp(browser, child, 'alice');
    bob = await signUp(browser, child, 'bob');
    await startDm(alice, 'bob');
    await sendMessage(alice, 'before the crash');
    await startDm(bob, 'alice');
    await expectMessages(bob, ['before the crash']);
  });

  after(async () => {
    await browser?.close();
    if (child) await killHard(child);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('says the server is not answering and what to do, keeps the unsent message, and recovers by itself', async () => {
    const { page } = alice;
    const origin = new URL(child.url).origin;
    const port = Number(new URL(child.url).port);
    await killHard(child);

    const banner = page.locator('.banner-region');
    await banner
      .getByText(`The server at ${origin} is not answering.`, { exact: false })
      .waitFor({ timeout: 30_000 });
    await banner.getByText('Your unsent messages are kept', { exact: false }).waitFor();
    const tryAgain = banner.getByRole('button', { name: 'Try again' });
    await tryAgain.waitFor();
    await sendMessage(alice, 'written while it was down');
    await page
      .locator('.message-mine[data-state="pending"]', { hasText: 'written while' })
      .waitFor();
    await screenshot(page, 'origin-down');

    // "Try again" with the node still down: one more attempt, and the same words.
    await tryAgain.click();
    await banner.getByText('is not answering', { exact: false }).waitFor({ timeout: 30_000 });

    // The node comes back on the same address: the page reconnects with no help.
    child = await startChild(dataDir, port, webDir);
    await page
      .locator('.message-mine[data-state="sent"]', { hasText: 'written while it was down' })
      .waitFor({ timeout: 30_000 });
    await banner.getByText('is not answering', { exact: false }).waitFor({ state: 'detached' });
    await expectMessages(bob, ['before the crash', 'written while it was down'], {
      timeoutMs: 30_000,
    });
    // Failed connections while the node was down are expected; uncaught page errors are not.
    assert.deepEqual(
      alice.errors.filter((e) => e.startsWith('pageerror')),
      [],
    );
  });
});
