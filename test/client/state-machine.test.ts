import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Backoff } from '../../src/client/backoff.js';
import { ParleyClient } from '../../src/client/client.js';
import { Outbox, SendError } from '../../src/client/outbox.js';
import { Cursors } from '../../src/client/cursors.js';
import { fakeNetwork, messageFrame, readyFrame } from './fake-socket.js';

/** REST is not under test here: every call answers with an empty conversation list. */
const noRest: typeof fetch = () =>
  Promise.resolve(new Response(JSON.stringify({ conversations: [] }), { status: 200 }));

function client(
  urls = ['http://a.test'],
  extra: Partial<ConstructorParameters<typeof ParleyClient>[0]> = {},
) {
  const net = fakeNetwork();
  const c = new ParleyClient({
    urls,
    token: 'tok',
    webSocket: net.factory,
    fetch: noRest,
    backoff: { baseMs: 1, maxMs: 4, random: () => 1 },
    retryDelayMs: 1,
    ...extra,
  });
  return { c, net };
}

/** Resolves at the client's next `state` event equal to `state`. */
function nextState(c: ParleyClient, state: string): Promise<void> {
  return new Promise((resolve) => {
    const off = c.on('state', (s) => {
      if (s !== state) return;
      off();
      resolve();
    });
  });
}

describe('client state machine', () => {
  it('[Client] backoff: a quick first retry, then exponential growth with jitter, capped, and resets', () => {
    const low = new Backoff({ baseMs: 100, maxMs: 1000, random: () => 0 });
    assert.deepEqual(
      [low.next(), low.next(), low.next(), low.next(), low.next()],
      [0, 100, 200, 400, 500],
    );
    const high = new Backoff({ baseMs: 100, maxMs: 1000, random: () => 1 });
    assert.deepEqual(
      [high.next(), high.next(), high.next(), high.next(), high.next()],
      [100, 200, 400, 800, 1000],
    );
    high.reset();
    assert.equal(high.next(), 100);
    assert.equal(high.attempt, 1);
    const half = new Backoff({ baseMs: 100, maxMs: 1000, random: () => 0.5 });
    assert.equal(half.soon(), 50, 'soon() is uniform in [0, base]');
    assert.equal(half.attempt, 0, 'and is not an attempt');
  });

  it('[G3] the outbox keeps one clientMsgId per send through retries; final refusals fail it', async () => {
    let n = 0;
    const outbox = new Outbox({ newId: () => `id${++n}`, now: () => 5 });
    const a = outbox.add('c1', 'hello');
    const b = outbox.add('c1', 'world');
    assert.deepEqual(
      outbox.pending().map((e) => e.clientMsgId),
      ['id1', 'id2'],
    );
    outbox.refused('id1', 'rate_limited', 'slow down');
    assert.equal(outbox.get('id1')?.state, 'pending', 'retryable stays pending');
    outbox.refused('id2', 'forbidden', 'no');
    assert.equal(outbox.get('id2')?.state, 'failed');
    await assert.rejects(
      b.done,
      (err: unknown) => err instanceof SendError && err.code === 'forbidden',
    );
    const message = { ...messageFrame('c1', 1).message, clientMsgId: 'id1' };
    outbox.acked('id1', message);
    assert.deepEqual(await a.done, message);
    assert.equal(outbox.retry('id2')?.state, 'pending');
    assert.equal(outbox.get('id2')?.clientMsgId, 'id2');
    outbox.prune();
    assert.deepEqual(
      outbox.list().map((e) => e.clientMsgId),
      ['id2'],
    );
  });

  it('[G4] cursors deliver the next seq, drop duplicates and report gaps', () => {
    const cursors = new Cursors();
    assert.equal(cursors.admit('c', 5), 'deliver', 'an unknown conversation starts where it is');
    assert.equal(cursors.admit('c', 6), 'deliver');
    assert.equal(cursors.admit('c', 6), 'duplicate');
    assert.equal(cursors.admit('c', 3), 'duplicate');
    assert.equal(cursors.admit('c', 8), 'gap');
    assert.equal(cursors.get('c'), 6, 'a gap does not move the cursor');
  });

  it('[Client] reports connecting → online; hello carries the token; ready adopts positions', () => {
    const { c, net } = client();
    const states: string[] = [];
    c.on('state', (s) => states.push(s));
    c.connect();
    const ws = net.last();
    assert.equal(ws.url, 'ws://a.test/api/v1/ws');
    ws.open();
    assert.deepEqual(ws.frames('hello'), [
      { type: 'hello', protocol: 1, protocols: [1, 2], token: 'tok' },
    ]);
    ws.push(readyFrame({ c1: 7 }));
    assert.equal(c.cursors.get('c1'), 7);
    assert.deepEqual(states, ['connecting', 'online']);
    c.close();
    assert.equal(c.state, 'offline');
  });

  it('[G4] after a drop it reconnects to the next node, resyncs from its cursors, and is online after synced', async () => {
    const { c, net } = client(['http://a.test', 'http://b.test']);
    const states: string[] = [];
    c.on('state', (s) => states.push(s));
    c.connect();
    net.last().open();
    net.last().push(readyFrame({ c1: 2 }));
    net.last().push(messageFrame('c1', 3));
    net.last().close(1006, 'network');
    assert.equal(c.state, 'offline');
    const reconnected = new Promise<void>((resolve) =>
      c.on('state', (s) => s === 'connecting' && resolve()),
    );
    await reconnected;
    const ws = net.last();
    assert.equal(ws.url, 'ws://b.test/api/v1/ws', 'fails over to the other node');
    ws.open();
    assert.deepEqual(ws.frames('hello')[0].cursors, { c1: 3 });
    ws.push(readyFrame({ c1: 5, c2: 1 }));
    assert.equal(c.state, 'syncing');
    assert.deepEqual(
      ws.frames('sync'),
      [{ type: 'sync', cursors: { c2: 0 }, ref: 'sync-1' }],
      'a conversation new since last time replays from its start',
    );
    ws.push(messageFrame('c1', 4));
    ws.push(messageFrame('c1', 5));
    ws.push({ type: 'synced', cursors: { c1: 5 } });
    assert.equal(c.state, 'syncing', 'waits for the second synced');
    ws.push(messageFrame('c2', 1));
    ws.push({ type: 'synced', cursors: { c2: 1 }, ref: 'sync-1' });
    assert.equal(c.state, 'online');
    assert.deepEqual(states, [
      'connecting',
      'online',
      'offline',
      'connecting',
      'syncing',
      'online',
    ]);
    c.close();
  });

  it('[K3] the clients of a node that dropped spread over the other nodes', async () => {
    const picks: string[] = [];
    for (const r of [0, 0.49, 0.5, 0.99]) {
      const { c, net } = client(['http://a.test', 'http://b.test', 'http://c.test'], {
        backoff: { baseMs: 1, maxMs: 4, random: () => r },
      });
      c.connect();
      net.last().open();
      net.last().push(readyFrame());
      const reconnecting = nextState(c, 'connecting');
      net.last().close(1006, 'node died');
      await reconnecting;
      picks.push(net.last().url);
      c.close();
    }
    assert.deepEqual(picks, [
      'ws://b.test/api/v1/ws',
      'ws://b.test/api/v1/ws',
      'ws://c.test/api/v1/ws',
      'ws://c.test/api/v1/ws',
    ]);
  });

  it('[K3] a node that failed is tried only after every other node; then backoff grows', async () => {
    const { c, net } = client(['http://a.test', 'http://b.test', 'http://c.test'], {
      backoff: { baseMs: 300, maxMs: 1000, random: () => 0 },
    });
    c.connect();
    net.last().open();
    net.last().push(readyFrame());
    const tried = async () => {
      const connecting = nextState(c, 'connecting');
      const t0 = Date.now();
      net.last().close(1006, 'gone');
      await connecting;
      return { url: new URL(net.last().url).host, ms: Date.now() - t0 };
    };
    const first = await tried();
    assert.equal(first.url, 'b.test', 'a dropped: another node');
    net.last().open();
    net.last().push(readyFrame());
    const second = await tried();
    assert.equal(second.url, 'c.test', 'b dropped: not a, which failed a moment ago');
    const third = await tried();
    assert.equal(third.url, 'a.test', 'c refused: every node failed lately, the oldest failure');
    const fourth = await tried();
    assert.equal(fourth.url, 'b.test');
    // random() is 0: soon() waits 0 ms, the second attempt of the backoff base·2/2 = 300 ms.
    assert.ok(
      first.ms < 150 && second.ms < 150,
      `soon after a drop (${first.ms}, ${second.ms} ms)`,
    );
    assert.ok(fourth.ms >= 290, `backing off once every node failed (${fourth.ms} ms)`);
    c.close();
  });

  it('[K3] after a reconnect the conversation and node lists are read once caught up, not at ready', async () => {
    const requests: string[] = [];
    let fourth: () => void = () => undefined;
    const fourRequests = new Promise<void>((resolve) => (fourth = resolve));
    const fetch: typeof globalThis.fetch = (input) => {
      requests.push(new URL(input instanceof Request ? input.url : String(input)).pathname);
      if (requests.length === 4) fourth();
      return noRest(input);
    };
    const { c, net } = client(['http://a.test', 'http://b.test'], {
      fetch,
      backoff: { baseMs: 1, maxMs: 4, random: () => 0 },
    });
    c.connect();
    net.last().open();
    net.last().push(readyFrame({ c1: 2 }));
    assert.deepEqual(requests, ['/api/v1/conversations', '/api/v1/cluster'], 'at the first ready');
    const reconnecting = nextState(c, 'connecting');
    net.last().close(1006, 'node died');
    await reconnecting;
    const ws = net.last();
    ws.open();
    ws.push(readyFrame({ c1: 4 }));
    assert.equal(c.state, 'syncing');
    assert.equal(requests.length, 2, 'nothing while the replay runs');
    ws.push({ type: 'synced', cursors: { c1: 4 } });
    assert.equal(c.state, 'online');
    await fourRequests;
    assert.deepEqual(requests.slice(2), ['/api/v1/conversations', '/api/v1/cluster']);
    c.close();
  });

  it('[K5] a ready socket that stays silent is pinged, and given up when the ping goes unanswered', async () => {
    const { c, net } = client(['http://a.test', 'http://b.test'], { heartbeatMs: 40 });
    c.connect();
    const first = net.last();
    first.open();
    first.push(readyFrame({}));
    assert.equal(c.state, 'online');
    const ping = await first.written('ping', 1);
    assert.equal(ping.ref, 'heartbeat');
    first.push({ type: 'pong', ref: 'heartbeat' });
    // Answered: still online; the next silence is pinged again, and this time nobody answers.
    await first.written('ping', 2);
    assert.equal(c.state, 'online');
    await nextState(c, 'offline');
    assert.equal(first.readyState, 3, 'the silent socket is closed without waiting for the node');
    await nextState(c, 'connecting');
    assert.equal(net.last().url, 'ws://b.test/api/v1/ws', 'and the client moves to another node');
    c.close();
  });

  it('[G4] a message seen live and again in a sync is surfaced once', () => {
    const { c, net } = client();
    const seen: number[] = [];
    c.on('message', (m) => seen.push(m.seq));
    c.connect();
    const ws = net.last();
    ws.open();
    ws.push(readyFrame({ c1: 0 }));
    for (const seq of [1, 2, 2, 1, 3, 3]) ws.push(messageFrame('c1', seq));
    assert.deepEqual(seen, [1, 2, 3]);
    c.close();
  });

  it('[G4] a gap in live traffic is filled with a sync before anything later is delivered', () => {
    const { c, net } = client();
    const seen: number[] = [];
    c.on('message', (m) => seen.push(m.seq));
    c.connect();
    const ws = net.last();
    ws.open();
    ws.push(readyFrame({ c1: 0 }));
    ws.push(messageFrame('c1', 1));
    ws.push(messageFrame('c1', 3));
    assert.deepEqual(ws.frames('sync'), [{ type: 'sync', cursors: { c1: 1 }, ref: 'sync-1' }]);
    ws.push(messageFrame('c1', 4));
    assert.deepEqual(seen, [1], 'nothing after the gap until it is filled');
    ws.push(messageFrame('c1', 2));
    ws.push(messageFrame('c1', 3));
    ws.push(messageFrame('c1', 4));
    ws.push({ type: 'synced', cursors: { c1: 4 }, ref: 'sync-1' });
    ws.push(messageFrame('c1', 5));
    assert.deepEqual(seen, [1, 2, 3, 4, 5]);
    c.close();
  });

  it('[W9] hello carries at most 1,000 cursors; the rest follow in sync frames of 1,000 after ready', () => {
    const cursors = Object.fromEntries(Array.from({ length: 2_500 }, (_, i) => [`c${i}`, i]));
    const { c, net } = client(['http://a.test'], { cursors });
    c.connect();
    const ws = net.last();
    ws.open();
    const hello = ws.frames('hello')[0];
    assert.equal(Object.keys(hello.cursors).length, 1_000);
    ws.push(readyFrame(cursors));
    const syncs = ws.frames('sync');
    assert.deepEqual(
      syncs.map((f) => Object.keys(f.cursors).length),
      [1_000, 500],
    );
    const sent = { ...hello.cursors, ...syncs[0].cursors, ...syncs[1].cursors };
    assert.deepEqual(sent, cursors, 'every cursor is sent once, with its own seq');
    assert.equal(c.state, 'syncing');
    ws.push({ type: 'synced', cursors: hello.cursors });
    ws.push({ type: 'synced', cursors: syncs[0].cursors, ref: syncs[0].ref });
    assert.equal(c.state, 'syncing', 'online only once every frame is answered');
    ws.push({ type: 'synced', cursors: syncs[1].cursors, ref: syncs[1].ref });
    assert.equal(c.state, 'online');
    c.close();
  });

  it('[W9] a sync refused as rate_limited is sent again, the same frame, until it is answered', async () => {
    const { c, net } = client();
    const seen: number[] = [];
    c.on('message', (m) => seen.push(m.seq));
    c.connect();
    const ws = net.last();
    ws.open();
    ws.push(readyFrame({ c1: 0 }));
    ws.push(messageFrame('c1', 2));
    const first = await ws.written('sync', 1);
    ws.push({ type: 'error', code: 'rate_limited', message: 'slow down', ref: first.ref });
    assert.deepEqual(await ws.written('sync', 2), first);
    ws.push(messageFrame('c1', 1));
    ws.push(messageFrame('c1', 2));
    ws.push({ type: 'synced', cursors: { c1: 2 }, ref: first.ref });
    ws.push(messageFrame('c1', 3));
    assert.deepEqual(seen, [1, 2, 3]);
    c.close();
  });

  it('[G3] pending sends are written on connect and again after a reconnect with the same id', async () => {
    const { c, net } = client();
    const outboxStates: string[] = [];
    c.on('outbox', (e) => outboxStates.push(e.state));
    const { entry, done } = c.send('c1', 'typed while offline');
    assert.equal(entry.state, 'pending');
    c.connect();
    net.last().open();
    net.last().push(readyFrame({ c1: 0 }));
    const first = net.last().frames('send');
    assert.equal(first.length, 1);
    net.last().close(1006, 'drop');
    await new Promise<void>((resolve) => c.on('state', (s) => s === 'connecting' && resolve()));
    net.last().open();
    net.last().push(readyFrame({ c1: 0 }));
    const second = net.last().frames('send');
    assert.equal(second[0].clientMsgId, first[0].clientMsgId);
    net.last().push({
      type: 'ack',
      clientMsgId: entry.clientMsgId,
      message: messageFrame('c1', 1).message,
      created: true,
    });
    assert.equal((await done).seq, 1);
    assert.equal(entry.attempts, 2);
    assert.deepEqual(outboxStates, ['pending', 'sent']);
    c.close();
  });

  it('[G3][W5] our own message frame before its ack settles the send once: no pending copy beside it', async () => {
    const { c, net } = client();
    const seen: string[] = [];
    c.on('outbox', (e) => seen.push(`outbox ${e.state}`));
    c.on('timeline', () => seen.push('timeline'));
    c.connect();
    net.last().open();
    net.last().push(readyFrame({ c1: 0 }));
    const { entry, done } = c.send('c1', 'hello');
    // Another sender's message with the same clientMsgId settles nothing.
    net.last().push(messageFrame('c1', 1, { clientMsgId: entry.clientMsgId, sender: 'u-other' }));
    assert.equal(entry.state, 'pending');
    net.last().push(messageFrame('c1', 2, { clientMsgId: entry.clientMsgId, sender: 'u-me' }));
    assert.equal(entry.state, 'sent');
    assert.equal((await done).seq, 2);
    assert.deepEqual(seen, ['outbox pending', 'timeline', 'outbox sent', 'timeline']);
    // The ack that follows changes nothing.
    net.last().push({
      type: 'ack',
      clientMsgId: entry.clientMsgId,
      message: messageFrame('c1', 2).message,
      created: true,
    });
    assert.equal(entry.state, 'sent');
    assert.equal(seen.length, 4, 'no second outbox event');
    c.close();
  });

  it('[Client] a retryable refusal is re-sent after a delay; a final one fails and can be retried', async () => {
    const { c, net } = client();
    c.connect();
    const ws = net.last();
    ws.open();
    ws.push(readyFrame({ c1: 0 }));
    const limited = c.send('c1', 'a');
    ws.push({
      type: 'error',
      code: 'rate_limited',
      message: 'slow',
      ref: limited.entry.clientMsgId,
    });
    const resent = await ws.written('send', 2);
    assert.equal(resent.clientMsgId, limited.entry.clientMsgId);
    const refused = c.send('c2', 'b');
    ws.push({ type: 'error', code: 'forbidden', message: 'no', ref: refused.entry.clientMsgId });
    await assert.rejects(refused.done, SendError);
    assert.equal(refused.entry.state, 'failed');
    const again = c.retry(refused.entry.clientMsgId);
    assert.ok(again);
    assert.equal(ws.frames('send').at(-1).clientMsgId, refused.entry.clientMsgId);
    c.close();
  });

  it('[A5] a session-ended close stops reconnecting and reports it', () => {
    const { c, net } = client();
    const ended: number[] = [];
    c.on('session.ended', (e) => ended.push(e.code));
    c.connect();
    net.last().open();
    net.last().push(readyFrame());
    net.last().close(4004, 'session ended');
    assert.deepEqual(ended, [4004]);
    assert.equal(c.state, 'offline');
    assert.equal(net.sockets.length, 1);
  });

  it('[Client] events() yields every event as an async iterable', async () => {
    const { c, net } = client();
    const controller = new AbortController();
    const seen: string[] = [];
    const reading = (async () => {
      for await (const event of c.events(controller.signal)) {
        seen.push(event.type);
        if (event.type === 'message') controller.abort();
      }
    })();
    c.connect();
    net.last().open();
    net.last().push(readyFrame({ c1: 0 }));
    net.last().push(messageFrame('c1', 1));
    await reading;
    assert.deepEqual(seen, ['state', 'state', 'timeline', 'message']);
    c.close();
  });
});
