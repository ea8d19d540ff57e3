import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  answerAck,
  cancelAck,
  expectAck,
  flushAcks,
  takeAck,
  type Place,
} from '../../src/delivery/acks.js';
import { timelineFrame } from '../../src/delivery/frames.js';
import type { DeliverySocket } from '../../src/delivery/ports.js';
import { Session } from '../../src/delivery/session.js';
import type { Message, Principal } from '../../src/domain/model.js';
import { messageDto } from '../helpers/dtos.js';

/** A socket that records what is written to it (the bookkeeping under test writes nothing itself). */
function session(protocol: number): Session {
  const socket: DeliverySocket = {
    isOpen: true,
    bufferedBytes: 0,
    send: () => {},
    close: () => {},
  };
  const principal = {
    user: { id: 'u-me', username: 'me', createdAt: 1, deletedAt: null },
  } as unknown as Principal;
  return new Session({
    principal,
    socket,
    output: { maxBufferedBytes: 1 << 20, onSlow: () => {} },
    protocol,
  });
}

function mine(clientMsgId: string, seq: number): Message {
  return messageDto({ seq, clientMsgId, sender: 'u-me' });
}

/** Read through a call, so an earlier assertion on `acks` does not narrow it. */
const pendingOf = (s: Session, clientMsgId: string) => s.acks?.get(clientMsgId);

const at = (place: Place) => (): Place => place;

describe('protocol 2 ack bookkeeping (delivery/acks.ts)', () => {
  it('[W5] the delivery that reaches the message writes the ack, with the fan-out’s message JSON', () => {
    const s = session(2);
    assert.equal(expectAck(s, 'c1', 'k1'), true);
    const message = mine('k1', 5);
    const frame = timelineFrame({ kind: 'message', message });
    const ack = takeAck(s, message, frame);
    assert.deepEqual(JSON.parse(ack!), {
      type: 'ack',
      clientMsgId: 'k1',
      created: true,
      delivered: true,
      message: JSON.parse(frame).message,
    });
    // The answer that follows writes nothing; the entry is forgotten.
    assert.equal(answerAck(s, 'k1', { message, created: true }, at('past')), null);
    assert.equal(s.acks, null);
    // A later delivery of the same message (a replay after a sync) is a plain message frame.
    assert.equal(takeAck(s, message, frame), null);
  });

  it('[W5] answered before its delivery: next → the ack now; later → the delivery writes it', () => {
    const s = session(2);
    expectAck(s, 'c1', 'now');
    const now = JSON.parse(
      answerAck(s, 'now', { message: mine('now', 5), created: true }, at('next'))!,
    );
    assert.equal(now.delivered, true);
    assert.equal(s.acks, null);
    expectAck(s, 'c1', 'wait');
    const message = mine('wait', 9);
    assert.equal(answerAck(s, 'wait', { message, created: true }, at('later')), null);
    assert.ok(pendingOf(s, 'wait')?.waiting);
    assert.equal(JSON.parse(takeAck(s, message)!).delivered, true);
    assert.equal(s.acks, null);
  });

  it('[G3][W5] plain acks: a retry, a message out of order here, a conversation left while waiting', () => {
    const s = session(2);
    expectAck(s, 'c1', 'r');
    const retry = JSON.parse(
      answerAck(s, 'r', { message: mine('r', 2), created: false }, at('next'))!,
    );
    assert.equal(retry.created, false);
    assert.equal('delivered' in retry, false);
    expectAck(s, 'c1', 'p');
    const past = JSON.parse(
      answerAck(s, 'p', { message: mine('p', 3), created: true }, at('past'))!,
    );
    assert.equal('delivered' in past, false);
    expectAck(s, 'c1', 'w');
    answerAck(s, 'w', { message: mine('w', 7), created: true }, at('later'));
    assert.deepEqual(flushAcks(s, 'c2'), []);
    const [flushed] = flushAcks(s, 'c1').map((f) => JSON.parse(f));
    assert.equal(flushed.clientMsgId, 'w');
    assert.equal('delivered' in flushed, false);
    assert.equal(s.acks, null);
  });

  it('[W5] only the sender’s own message of that conversation, once per pending send; failures forget', () => {
    const s = session(2);
    expectAck(s, 'c1', 'k');
    assert.equal(takeAck(s, { ...mine('k', 4), sender: 'u-other' }), null);
    assert.equal(takeAck(s, { ...mine('k', 4), conversationId: 'c2' }), null);
    cancelAck(s, 'k');
    assert.equal(s.acks, null);
    assert.equal(takeAck(s, mine('k', 4)), null);
    // Protocol 1 notes nothing: its acks are plain.
    const old = session(1);
    assert.equal(expectAck(old, 'c1', 'k'), false);
    assert.equal(old.acks, null);
    const plain = JSON.parse(
      answerAck(old, 'k', { message: mine('k', 4), created: true }, at('next'))!,
    );
    assert.equal('delivered' in plain, false);
  });
});
