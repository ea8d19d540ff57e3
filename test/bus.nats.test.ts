import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { connectNatsBus } from '../src/adapters/nats/nats-bus.js';
import { startNats, type NatsCluster } from '../src/supervisor/nats-server.js';
import { freePort } from '../src/supervisor/free-port.js';
import { waitUntil } from '../src/supervisor/processes.js';
import { subjects, type Bus, type BusEvent, type BusStatus } from '../src/ports/bus.js';
import { busContract } from './contract/bus.contract.js';

/** How long a test waits for an expected event or status before failing with what it got. */
const DEADLINE_MS = 10_000;

/** Records what arrives; `until` resolves once enough has, or fails past the deadline. */
class Recorder<T> {
  readonly items: T[] = [];
  #waiters: Array<{ count: number; resolve: () => void }> = [];

  readonly push = (item: T): void => {
    this.items.push(item);
    this.#waiters = this.#waiters.filter((w) => {
      if (this.items.length < w.count) return true;
      w.resolve();
      return false;
    });
  };

  until(count: number): Promise<void> {
    if (this.items.length >= count) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`expected ${count} items, got ${JSON.stringify(this.items)}`)),
        DEADLINE_MS,
      );
      this.#waiters.push({
        count,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }
}

function read(seq: number): BusEvent {
  return { type: 'read', userId: 'u1', conversationId: 'c1', seq };
}

function subject(): string {
  return subjects.conversation(randomUUID());
}

/**
 * Resolves once `to`'s subscriptions so far are known on `from`'s server. Interest crosses a
 * route asynchronously, after `flush()`; it travels in subscription order, so a probe subject
 * subscribed last that `from` can reach proves the earlier ones arrived too.
 */
async function untilRouted(from: Bus, to: Bus): Promise<void> {
  const probe = subject();
  let arrived = false;
  const subscription = to.subscribe(probe, () => (arrived = true));
  await to.flush();
  try {
    await waitUntil(
      async () => {
        from.publish(probe, read(0));
        await from.flush();
        return arrived;
      },
      { timeoutMs: DEADLINE_MS, what: 'subscriptions to cross the cluster' },
    );
  } finally {
    subscription.unsubscribe();
  }
}

/** Names of the client connections a server has (bus connections are named after their node). */
async function connectionNames(monitorUrl: string): Promise<string[]> {
  const body = (await (await fetch(`${monitorUrl}/connz`)).json()) as {
    connections?: Array<{ name?: string }>;
  };
  return (body.connections ?? []).map((c) => c.name ?? '');
}

describe('NATS bus', () => {
  let nats: NatsCluster | undefined;
  before(async () => {
    nats = await startNats();
  });
  after(() => nats?.stop());

  // Two connections stand for two nodes; on one server, `flush()` establishes subscriptions.
  busContract('nats', async () => {
    const urls = nats!.urls;
    const a = await connectNatsBus(urls, { name: 'a' });
    const b = await connectNatsBus(urls, { name: 'b' }).catch(async (err: unknown) => {
      await a.close();
      throw err;
    });
    return { a, b, dispose: () => Promise.all([a.close(), b.close()]).then(() => undefined) };
  });

  it('[O4] close() is idempotent; publish, subscribe and flush after it are harmless', async () => {
    const bus = await connectNatsBus(nats!.urls);
    await Promise.all([bus.close(), bus.close()]);
    await bus.close();
    assert.doesNotThrow(() => bus.publish(subject(), read(1)));
    assert.doesNotThrow(() => bus.subscribe(subject(), () => undefined).unsubscribe());
    await bus.flush();
  });

  it('[O4] flush() and close() resolve while no server is reachable', async () => {
    const lone = await startNats();
    let bus: Bus | undefined;
    try {
      bus = await connectNatsBus(lone.urls);
      const statuses = new Recorder<BusStatus>();
      bus.onStatus(statuses.push);
      await lone.servers[0]!.kill();
      await statuses.until(1);
      assert.doesNotThrow(() => bus!.publish(subject(), read(1)));
      await bus.flush();
      await bus.close();
      assert.deepEqual(statuses.items, ['disconnected']);
    } finally {
      await bus?.close();
      await lone.stop();
    }
  });

  it('[Bus] while NATS is down, a node still delivers its own events to its own subscribers', async () => {
    const lone = await startNats();
    let bus: Bus | undefined;
    try {
      bus = await connectNatsBus(lone.urls);
      const statuses = new Recorder<BusStatus>();
      bus.onStatus(statuses.push);
      const got = new Recorder<BusEvent>();
      const s = subject();
      bus.subscribe(s, got.push);
      await lone.servers[0]!.kill();
      await statuses.until(1);
      bus.publish(s, read(1));
      bus.publish(s, read(2));
      await got.until(2);
      assert.deepEqual(got.items, [read(1), read(2)]);
    } finally {
      await bus?.close();
      await lone.stop();
    }
  });

  it('[Bus] an unreachable server is a clear error naming it', async () => {
    const url = `nats://127.0.0.1:${await freePort()}`;
    await assert.rejects(connectNatsBus([url]), (err: Error) => {
      assert.match(err.message, /cannot reach NATS/);
      assert.ok(err.message.includes(url), err.message);
      return true;
    });
  });
});

describe('NATS bus on a 3-server cluster', () => {
  let cluster: NatsCluster | undefined;
  const buses: Bus[] = [];
  /** A bus that tries the cluster's servers in the given order (indexes into `cluster.urls`). */
  const open = async (name: string, order: number[]) => {
    const urls = order.map((i) => cluster!.urls[i]!);
    const bus = await connectNatsBus(urls, { name, randomize: false });
    buses.push(bus);
    return bus;
  };

  before(async () => {
    cluster = await startNats({ servers: 3 });
  });
  after(async () => {
    await Promise.all(buses.map((bus) => bus.close()));
    await cluster?.stop();
  });

  it('[W6] events cross the cluster between nodes on different servers, in order', async () => {
    const a = await open('cross-a', [0, 1, 2]);
    const b = await open('cross-b', [1, 2, 0]);
    assert.ok((await connectionNames(cluster!.servers[0]!.monitorUrl)).includes('cross-a'));
    assert.ok((await connectionNames(cluster!.servers[1]!.monitorUrl)).includes('cross-b'));
    const [toB, toA] = [subject(), subject()];
    const [atB, atA] = [new Recorder<BusEvent>(), new Recorder<BusEvent>()];
    b.subscribe(toB, atB.push);
    a.subscribe(toA, atA.push);
    await Promise.all([untilRouted(a, b), untilRouted(b, a)]);
    const events = Array.from({ length: 200 }, (_, i) => read(i + 1));
    for (const event of events) {
      a.publish(toB, event);
      b.publish(toA, event);
    }
    await Promise.all([atB.until(events.length), atA.until(events.length)]);
    assert.deepEqual(atB.items, events);
    assert.deepEqual(atA.items, events);
  });

  it('[Bus] a killed server: disconnected, reconnected to another, nothing published meanwhile is lost', async () => {
    const [first, second] = [cluster!.servers[0]!, cluster!.servers[1]!];
    const a = await open('kill-a', [0, 1, 2]);
    const b = await open('kill-b', [1, 2, 0]);
    const statuses = new Recorder<BusStatus>();
    a.onStatus(statuses.push);
    const s = subject();
    const [atB, atA] = [new Recorder<BusEvent>(), new Recorder<BusEvent>()];
    b.subscribe(s, atB.push);
    a.subscribe(s, atA.push);
    await untilRouted(a, b);
    a.publish(s, read(1));
    await a.flush();
    await atB.until(1);

    await first.kill();
    await statuses.until(1);
    assert.deepEqual(statuses.items, ['disconnected']);
    assert.doesNotThrow(() => {
      a.publish(s, read(2));
      a.publish(s, read(3));
    });
    await a.flush(); // resolves while disconnected too
    await statuses.until(2);
    assert.deepEqual(statuses.items, ['disconnected', 'reconnected']);
    assert.ok((await connectionNames(second.monitorUrl)).includes('kill-a'));

    a.publish(s, read(4));
    await Promise.all([atB.until(4), atA.until(4)]);
    assert.deepEqual(atB.items, [read(1), read(2), read(3), read(4)]);
    // a's own subscription was re-established on the new server before the re-sent events.
    assert.deepEqual(atA.items, [read(1), read(2), read(3), read(4)]);

    // Restarted on the same ports, the server rejoins the cluster and serves again.
    await first.restart();
    const c = await open('kill-c', [0]);
    await untilRouted(c, b);
    c.publish(s, read(5));
    await atB.until(5);
    assert.deepEqual(atB.items.at(-1), read(5));

    // Every reconnect is reported, not just the first: a's current server goes too.
    await second.kill();
    await statuses.until(4);
    assert.deepEqual(statuses.items, [
      'disconnected',
      'reconnected',
      'disconnected',
      'reconnected',
    ]);
    await second.restart();
  });

  it('[Bus] events in flight when the server dies are sent again after the reconnect', async () => {
    const third = cluster!.servers[2]!;
    const a = await open('flight-a', [2, 0, 1]);
    const b = await open('flight-b', [0, 1, 2]);
    const reconnected = new Recorder<BusStatus>();
    a.onStatus((status) => status === 'reconnected' && reconnected.push(status));
    const s = subject();
    const atB = new Recorder<BusEvent>();
    b.subscribe(s, atB.push);
    await untilRouted(a, b);
    const events = Array.from({ length: 500 }, (_, i) => read(i + 1));
    for (const event of events) a.publish(s, event);
    await third.kill(); // no flush: some events are still on their way
    await reconnected.until(1);
    // At least once: a run the server may have had is repeated, so keep first occurrences.
    const firstSeen = () => [...new Map(atB.items.map((e) => [JSON.stringify(e), e])).values()];
    while (firstSeen().length < events.length) await atB.until(atB.items.length + 1);
    assert.deepEqual(firstSeen(), events);
    await third.restart();
  });
});
