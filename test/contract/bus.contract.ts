import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { Message } from '../../src/domain/model.js';
import { subjects, type Bus, type BusEvent } from '../../src/ports/bus.js';

/**
 * Two nodes' buses on one engine: `a` and `b` stand for two chat nodes (for NATS, two
 * connections to the same cluster; for the in-process bus, the same instance twice).
 */
export interface BusPair {
  a: Bus;
  b: Bus;
  /** Closes both buses (tolerating ones the test already closed) and frees the engine. */
  dispose(): Promise<void>;
}

/** Opens a fresh pair of buses; called once per test. */
export type OpenBus = () => Promise<BusPair>;

/** How long a test waits for an expected delivery before failing with what it got. */
const DELIVERY_DEADLINE_MS = 5_000;

/** Collects what a handler receives; `until` resolves once enough has arrived. */
class Inbox {
  readonly events: BusEvent[] = [];
  #waiters: Array<{ count: number; resolve: () => void }> = [];

  readonly handler = (event: BusEvent): void => {
    this.events.push(event);
    this.#waiters = this.#waiters.filter((w) => {
      if (this.events.length < w.count) return true;
      w.resolve();
      return false;
    });
  };

  /** Resolves once `count` events arrived; fails (not hangs) past the deadline. */
  until(count: number): Promise<void> {
    if (this.events.length >= count) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`expected ${count} events, got ${this.events.length}`));
      }, DELIVERY_DEADLINE_MS);
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

/** A unique subject per test, so tests never see each other's traffic. */
function subject(): string {
  return subjects.conversation(randomUUID());
}

function read(seq: number, conversationId = 'c1'): BusEvent {
  return { type: 'read', userId: 'u1', conversationId, seq };
}

/**
 * The Bus contract (STYLE principle 2): every Bus adapter registers this suite with one call,
 * e.g. `busContract('memory', open)`. Publishing on `a` and subscribing on `b` checks
 * delivery between nodes. Subscriptions count as established once `flush()` resolved on the
 * subscribing bus, so tests flush both buses before they publish.
 */
export function busContract(name: string, open: OpenBus): void {
  describe(`Bus contract: ${name}`, () => {
    let pair: BusPair;
    let a: Bus;
    let b: Bus;
    const settle = () => Promise.all([a.flush(), b.flush()]);

    beforeEach(async () => {
      pair = await open();
      ({ a, b } = pair);
    });
    afterEach(() => pair.dispose());

    it('[W6] a subscriber receives events published on its subject, from any node', async () => {
      const s = subject();
      const local = new Inbox();
      const remote = new Inbox();
      a.subscribe(s, local.handler);
      b.subscribe(s, remote.handler);
      await settle();
      a.publish(s, read(1));
      await Promise.all([local.until(1), remote.until(1)]);
      assert.deepEqual(local.events, [read(1)]);
      assert.deepEqual(remote.events, [read(1)]);
    });

    it('[W6] a subscriber receives only its own subject', async () => {
      const conversationId = randomUUID();
      const names = [
        subjects.conversation(conversationId),
        subjects.conversation(`${conversationId}x`),
        subjects.user(conversationId),
      ];
      const inboxes = names.map(() => new Inbox());
      names.forEach((s, i) => b.subscribe(s, inboxes[i]!.handler));
      await settle();
      names.forEach((s, i) => a.publish(s, read(i + 1)));
      // A second round acts as the barrier: once it arrived, any stray first-round event had too.
      names.forEach((s, i) => a.publish(s, read(i + 11)));
      await Promise.all(inboxes.map((inbox) => inbox.until(2)));
      inboxes.forEach((inbox, i) => assert.deepEqual(inbox.events, [read(i + 1), read(i + 11)]));
    });

    it('[W5] events from one publisher arrive in publish order, per subject', async () => {
      const [s1, s2] = [subject(), subject()];
      const [in1, in2] = [new Inbox(), new Inbox()];
      b.subscribe(s1, in1.handler);
      b.subscribe(s2, in2.handler);
      await settle();
      const count = 500;
      for (let seq = 1; seq <= count; seq++) {
        a.publish(s1, read(seq, 's1'));
        a.publish(s2, read(seq, 's2'));
      }
      await Promise.all([in1.until(count), in2.until(count)]);
      const expected = (id: string) => Array.from({ length: count }, (_, i) => read(i + 1, id));
      assert.deepEqual(in1.events, expected('s1'));
      assert.deepEqual(in2.events, expected('s2'));
    });

    it('[W6] every subscriber of a subject gets every event', async () => {
      const s = subject();
      const inboxes = [new Inbox(), new Inbox(), new Inbox()];
      a.subscribe(s, inboxes[0]!.handler);
      b.subscribe(s, inboxes[1]!.handler);
      b.subscribe(s, inboxes[2]!.handler);
      await settle();
      const events = Array.from({ length: 10 }, (_, i) => read(i + 1));
      for (const event of events) a.publish(s, event);
      await Promise.all(inboxes.map((inbox) => inbox.until(events.length)));
      for (const inbox of inboxes) assert.deepEqual(inbox.events, events);
    });

    it('[W6] two subscriptions with the same handler are independent', async () => {
      const s = subject();
      const inbox = new Inbox();
      const first = b.subscribe(s, inbox.handler);
      b.subscribe(s, inbox.handler);
      await settle();
      a.publish(s, read(1));
      await inbox.until(2);
      first.unsubscribe();
      await settle();
      a.publish(s, read(2));
      await inbox.until(3);
      assert.deepEqual(inbox.events, [read(1), read(1), read(2)]);
    });

    it('[G6] unsubscribe stops delivery and is idempotent', async () => {
      const s = subject();
      const [gone, stays] = [new Inbox(), new Inbox()];
      const subscription = b.subscribe(s, gone.handler);
      b.subscribe(s, stays.handler);
      await settle();
      a.publish(s, read(1));
      await Promise.all([gone.until(1), stays.until(1)]);

      subscription.unsubscribe();
      subscription.unsubscribe();
      await settle();
      a.publish(s, read(2));
      a.publish(s, read(3));
      await stays.until(3);
      assert.deepEqual(gone.events, [read(1)]);
      assert.deepEqual(stays.events, [read(1), read(2), read(3)]);
    });

    it('[G6] unsubscribing inside a handler stops the events already on their way', async () => {
      const s = subject();
      const stays = new Inbox();
      const seen: BusEvent[] = [];
      const subscription = b.subscribe(s, (event) => {
        seen.push(event);
        subscription.unsubscribe();
      });
      b.subscribe(s, stays.handler);
      await settle();
      for (let seq = 1; seq <= 5; seq++) a.publish(s, read(seq));
      await stays.until(5);
      assert.deepEqual(seen, [read(1)]);
    });

    it('[Bus] publishing with no subscriber is fine, and nothing is replayed later', async () => {
      const s = subject();
      a.publish(s, read(1));
      await settle();
      const inbox = new Inbox();
      b.subscribe(s, inbox.handler);
      await settle();
      a.publish(s, read(2));
      await inbox.until(1);
      assert.deepEqual(inbox.events, [read(2)]);
    });

    it('[Bus] a throwing handler does not stop delivery to other handlers or later events', async () => {
      const s = subject();
      let thrown = 0;
      const inbox = new Inbox();
      b.subscribe(s, () => {
        thrown += 1;
        throw new Error('handler failure');
      });
      b.subscribe(s, inbox.handler);
      await settle();
      for (let seq = 1; seq <= 3; seq++) a.publish(s, read(seq));
      await inbox.until(3);
      assert.deepEqual(inbox.events, [read(1), read(2), read(3)]);
      assert.equal(thrown, 3);
    });

    it('[O4] flush() resolves after earlier events reached this bus’s own subscribers', async () => {
      const s = subject();
      const inbox = new Inbox();
      a.subscribe(s, inbox.handler);
      await a.flush();
      const events = Array.from({ length: 50 }, (_, i) => read(i + 1));
      for (const event of events) a.publish(s, event);
      await a.flush();
      assert.deepEqual(inbox.events, events);
      await a.flush();
    });

    it('[W6] every kind of event round-trips intact between nodes', async () => {
      const conversationId = randomUUID();
      const s = subjects.conversation(conversationId);
      const message: Message = {
        id: '01HZX0000000000000000000AB',
        conversationId,
        seq: 7,
        sender: 'u1',
        senderName: 'alice',
        clientMsgId: 'client-7',
        body: 'héllo 👋 "quoted" <b>\\n</b>\nline two\u0000end',
        createdAt: 1_700_000_000_123,
        editedAt: null,
        deletedAt: null,
        replyTo: null,
        threadRoot: null,
        mentions: [],
        mentionsAll: false,
        reply: null,
        replyCount: 0,
        reactions: [],
        attachments: [],
        deletedBy: null,
      };
      const events: BusEvent[] = [
        { type: 'timeline', entry: { kind: 'message', message } },
        {
          type: 'timeline',
          entry: { kind: 'message', message: { ...message, seq: 8, editedAt: 2, deletedAt: 3 } },
        },
        {
          type: 'timeline',
          entry: {
            kind: 'event',
            event: {
              conversationId,
              seq: 9,
              type: 'member.added',
              actor: 'u1',
              data: { userId: 'u2', username: 'ünï', role: 'member' },
              createdAt: 1_700_000_000_999,
            },
          },
        },
        {
          type: 'timeline',
          entry: {
            kind: 'event',
            event: {
              conversationId,
              seq: 10,
              type: 'conversation.created',
              actor: 'u1',
              data: {
                name: 'tëam 🎉',
                members: [
                  { userId: 'u1', username: 'bob' },
                  { userId: 'u2', username: 'ünï' },
                ],
              },
              createdAt: 1_700_000_001_000,
            },
          },
        },
        {
          type: 'timeline',
          entry: {
            kind: 'event',
            event: {
              conversationId,
              seq: 11,
              type: 'conversation.renamed',
              actor: 'u1',
              data: { name: 'x', previous: null },
              createdAt: 1_700_000_001_001,
            },
          },
        },
        { type: 'conversation.deleted', conversationId, actor: 'u1' },
        { type: 'typing', conversationId, userId: 'u2', username: 'bob' },
        { type: 'presence', conversationId, userId: 'u2', username: 'bob', online: false },
        { type: 'joined', userId: 'u2', conversationId, fromSeq: 1 },
        { type: 'revoked', userId: 'u2', sessionId: null },
        { type: 'revoked', userId: 'u2', sessionId: 's1' },
        { type: 'read', userId: 'u2', conversationId, seq: 9 },
        { type: 'receipt', conversationId, userId: 'u2', seq: 9 },
      ];
      const inbox = new Inbox();
      b.subscribe(s, inbox.handler);
      await settle();
      for (const event of events) a.publish(s, event);
      await inbox.until(events.length);
      assert.deepEqual(inbox.events, events);
    });

    it('[O4] close() resolves; publishing afterwards neither throws nor delivers', async () => {
      const s = subject();
      const inbox = new Inbox();
      b.subscribe(s, inbox.handler);
      await settle();
      a.publish(s, read(1));
      await inbox.until(1);
      await a.close();
      await b.close();
      assert.doesNotThrow(() => a.publish(s, read(2)));
      // One macrotask turn lets any in-process delivery run; a closed network bus sends nothing.
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(inbox.events, [read(1)]);
    });

    it('[Bus] engine names the adapter', () => {
      assert.equal(typeof a.engine, 'string');
      assert.ok(a.engine.length > 0);
      assert.equal(b.engine, a.engine);
    });
  });
}
