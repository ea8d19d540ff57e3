import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NodeList, SUSPECT_MS } from '../../src/client/node-list.js';

const A = 'http://a.test';
const B = 'http://b.test';
const C = 'http://c.test';

/** A node list on a clock the test moves. */
function nodes(urls: string[], random = () => 0) {
  const clock = { now: 1_000_000 };
  return { list: new NodeList(urls, { random, now: () => clock.now }), clock };
}

describe('client node list (failover order)', () => {
  it('[K3] after a failure it moves to a node picked at random among the others', () => {
    const picks = [0, 0.49, 0.5, 0.99].map((r) => {
      const { list } = nodes([A, B, C], () => r);
      assert.deepEqual(list.failed(A), { suspect: false });
      return list.current;
    });
    assert.deepEqual(picks, [B, B, C, C]);
  });

  it(`[K3] a node that failed is passed over for ${SUSPECT_MS / 1000} s, then taken again`, () => {
    const { list, clock } = nodes([A, B, C]);
    list.failed(A);
    assert.equal(list.current, B);
    clock.now += 1_000;
    list.failed(B);
    assert.equal(list.current, C, 'not A, which failed a second ago');
    clock.now += SUSPECT_MS;
    list.failed(C);
    assert.equal(list.current, A, 'A again once its failure is old');
  });

  it('[K3] when every other node failed lately: the oldest failure, reported as suspect', () => {
    const { list, clock } = nodes([A, B, C]);
    list.failed(A);
    clock.now += 10;
    list.failed(B);
    clock.now += 10;
    assert.deepEqual(list.failed(C), { suspect: true });
    assert.equal(list.current, A);
    clock.now += 10;
    assert.deepEqual(list.failed(A), { suspect: true });
    assert.equal(list.current, B);
  });

  it('[K3] a node that answers is no longer suspect', () => {
    const { list } = nodes([A, B]);
    list.failed(A);
    assert.equal(list.current, B);
    list.failed(B);
    assert.equal(list.current, A);
    list.succeeded();
    assert.deepEqual(list.failed(B), { suspect: false }, 'A answered since it failed');
    assert.equal(list.current, A);
  });

  it('[K3] one URL (a page on its own origin): stays on it and backs off', () => {
    const { list } = nodes([A]);
    assert.deepEqual(list.failed(A), { suspect: true });
    assert.equal(list.current, A);
  });

  it('[K3] discovery adds nodes at the end; known ones keep their place', () => {
    const { list } = nodes([B, A]);
    list.add(A);
    list.add(C);
    assert.deepEqual(list.all, [B, A, C]);
    list.advance();
    assert.equal(list.current, A);
  });
});
