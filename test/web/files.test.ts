import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page, Request } from 'playwright-core';
import sharp from 'sharp';
import { formatBytes } from '../../src/client/index.js';
import type { TestNode } from '../helpers/node.js';
import {
  launchBrowser,
  openConversation,
  screenshot,
  signUp,
  startDm,
  startWebNode,
  type Person,
} from '../helpers/web.js';

/** The node's upload limit in this test: small, so an oversize file is cheap to make. */
const MAX_UPLOAD = 3 * 1024 * 1024;

/** A PNG of a diagonal gradient (so the thumbnail and the viewer show something real). */
async function gradientPng(width: number, height: number, hue: [number, number, number]) {
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const t = (x / width + y / height) / 2;
      const at = (y * width + x) * 3;
      pixels[at] = Math.round(hue[0] * (1 - t) + 255 * t * 0.35);
      pixels[at + 1] = Math.round(hue[1] * (1 - t) + 200 * t);
      pixels[at + 2] = Math.round(hue[2] * (1 - t) + 120 * t);
    }
  }
  return sharp(pixels, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
}

/** The upload requests (`POST /api/v1/files`) a page makes, from now on. */
function watchUploads(page: Page): Request[] {
  const seen: Request[] = [];
  page.on('request', (r) => {
    if (r.method() === 'POST' && new URL(r.url()).pathname === '/api/v1/files') seen.push(r);
  });
  return seen;
}

/** Records the page's CSP violations. */
async function watchCsp(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __csp: string[] };
    w.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) =>
      w.__csp.push(`${e.violatedDirective} ${e.blockedURI}`),
    );
  });
}

const cspViolations = (page: Page) =>
  page.evaluate(() => (window as unknown as { __csp: string[] }).__csp);

/** Drops files on the history as a person dragging them from their desktop would. */
async function dropFiles(page: Page, files: { name: string; type: string; base64: string }[]) {
  // No named functions in the page's code: the test's transpiler would wrap them in a helper
  // the page does not have.
  await page.evaluate((list) => {
    const data = new DataTransfer();
    for (const f of list) {
      const bytes = Uint8Array.from(atob(f.base64), (c) => c.charCodeAt(0));
      data.items.add(new File([bytes], f.name, { type: f.type }));
    }
    (window as unknown as { __drop: DataTransfer }).__drop = data;
    for (const type of ['dragenter', 'dragover']) {
      document
        .querySelector('.message-list')!
        .dispatchEvent(
          new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: data }),
        );
    }
  }, files);
  // The overlay shows while files are over the conversation.
  await page.locator('.drop-overlay').waitFor();
  await page.evaluate(() => {
    const data = (window as unknown as { __drop: DataTransfer }).__drop;
    document
      .querySelector('.message-list')!
      .dispatchEvent(
        new DragEvent('drop', { bubbles: true, cancelable: true, dataTransfer: data }),
      );
  });
}

/** Pastes a file into the composer, as a screenshot pasted from the clipboard arrives. */
async function pasteFile(page: Page, file: { name: string; type: string; base64: string }) {
  await page.evaluate((f) => {
    const data = new DataTransfer();
    const bytes = Uint8Array.from(atob(f.base64), (c) => c.charCodeAt(0));
    data.items.add(new File([bytes], f.name, { type: f.type }));
    document
      .getElementById('composer-input')!
      .dispatchEvent(
        new ClipboardEvent('paste', { bubbles: true, cancelable: true, clipboardData: data }),
      );
  }, file);
}

const chips = (p: Person) => p.page.locator('.attachment-tray .attachment-chip');

describe('web UI: files and images', () => {
  let node: TestNode;
  let browser: Browser;
  let ann: Person;
  let bob: Person;
  let carol: Person;
  let photo: Buffer;
  let second: Buffer;
  let third: Buffer;

  before(async () => {
    node = await startWebNode({
      tweak: (c) => {
        c.limits = { ...c.limits, maxUploadBytes: MAX_UPLOAD };
      },
    });
    browser = await launchBrowser();
    [photo, second, third] = await Promise.all([
      gradientPng(960, 640, [80, 72, 216]),
      gradientPng(640, 640, [30, 158, 87]),
      gradientPng(480, 720, [196, 43, 43]),
    ]);
    ann = await signUp(browser, node, 'ann');
    bob = await signUp(browser, node, 'bob');
    carol = await signUp(browser, node, 'carol');
    await watchCsp(ann.page);
    await watchCsp(bob.page);
  });

  after(async () => {
    await browser?.close();
    await node?.dispose();
  });

  it('[UI9][UI10][F5] ann shares images by the file picker, a drop and a paste; bob sees thumbnails and opens the viewer', async () => {
    await startDm(ann, 'bob');
    // The file picker (the paper clip's hidden input), then a caption: one message.
    await ann.page
      .locator('.composer input[type="file"]')
      .setInputFiles({ name: 'sunset.png', mimeType: 'image/png', buffer: photo });
    await chips(ann)
      .filter({ hasText: 'sunset.png' })
      .and(ann.page.locator('[data-state="done"]'))
      .waitFor();
    await ann.page.locator('#composer-input').fill('The view from the office');
    await ann.page.locator('#composer-input').press('Enter');
    await ann.page
      .locator('.message[data-state="sent"]', { hasText: 'The view from the office' })
      .locator('.attachment-image img')
      .waitFor();
    assert.equal(await chips(ann).count(), 0, 'the sent files leave the tray');

    // A drop on the history and a paste into the box: a message of two images and no text.
    await dropFiles(ann.page, [
      { name: 'meadow.png', type: 'image/png', base64: second.toString('base64') },
    ]);
    await pasteFile(ann.page, {
      name: 'poppy.png',
      type: 'image/png',
      base64: third.toString('base64'),
    });
    await ann.page.locator('.drop-overlay').waitFor({ state: 'detached' });
    await ann.page.locator('.attachment-tray [data-state="done"]').nth(1).waitFor();
    assert.deepEqual(await chips(ann).locator('.attachment-chip-name').allTextContents(), [
      'meadow.png',
      'poppy.png',
    ]);
    await ann.page.locator('#composer-input').press('Enter');
    const pair = ann.page.locator('.message[data-state="sent"]').filter({
      has: ann.page.locator('img[alt="poppy.png"]'),
    });
    await pair.waitFor();
    assert.equal(await pair.locator('.message-body').count(), 0, 'no empty text paragraph');

    // Bob: thumbnails with their size reserved before they load, lazily loaded, named.
    await openConversation(bob, 'ann');
    const thumbs = bob.page.locator('.message-list .attachment-image img');
    await thumbs.nth(2).waitFor();
    assert.deepEqual(await thumbs.evaluateAll((els) => els.map((e) => e.getAttribute('alt'))), [
      'sunset.png',
      'meadow.png',
      'poppy.png',
    ]);
    const first = thumbs.first();
    assert.equal(await first.getAttribute('width'), '400');
    // 960 × 640 fits inside 400 × 400 as 400 × 267 (or 266, as the encoder rounds).
    assert.match((await first.getAttribute('height')) ?? '', /^26[67]$/);
    assert.equal(await first.getAttribute('loading'), 'lazy');
    await bob.page.waitForFunction(() =>
      [...document.querySelectorAll<HTMLImageElement>('.attachment-image img')].every(
        (img) => img.complete && img.naturalWidth > 0,
      ),
    );
    assert.equal(await first.evaluate((img: HTMLImageElement) => img.naturalWidth), 400);

    // A click opens the full image in the viewer; Escape closes it and focus returns.
    await bob.page.getByRole('button', { name: 'Open image sunset.png' }).click();
    const viewer = bob.page.getByRole('dialog', { name: 'sunset.png' });
    await viewer.waitFor();
    const full = viewer.locator('img.image-viewer-image');
    await bob.page.waitForFunction(
      () =>
        document.querySelector<HTMLImageElement>('img.image-viewer-image')?.naturalWidth === 960,
    );
    assert.equal(await full.getAttribute('alt'), 'sunset.png');
    assert.match((await viewer.textContent()) ?? '', /960 × 640/);
    await screenshot(bob.page, 'image-viewer');
    const download = viewer.getByRole('link', { name: 'Download sunset.png' });
    assert.match(
      (await download.getAttribute('href')) ?? '',
      /\/api\/v1\/files\/[^/]+\?download=1$/,
    );
    await bob.page.keyboard.press('Escape');
    await viewer.waitFor({ state: 'detached' });
    assert.equal(
      await bob.page.evaluate(() => document.activeElement?.getAttribute('aria-label')),
      'Open image sunset.png',
    );

    // The second message's two images: → and ← step between them; a click outside closes.
    await bob.page.getByRole('button', { name: 'Open image meadow.png' }).click();
    await bob.page.getByRole('dialog', { name: 'meadow.png' }).waitFor();
    await bob.page.keyboard.press('ArrowRight');
    const poppy = bob.page.getByRole('dialog', { name: 'poppy.png' });
    await poppy.waitFor();
    assert.match((await poppy.textContent()) ?? '', /2 of 2/);
    await bob.page.keyboard.press('ArrowLeft');
    await bob.page.getByRole('dialog', { name: 'meadow.png' }).waitFor();
    await bob.page.mouse.click(8, 400);
    await bob.page.locator('dialog.image-viewer').waitFor({ state: 'detached' });

    assert.deepEqual(await cspViolations(bob.page), []);
    assert.deepEqual(await cspViolations(ann.page), []);
  });

  it('[UI10][F6] the file and its thumbnail are for the conversation only: a non-member gets 404', async () => {
    const src = await bob.page.locator('img[alt="sunset.png"]').getAttribute('src');
    assert.ok(src);
    const fileId = /\/api\/v1\/files\/([^/]+)\/thumbnail$/.exec(src)?.[1];
    assert.ok(fileId, src);
    for (const path of [`/api/v1/files/${fileId}`, src]) {
      const mine = await bob.context.request.get(`${node.url}${path}`);
      assert.equal(mine.status(), 200, path);
      const theirs = await carol.context.request.get(`${node.url}${path}`);
      assert.equal(theirs.status(), 404, path);
      assert.equal(((await theirs.json()) as { error: { code: string } }).error.code, 'not_found');
    }
  });

  it('[UI10][F6] a file that is not an image is a card with its size and a download link', async () => {
    const notes = Buffer.from('Agenda\n- budget\n- hiring\n'.repeat(40));
    await ann.page
      .locator('.composer input[type="file"]')
      .setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: notes });
    await ann.page.locator('.attachment-tray [data-state="done"]').waitFor();
    await ann.page.locator('#composer-input').fill('Notes for tomorrow');
    await ann.page.locator('#composer-input').press('Enter');

    const card = bob.page
      .locator('.message', { hasText: 'Notes for tomorrow' })
      .locator('.file-card');
    await card.waitFor();
    assert.equal(await card.locator('.file-card-name').textContent(), 'notes.txt');
    assert.equal(await card.locator('.file-card-size').textContent(), formatBytes(notes.length));
    const link = card.getByRole('link', { name: 'Download notes.txt' });
    const href = (await link.getAttribute('href')) ?? '';
    assert.match(href, /^\/api\/v1\/files\/[^/]+\?download=1$/);
    const answer = await bob.context.request.get(`${node.url}${href}`);
    assert.equal(answer.status(), 200);
    assert.match(
      answer.headers()['content-disposition'] ?? '',
      /^attachment; filename\*=UTF-8''notes\.txt/,
    );
    assert.equal((await answer.body()).toString(), notes.toString());

    await screenshot(bob.page, 'attachments', { docs: true });
    await bob.page.emulateMedia({ colorScheme: 'dark' });
    await screenshot(bob.page, 'attachments-dark', { docs: true });
    await bob.page.emulateMedia({ colorScheme: 'light' });
  });

  it('[UI9] an oversize, empty or folder file is refused before any upload request', async () => {
    const uploads = watchUploads(ann.page);
    await ann.page.locator('.composer input[type="file"]').setInputFiles([
      {
        name: 'huge.bin',
        mimeType: 'application/octet-stream',
        buffer: Buffer.alloc(MAX_UPLOAD + 1),
      },
      { name: 'blank.txt', mimeType: 'text/plain', buffer: Buffer.alloc(0) },
    ]);
    const toast = ann.page.locator('.toast-error');
    await toast.waitFor();
    const text = (await toast.textContent()) ?? '';
    assert.ok(
      text.includes(
        `“huge.bin” is too large (${formatBytes(MAX_UPLOAD + 1)}). The limit is ${formatBytes(MAX_UPLOAD)}.`,
      ),
      text,
    );
    assert.match(text, /“blank\.txt” is empty\./);
    assert.equal(await chips(ann).count(), 0);
    // A dropped folder: its DataTransfer entry says it is a directory (stubbed: a synthetic
    // DataTransfer cannot hold one).
    // (A string, not a function: the stub's function must not be renamed by the transpiler.)
    await ann.page.evaluate(`(() => {
      const data = new DataTransfer();
      data.items.add(new File(['x'], 'holiday', { type: '' }));
      const proto = DataTransferItem.prototype;
      const original = Object.getOwnPropertyDescriptor(proto, 'webkitGetAsEntry');
      Object.defineProperty(proto, 'webkitGetAsEntry', {
        configurable: true,
        value: function () { return { isDirectory: true }; },
      });
      const target = document.querySelector('.message-list');
      for (const type of ['dragenter', 'drop']) {
        target.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: data }));
      }
      Object.defineProperty(proto, 'webkitGetAsEntry', original);
    })()`);
    await ann.page.locator('.toast-error', { hasText: '“holiday” is a folder' }).waitFor();
    assert.equal(await chips(ann).count(), 0);
    // Files dropped beside the conversation (the sidebar) are ignored, not opened by the browser.
    const prevented = await ann.page.evaluate(() => {
      const data = new DataTransfer();
      data.items.add(new File(['x'], 'stray.txt', { type: 'text/plain' }));
      const drop = new DragEvent('drop', { bubbles: true, cancelable: true, dataTransfer: data });
      document.querySelector('.sidebar')!.dispatchEvent(drop);
      return drop.defaultPrevented;
    });
    assert.equal(prevented, true);
    assert.equal(await chips(ann).count(), 0);
    assert.deepEqual(
      uploads.map((r) => r.url()),
      [],
      'no upload request was made',
    );
  });

  it('[UI9] a larger file shows its progress; Enter waits for it; × on a stored one deletes it', async () => {
    const cdp = await ann.context.newCDPSession(ann.page);
    await cdp.send('Network.enable');
    // About two seconds for 2 MB: long enough to see the bar move.
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: 1_000_000,
    });
    await ann.page.locator('.composer input[type="file"]').setInputFiles({
      name: 'backup.bin',
      mimeType: 'application/octet-stream',
      buffer: randomBytes(2_000_000),
    });
    const progress = ann.page.locator('.attachment-chip progress');
    await progress.waitFor();
    assert.equal(await progress.getAttribute('max'), '2000000');
    await ann.page.waitForFunction(() => {
      const bar = document.querySelector<HTMLProgressElement>('.attachment-chip progress');
      return bar !== null && bar.value > 0 && bar.value < bar.max;
    });
    // Enter while it uploads says to wait, and sends nothing.
    await ann.page.locator('#composer-input').fill('The backup');
    await ann.page.locator('#composer-input').press('Enter');
    await ann.page
      .locator('.composer-held', { hasText: 'Wait for the upload to finish' })
      .waitFor();
    assert.equal(await ann.page.locator('.message', { hasText: 'The backup' }).count(), 0);
    await ann.page.locator('.attachment-tray [data-state="done"]').waitFor();
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: -1,
    });
    await ann.page.locator('.composer-held').waitFor({ state: 'detached' });

    // × on the stored upload deletes it on the server (it was never sent).
    const deleted = ann.page.waitForResponse(
      (r) => r.request().method() === 'DELETE' && /\/api\/v1\/files\/[^/]+$/.test(r.url()),
    );
    await ann.page.getByRole('button', { name: 'Remove backup.bin' }).click();
    assert.equal((await deleted).status(), 204);
    assert.equal(await chips(ann).count(), 0);
    await ann.page.locator('#composer-input').press('Enter');
    await ann.page.locator('.message[data-state="sent"]', { hasText: 'The backup' }).waitFor();
    assert.equal(
      await ann.page.locator('.message', { hasText: 'The backup' }).locator('.attachments').count(),
      0,
    );
    assert.deepEqual(ann.errors, []);
    assert.deepEqual(bob.errors, []);
  });

  it('[UI9][F3][G3] a refused send with a file shows the file, and Retry sends the same id with the same attachment ids', async () => {
    const attempts: { clientMsgId: string; attachments: string[] }[] = [];
    await ann.page.routeWebSocket(/\/api\/v1\/ws$/, (ws) => {
      const server = ws.connectToServer();
      ws.onMessage((message) => {
        const frame = JSON.parse(String(message)) as {
          type: string;
          body?: string;
          clientMsgId: string;
          attachments?: string[];
        };
        if (frame.type === 'send' && frame.body === 'Second try') {
          attempts.push({ clientMsgId: frame.clientMsgId, attachments: frame.attachments ?? [] });
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
    await ann.page.reload();
    await openConversation(ann, 'bob');
    await ann.page
      .locator('.composer input[type="file"]')
      .setInputFiles({ name: 'retry.png', mimeType: 'image/png', buffer: second });
    await ann.page.locator('.attachment-tray [data-state="done"]').waitFor();
    await ann.page.locator('#composer-input').fill('Second try');
    await ann.page.locator('#composer-input').press('Enter');
    // Refused: the message stays, with its file, marked not sent; Retry sends it again.
    const failed = ann.page.locator('.message[data-state="failed"]', { hasText: 'Second try' });
    await failed.getByText('Not sent: you cannot post here.').waitFor();
    await ann.page.waitForFunction(
      () =>
        (document.querySelector<HTMLImageElement>('.message.is-failed img[alt="retry.png"]')
          ?.naturalWidth ?? 0) > 0,
    );
    await failed.getByRole('button', { name: 'Retry', exact: true }).click();
    await ann.page.locator('.message[data-state="sent"]', { hasText: 'Second try' }).waitFor();
    await bob.page
      .locator('.message', { hasText: 'Second try' })
      .locator('img[alt="retry.png"]')
      .waitFor();
    assert.equal(attempts.length, 2);
    assert.equal(attempts[0]!.clientMsgId, attempts[1]!.clientMsgId);
    assert.equal(attempts[0]!.attachments.length, 1);
    assert.deepEqual(attempts[0]!.attachments, attempts[1]!.attachments);
    await ann.page.unrouteAll();
  });

  it('[UI9][R3] the thread panel attaches files too: an image alone as a reply in the thread', async () => {
    const root = bob.page.locator('.message-list .message', { hasText: 'Notes for tomorrow' });
    await root.locator('.bubble').hover();
    await root.getByRole('button', { name: 'Reply to ann' }).click();
    await bob.page.locator('#composer-input').fill('Thanks, reading them now');
    await bob.page.locator('#composer-input').press('Enter');
    await bob.page.getByRole('button', { name: '1 reply, open thread' }).click();
    const panel = bob.page.getByRole('complementary', { name: 'Thread' });
    await panel.locator('input[type="file"]').setInputFiles({
      name: 'whiteboard.png',
      mimeType: 'image/png',
      buffer: third,
    });
    await panel.locator('.attachment-tray [data-state="done"]').waitFor();
    await panel.getByRole('textbox', { name: 'Reply in thread' }).press('Enter');
    await panel.locator('.thread-list img[alt="whiteboard.png"]').waitFor();
    await bob.page.getByRole('button', { name: '2 replies, open thread' }).waitFor();
    // ann sees it inline, where it was sent, as a reply with its thumbnail.
    await ann.page.locator('.message-list img[alt="whiteboard.png"]').waitFor();
    assert.deepEqual(bob.errors, []);
  });
});
