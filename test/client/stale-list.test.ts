import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ParleyClient } from '../../src/client/client.js';
import type { ConversationDto } from '../../src/protocol/schemas.js';
import { conversationDto } from '../helpers/dtos.js';
import { fakeNetwork, messageFrame, readyFrame } from './fake-socket.js';

/**
 * A conversation list the node read before a message it then delivered live: the REST answer
 * crosses the message on the way. REST is played by the test (each list request is answered
 * when the test says), the socket by the fake network.
 */
function heldLists() {
  const waiting: Array<(list: ConversationDto[]) => void> = [];
  let asked = 0;
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  const fetch: typeof globalThis.fetch = (input) => {
    const path = new URL(input instanceof Request ? input.url : String(input)).pathname;
    if (path !== '/api/v1/conversations')
      return Promise.resolve(new Response(JSON.stringify({ nodes: [] }), { status: 200 }));
    asked += 1;
    for (const w of waiters.filter((w) => w.n <= asked)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
    return new Promise((resolve) =>
      waiting.push((conversations) =>
        resolve(new Response(JSON.stringify({ conversations }), { status: 200 })),
      ),
    );
  };
  return {
    fetch,
    /** Resolves once the client has asked for the list `n` times in all. */
    requested(n: number): Promise<void> {
      if (asked >= n) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ n, resolve }));
    },
    answer(list: ConversationDto[]): void {
      const next = waiting.shift();
      assert.ok(next, 'a list request is waiting');
      next(list);
    },
  };
}

describe('client: a stale conversation list', () => {
  it('[C10][G4] a list read before a live message never rolls its summary back, and is read again', async () => {
    const rest = heldLists();
    const net = fakeNetwork();
    const c = new ParleyClient({
      urls: ['http://a.test'],
      token: 'tok',
      webSocket: net.factory,
      fetch: rest.fetch,
      backoff: { baseMs: 1, maxMs: 4, random: () => 1 },
      retryDelayMs: 1,
    });
    const first = rest.requested(1);
    c.connect();
    net.last().open();
    net.last().push(readyFrame({ c1: 3 }));
    await first;
    // Seq 4 arrives live while the list (read at seq 3) is on its way; no summary cached yet.
    net.last().push(messageFrame('c1', 4));
    const again = rest.requested(2);
    rest.answer([conversationDto({ lastSeq: 3, lastReadSeq: 3 })]);
    await again;
    assert.equal(c.conversations.get('c1')?.lastSeq, 3, 'taken for now: nothing newer cached');
    // The second read is current; a live seq 5 then updates the cached summary.
    rest.answer([conversationDto({ lastSeq: 4, lastReadSeq: 3, unreadCount: 1 })]);
    await new Promise((resolve) => c.on('conversation', resolve));
    assert.equal(c.conversations.get('c1')?.lastSeq, 4);
    net.last().push(messageFrame('c1', 5));
    assert.equal(c.conversations.get('c1')?.lastSeq, 5);
    assert.equal(c.conversations.get('c1')?.unreadCount, 2);
    // A list read before seq 5 (say, by the application) keeps the newer cached summary.
    const listed = c.refreshConversations();
    rest.answer([conversationDto({ lastSeq: 4, lastReadSeq: 3, unreadCount: 1 })]);
    const [shown] = await listed;
    assert.equal(shown?.lastSeq, 5, 'the newer cached summary is answered');
    assert.equal(c.conversations.get('c1')?.unreadCount, 2);
    c.close();
  });
});
