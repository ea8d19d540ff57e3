import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ParleyClient } from '../../src/client/client.js';
import type { MessageDto } from '../../src/protocol/schemas.js';
import { fakeNetwork, messageFrame, readyFrame } from './fake-socket.js';

/** REST is not under test here: every call answers with an empty conversation list. */
const noRest: typeof fetch = () =>
  Promise.resolve(new Response(JSON.stringify({ conversations: [] }), { status: 200 }));

/** A client on a fake network, online on a node that chose `protocol`, at seq 4 of c1. */
function online(protocol: number, protocols?: number[]) {
  const net = fakeNetwork();
  const c = new ParleyClient({
    urls: ['http://a.test'],
    token: 'tok',
    webSocket: net.factory,
    fetch: noRest,
    backoff: { baseMs: 1, maxMs: 4, random: () => 1 },
    ...(protocols ? { protocols } : {}),
  });
  const events: string[] = [];
  const messages: MessageDto[] = [];
  c.on('message', (m) => {
    events.push(`message ${m.seq}`);
    messages.push(m);
  });
  c.on('outbox', (e) => events.push(`outbox ${e.clientMsgId} ${e.state}`));
  c.connect();
  const ws = net.last();
  ws.open();
  ws.push({ ...readyFrame({ c1: 4 }), protocol });
  return { c, ws, events, messages };
}

/** The stored message of the client's own send `clientMsgId` at `seq`. */
function own(clientMsgId: string, seq: number): MessageDto {
  return { ...messageFrame('c1', seq).message, clientMsgId, sender: 'u-me', body: 'mine' };
}

describe('client library: protocol 2 acks deliver the sender’s message', () => {
  it('[W1] hello offers every version it speaks (or those given); ready’s choice is kept', () => {
    const { c, ws } = online(2);
    assert.deepEqual(ws.frames('hello')[0], {
      type: 'hello',
      protocol: 1,
      protocols: [1, 2],
      token: 'tok',
    });
    assert.equal(c.protocol, 2);
    c.close();
    const old = online(1, [1]);
    assert.deepEqual(old.ws.frames('hello')[0].protocols, [1]);
    assert.equal(old.c.protocol, 1);
    old.c.close();
  });

  it('[W5] v2: an ack with delivered emits the stored message as the echo did, and advances the cursor', async () => {
    const { c, ws, events, messages } = online(2);
    const { done } = c.send('c1', 'mine', { clientMsgId: 'k1' });
    await ws.written('send', 1);
    ws.push({
      type: 'ack',
      clientMsgId: 'k1',
      created: true,
      delivered: true,
      message: own('k1', 5),
    });
    assert.equal((await done).seq, 5);
    assert.deepEqual(events, ['outbox k1 pending', 'outbox k1 sent', 'message 5']);
    assert.equal(messages[0]!.clientMsgId, 'k1');
    assert.equal(c.cursors.get('c1'), 5);
    // The next entry follows without a gap (no sync asked for).
    ws.push(messageFrame('c1', 6));
    assert.deepEqual(events.at(-1), 'message 6');
    assert.equal(ws.frames('sync').length, 0);
    c.close();
  });

  it('[G3] v2: a plain ack (a retry, created false) settles the send and emits no message', async () => {
    const { c, ws, events } = online(2);
    const { done } = c.send('c1', 'mine', { clientMsgId: 'k2' });
    await ws.written('send', 1);
    ws.push({ type: 'ack', clientMsgId: 'k2', created: false, message: own('k2', 3) });
    assert.equal((await done).seq, 3);
    assert.deepEqual(events, ['outbox k2 pending', 'outbox k2 sent']);
    assert.equal(c.cursors.get('c1'), 4);
    c.close();
  });

  it('[W5] v1 (an older node): the echo emits the message, the ack only settles; a delivered flag is ignored', async () => {
    const { c, ws, events } = online(1);
    const { done } = c.send('c1', 'mine', { clientMsgId: 'k3' });
    await ws.written('send', 1);
    ws.push({ type: 'message', message: own('k3', 5) });
    ws.push({ type: 'ack', clientMsgId: 'k3', created: true, message: own('k3', 5) });
    assert.equal((await done).seq, 5);
    assert.deepEqual(events, ['outbox k3 pending', 'outbox k3 sent', 'message 5']);
    // On protocol 1 an ack is never a delivery, whatever it says.
    const second = c.send('c1', 'mine', { clientMsgId: 'k4' });
    await ws.written('send', 2);
    ws.push({
      type: 'ack',
      clientMsgId: 'k4',
      created: true,
      delivered: true,
      message: own('k4', 6),
    });
    await second.done;
    assert.equal(c.cursors.get('c1'), 5);
    assert.equal(events.filter((e) => e.startsWith('message')).length, 1);
    c.close();
  });
});
