import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ParleyClient } from '../../src/client/client.js';
import { nodeWebSocket } from '../../src/client/node.js';
import type { HaCluster } from '../../src/supervisor/ha-cluster.js';
import { startTestHaCluster } from '../helpers/ha.js';
import type { PatroniMember } from '../../src/supervisor/patroni.js';
import { waitUntil } from '../../src/supervisor/processes.js';
import type { MessageDto } from '../../src/protocol/schemas.js';

/** Longest a fault may keep every send from being acknowledged before the test gives up. */
const RECOVERY_MS = 60_000;

/**
 * Senders that each send one message at a time into one group, through the client library
 * (its outbox retries `unavailable` sends with the same clientMsgId, rule G3), and record every
 * acknowledgement with the time it arrived.
 */
class Load {
  readonly acked: Array<{ message: MessageDto; at: number }> = [];
  #running = true;
  readonly #loops: Array<Promise<void>>;

  constructor(
    readonly clients: ParleyClient[],
    readonly conversationId: string,
  ) {
    this.#loops = clients.map((client, i) => this.#loop(client, i));
  }

  async #loop(client: ParleyClient, i: number): Promise<void> {
    for (let k = 0; this.#running; k++) {
      const message = await client.send(this.conversationId, `c${i}-${k}`).done;
      this.acked.push({ message, at: Date.now() });
    }
  }

  /** Resolves once `n` more sends are acknowledged (the deployment accepts writes again). */
  async progress(n: number): Promise<void> {
    const target = this.acked.length + n;
    await waitUntil(() => Promise.resolve(this.acked.length >= target), {
      timeoutMs: RECOVERY_MS,
      what: `${n} more acknowledged sends`,
    });
  }

  /** The longest time without any acknowledgement since `since` (a write-unavailability window). */
  window(since: number): number {
    let last = since;
    let longest = 0;
    for (const { at } of this.acked) {
      if (at < since) continue;
      longest = Math.max(longest, at - last);
      last = at;
    }
    return longest;
  }

  /** Stops sending; resolves once every send in flight is acknowledged. */
  async stop(): Promise<void> {
    this.#running = false;
    await Promise.all(this.#loops);
  }
}

async function client(urls: string[], name: string): Promise<ParleyClient> {
  const c = new ParleyClient({
    urls,
    webSocket: nodeWebSocket,
    backoff: { baseMs: 100, maxMs: 1_000 },
    retryDelayMs: 250,
  });
  await c.register(name, `${name}-password`);
  await c.login(name, `${name}-password`);
  c.connect();
  await c.online();
  return c;
}

describe('HA store: PostgreSQL under Patroni, etcd and HAProxy, under a send load', () => {
  let ha: HaCluster;
  let load: Load;
  const clients: ParleyClient[] = [];
  const windows: Record<string, number> = {};

  before(async () => {
    ha = await startTestHaCluster();
    for (let i = 0; i < 4; i++) {
      // Senders on both nodes, each knowing both (they fail over between nodes too).
      const urls = i % 2 === 0 ? ha.urls : [...ha.urls].reverse();
      clients.push(await client(urls, `sender${i}`));
    }
    const group = await clients[0]!.api.createGroup(
      'ha',
      clients.slice(1).map((_, i) => `sender${i + 1}`),
    );
    load = new Load(clients, group.conversation.id);
    await load.progress(20);
  });

  after(async () => {
    for (const c of clients) c.close();
    await ha?.stop();
    if (Object.keys(windows).length) console.log('write-unavailability windows (ms):', windows);
  });

  /** Crashes members at one instant; returns when writes are acknowledged again. */
  async function crash(name: string, members: PatroniMember[]): Promise<void> {
    const since = Date.now();
    await Promise.all(members.map((m) => m.kill()));
    await load.progress(20);
    windows[name] = load.window(since);
  }

  async function primary(): Promise<PatroniMember> {
    const leader = await ha.patroni.waitForSyncStandbys({ count: 0, timeoutMs: RECOVERY_MS });
    return leader;
  }

  it('[K11][G1] kill -9 of the primary, then of the new primary: writes resume each time', async () => {
    const first = await primary();
    await crash('primary', [first]);
    // The survivor to be promoted next must be a synchronous standby of the new primary: Patroni
    // never promotes an asynchronous replica, which may lack acknowledged commits.
    const second = await ha.patroni.waitForSyncStandbys({ count: 1, timeoutMs: RECOVERY_MS });
    assert.notEqual(second.name, first.name, 'another member leads');
    await crash('new primary', [second]);
    await Promise.all([first.start(), second.start()]);
    await ha.patroni.waitForSyncStandbys({ timeoutMs: RECOVERY_MS });
  });

  it('[K11][G1] the primary and a standby crash in the same instant: the survivor takes over', async () => {
    const leader = await primary();
    const standby = ha.patroni.members.find((m) => m !== leader)!;
    await crash('primary + standby', [leader, standby]);
    await Promise.all([leader.start(), standby.start()]);
    await ha.patroni.waitForSyncStandbys({ timeoutMs: RECOVERY_MS });
  });

  it('[K11] two of five etcd members killed: the store keeps its leader and writes go on', async () => {
    const since = Date.now();
    const [a, b] = ha.etcd.members;
    await Promise.all([a!.kill(), b!.kill()]);
    await load.progress(30);
    windows['two etcd members'] = load.window(since);
    await Promise.all([a!.start(), b!.start()]);
    await load.progress(10);
  });

  it('[G1][G2][G3] every acknowledged message is in the history at its acked seq, once; no seq reused or skipped', async () => {
    await load.stop();
    const history: MessageDto[] = [];
    for (let after = 0; ;) {
      const page = (await clients[0]!.api.history(load.conversationId, { after, limit: 100 }))
        .messages;
      history.push(...page);
      if (page.length < 100) break;
      after = page.at(-1)!.seq;
    }
    const bySeq = new Map(history.map((m) => [m.seq, m]));
    for (const { message } of load.acked) {
      assert.equal(bySeq.get(message.seq)?.id, message.id, `acked seq ${message.seq} is there`);
    }
    assert.equal(new Set(history.map((m) => m.clientMsgId)).size, history.length, 'no duplicates');
    // seq 1 is conversation.created, 2-4 the members added; messages take every seq after.
    const seqs = history.map((m) => m.seq);
    assert.deepEqual(
      seqs,
      Array.from({ length: seqs.length }, (_, i) => seqs[0]! + i),
      'gap-free',
    );
    assert.equal(history.length, load.acked.length, 'nothing stored that was not acknowledged');
    console.log(
      `acked ${load.acked.length}, lost 0, duplicates 0, windows (ms) ${JSON.stringify(windows)}`,
    );
  });
});
