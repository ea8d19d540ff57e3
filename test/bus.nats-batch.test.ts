import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { connectNatsBus } from '../src/adapters/nats/nats-bus.js';
import { startNats, type NatsCluster } from '../src/supervisor/nats-server.js';
import { subjects, type Bus, type BusEvent } from '../src/ports/bus.js';

/** How long a test waits for expected events before failing with what it got. */
const DEADLINE_MS = 10_000;

const read = (seq: number, userId = 'u1'): BusEvent => ({
  type: 'read',
  userId,
  conversationId: 'c1',
  seq,
});

/** Collects a subject's events on `bus`; `until(n)` resolves with the first n. */
function collect(bus: Bus, subject: string) {
  const items: BusEvent[] = [];
  let wake = () => undefined as void;
  bus.subscribe(subject, (event) => {
    items.push(event);
    wake();
  });
  return {
    items,
    until: (count: number): Promise<BusEvent[]> =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`expected ${count} events, got ${items.length}`)),
          DEADLINE_MS,
        );
        const check = () => {
          if (items.length < count) return;
          clearTimeout(timer);
          resolve(items.slice(0, count));
        };
        wake = check;
        check();
      }),
  };
}

/**
 * Issue 18: what one turn of the event loop publishes leaves in one write, one NATS message per
 * subject. The server's own counter of received messages (`/varz` in_msgs) tells how many.
 */
describe('NATS bus: publications batched per turn', () => {
  let nats: NatsCluster | undefined;
  let a: Bus;
  let b: Bus;
  let raw: NatsConnection;
  before(async () => {
    nats = await startNats();
    a = await connectNatsBus(nats.urls, { name: 'batch-a' });
    b = await connectNatsBus(nats.urls, { name: 'batch-b' });
    raw = await connect({ servers: nats.urls });
  });
  after(async () => {
    await Promise.all([a?.close(), b?.close(), raw?.close()]);
    await nats?.stop();
  });

  /** Messages the server has received from clients so far. */
  const inMsgs = async (): Promise<number> => {
    const varz = (await (await fetch(`${nats!.servers[0]!.monitorUrl}/varz`)).json()) as {
      in_msgs: number;
    };
    return varz.in_msgs;
  };

  it('[Bus] 100 publications to one subject in one turn are one NATS message, delivered in order', async () => {
    const subject = subjects.conversation(randomUUID());
    const got = collect(b, subject);
    await b.flush();
    const before = await inMsgs();
    const events = Array.from({ length: 100 }, (_, i) => read(i + 1));
    for (const event of events) a.publish(subject, event);
    await a.flush();
    assert.deepEqual(await got.until(100), events);
    assert.equal((await inMsgs()) - before, 1);
  });

  it('[Bus] interleaved subjects in one turn: one message each, each subject in its own order', async () => {
    const names = [0, 1, 2].map(() => subjects.conversation(randomUUID()));
    const got = names.map((s) => collect(b, s));
    await b.flush();
    const before = await inMsgs();
    for (let i = 1; i <= 30; i++) a.publish(names[i % 3]!, read(i));
    await a.flush();
    for (const [k, g] of got.entries()) {
      const seqs = (await g.until(10)).map((e) => (e.type === 'read' ? e.seq : -1));
      assert.deepEqual(
        seqs,
        Array.from({ length: 10 }, (_, j) => j * 3 + (k === 0 ? 3 : k)),
      );
    }
    assert.equal((await inMsgs()) - before, 3);
  });

  it('[Bus] a turn larger than max_payload is split into messages under it; nothing is lost', async () => {
    const subject = subjects.conversation(randomUUID());
    const got = collect(b, subject);
    await b.flush();
    const before = await inMsgs();
    // Five events of ~300 KB against the default max_payload of 1 MiB: batches of 3 and 2.
    const events = Array.from({ length: 5 }, (_, i) => read(i + 1, 'x'.repeat(300_000)));
    for (const event of events) a.publish(subject, event);
    await a.flush();
    assert.deepEqual(await got.until(5), events);
    assert.equal((await inMsgs()) - before, 2);
  });

  it('[Bus] a message mixing events and junk delivers the events and skips the rest', async () => {
    const subject = subjects.conversation(randomUUID());
    const got = collect(b, subject);
    await b.flush();
    raw.publish(subject, JSON.stringify([read(1), 5, { type: 7 }, null, read(2)]));
    raw.publish(subject, 'not json');
    raw.publish(subject, JSON.stringify(read(3)));
    await raw.flush();
    assert.deepEqual(await got.until(3), [read(1), read(2), read(3)]);
  });
});
