import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import type { HaCluster } from '../../src/supervisor/ha-cluster.js';
import { startTestHaCluster } from '../helpers/ha.js';
import { waitUntil } from '../../src/supervisor/processes.js';
import {
  createAccount,
  expectMessages,
  launchBrowser,
  openConversation,
  openPerson,
  sendMessage,
  startDm,
  type Person,
} from '../helpers/web.js';

/** The web UI the chat nodes of the supervisor serve: this installation's `npm run build:web`. */
const DIST_WEB = fileURLToPath(new URL('../../dist/web/', import.meta.url));
/** Longest a fault may keep a browser from chatting before the test gives up. */
const RECOVERY_MS = 60_000;

/** Someone at a browser, with the chat node their page's WebSocket is on now. */
interface Chatter extends Person {
  /** From the `ready` frame of the page's open socket; null while it has none. */
  node: string | null;
  /** Every text this person sent, in the order they sent it. */
  sent: string[];
}

/** Opens a page on the front door, watches its sockets, and signs the person up. */
async function chatter(browser: Browser, url: string, name: string): Promise<Chatter> {
  const person: Chatter = { ...(await openPerson(browser, { url }, name)), node: null, sent: [] };
  person.page.on('websocket', (ws) => {
    ws.on('framereceived', ({ payload }) => {
      if (typeof payload !== 'string' || !payload.startsWith('{"type":"ready"')) return;
      person.node = (JSON.parse(payload) as { nodeId: string }).nodeId;
    });
    ws.on('close', () => {
      person.node = null;
    });
  });
  await createAccount(person);
  return person;
}

async function send(person: Chatter, text: string): Promise<void> {
  await sendMessage(person, text);
  person.sent.push(text);
}

/** Resolves with the ms from `since` until `text`, sent by `person`, shows as sent. */
async function shownSent(person: Chatter, text: string, since: number): Promise<number> {
  await person.page
    .locator('.message-mine[data-state="sent"]', { hasText: text })
    .waitFor({ timeout: RECOVERY_MS });
  return Date.now() - since;
}

/** The open conversation as displayed: each message's seq, delivery state and text. */
function rows(person: Person) {
  return person.page.$$eval('.message-list .message', (items) =>
    items.map((li) => ({
      seq: Number((li as HTMLElement).dataset.seq ?? 0),
      state: (li as HTMLElement).dataset.state ?? '',
      body: li.querySelector('.message-body')?.textContent ?? '',
    })),
  );
}

/**
 * Waits until both pages show every text in `texts` stored, then checks they show the same
 * messages in the same seq order, each exactly once, each person's own in the order sent.
 */
async function expectConverged(people: Chatter[], texts: string[]): Promise<void> {
  for (const person of people) {
    await person.page
      .waitForFunction(
        (want) => {
          const items = [...document.querySelectorAll<HTMLElement>('.message-list .message')];
          const shown = items.map((li) => li.querySelector('.message-body')?.textContent);
          return (
            items.every((li) => li.dataset.state === 'sent' && li.dataset.seq) &&
            shown.length === want.length &&
            want.every((text) => shown.includes(text))
          );
        },
        texts,
        { timeout: RECOVERY_MS },
      )
      .catch(async (err: unknown) => {
        assert.fail(`${person.name} shows ${JSON.stringify(await rows(person))}: ${String(err)}`);
      });
  }
  const [first, ...others] = await Promise.all(people.map(rows));
  assert.ok(first);
  for (const other of others) assert.deepEqual(other, first, 'both pages show the same history');
  const bodies = first.map((r) => r.body);
  assert.equal(new Set(bodies).size, bodies.length, `nothing doubled: ${bodies.join(' | ')}`);
  const seqs = first.map((r) => r.seq);
  assert.deepEqual(
    seqs,
    [...seqs].sort((a, b) => a - b),
    'in seq order',
  );
  for (const person of people)
    assert.deepEqual(
      bodies.filter((b) => person.sent.includes(b)),
      person.sent,
      `${person.name}'s messages in the order sent`,
    );
}

/** Uncaught errors in the pages (failed connections during a fault are expected, not these). */
function pageErrors(people: Person[]): string[] {
  return people.flatMap((p) => p.errors.filter((e) => e.startsWith('pageerror')));
}

describe('[K11] web UI on the HA stack: two browsers keep chatting through one URL across crashes', () => {
  let cluster: HaCluster;
  let browser: Browser;
  let alice: Chatter;
  let bob: Chatter;
  let people: Chatter[];
  const texts: string[] = [];

  before(
    async () => {
      cluster = await startTestHaCluster();
      browser = await launchBrowser();
    },
    { timeout: 150_000 },
  );

  after(async () => {
    await browser?.close();
    await cluster?.stop();
  });

  it('[K11][UI1] the front door serves the built web UI of the chat nodes', async () => {
    assert.ok(existsSync(`${DIST_WEB}index.html`), `no ${DIST_WEB}: run npm run build:web`);
    const built = readFileSync(`${DIST_WEB}index.html`, 'utf8');
    const script = /<script[^>]*\bsrc="([^"]+)"/.exec(built)?.[1];
    assert.ok(script, 'the build has its entry script');
    const res = await fetch(`${cluster.frontDoorUrl}/`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
    assert.ok((await res.text()).includes(`src="${script}"`), 'index.html of dist/web');
    assert.equal((await fetch(`${cluster.frontDoorUrl}${script}`)).status, 200);
  });

  it('[K11][UI5] two people sign up and chat in a DM through the front door', async () => {
    alice = await chatter(browser, cluster.frontDoorUrl, 'alice');
    bob = await chatter(browser, cluster.frontDoorUrl, 'bob');
    people = [alice, bob];
    await startDm(alice, 'bob');
    await send(alice, 'Hi Bob, through the front door');
    texts.push('Hi Bob, through the front door');
    await openConversation(bob, 'alice');
    await expectMessages(bob, texts);
    await send(bob, 'Hi Alice, me too');
    texts.push('Hi Alice, me too');
    await expectConverged(people, texts);
    console.log(`# alice's socket is on ${alice.node}, bob's on ${bob.node}`);
  });

  it('[K11][G1][G3][UI5] kill -9 of the primary PostgreSQL member: sends wait pending, then each is shown once on both pages', async () => {
    const old = await cluster.patroni.primary();
    assert.ok(old);
    const killedAt = Date.now();
    await old.kill();
    const during = [`${alice.name}: is the database down?`, `${bob.name}: looks like it`];
    await send(alice, during[0]!);
    await send(bob, during[1]!);
    texts.push(...during);
    for (const [i, person] of people.entries()) {
      await person.page
        .locator('.message-mine[data-state="pending"]', { hasText: during[i]! })
        .waitFor();
    }
    const pauses = await Promise.all(people.map((p, i) => shownSent(p, during[i]!, killedAt)));
    const next = await cluster.patroni.primary();
    assert.ok(next && next !== old, 'another member leads');
    console.log(
      `# ${old.name} (primary) killed: ${next.name} leads; first send shown sent after ` +
        `${pauses[0]} ms (alice), ${pauses[1]} ms (bob)`,
    );
    await send(alice, 'alice: back again');
    await send(bob, 'bob: yes, all here');
    texts.push('alice: back again', 'bob: yes, all here');
    await expectConverged(people, texts);
    assert.deepEqual(pageErrors(people), []);
  });

  it('[K11][G1][G3][UI5] kill -9 of the chat node each browser is on: both reconnect through the front door, nothing lost or doubled', async () => {
    const hit = new Set<string>();
    for (const victim of people) {
      if (hit.has(victim.name)) continue;
      await waitUntil(() => Promise.resolve(victim.node !== null), {
        timeoutMs: RECOVERY_MS,
        what: `${victim.name}'s page to be connected`,
      });
      const index = cluster.nodes.findIndex((n) => n.id === victim.node);
      const node = cluster.nodes[index];
      assert.ok(node, `${victim.name} is on ${victim.node}`);
      const onIt = people.filter((p) => p.node === node.id);
      for (const p of onIt) hit.add(p.name);
      const killedAt = Date.now();
      await node.kill();
      const during = people.map((p) => `${p.name}: ${node.id} is gone? (${p.sent.length})`);
      for (const [i, person] of people.entries()) await send(person, during[i]!);
      texts.push(...during);
      const pauses = await Promise.all(people.map((p, i) => shownSent(p, during[i]!, killedAt)));
      await expectConverged(people, texts);
      console.log(
        `# ${node.id} killed (${onIt.map((p) => p.name).join(' and ')} on it): first send shown ` +
          `sent after ${pauses[0]} ms (alice), ${pauses[1]} ms (bob); now alice on ` +
          `${alice.node}, bob on ${bob.node}`,
      );
      for (const p of onIt) assert.notEqual(p.node, node.id, `${p.name} moved to another node`);
      // Back in the front door's rotation before the next one dies.
      await node.start();
      await waitUntil(
        async () => (await cluster.haproxy.servers('chat')).every((s) => s.status === 'UP'),
        { timeoutMs: RECOVERY_MS, what: `${node.id} back behind the front door` },
      );
    }
    assert.deepEqual([...hit].sort(), ['alice', 'bob'], "each browser's node was killed");
    assert.deepEqual(pageErrors(people), []);
  });
});
