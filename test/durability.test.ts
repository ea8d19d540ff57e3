import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Api } from './helpers/api.js';
import { spawnNode, type NodeProcess } from './helpers/process.js';
import { WsClient } from './helpers/ws.js';
import { UNLIMITED } from './helpers/limits.js';

describe('durability', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-durability-'));
  const procs: NodeProcess[] = [];
  after(async () => {
    for (const p of procs) await p.kill();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('[G1][G2][G3] every acked message survives kill -9 mid-stream, gap-free and without duplicates', async () => {
    const first = await spawnNode({ dataDir, args: UNLIMITED });
    procs.push(first);
    const api = new Api(first.url);
    const alice = await api.signup('alice');
    const bob = await api.signup('bob');
    const conversationId = await api.dm(alice, bob.username);

    // Four sockets each keep 16 sends in flight; the node is killed once 400 acks are in.
    const acked = new Map<string, number>();
    const sockets = await Promise.all(
      [0, 1, 2, 3].map(async () => (await WsClient.open(first.url, alice.token)).client),
    );
    let sent = 0;
    let killed = false;
    const killedAt = new Promise<void>((resolve) => {
      const pump = (ws: WsClient, id: number) => {
        const clientMsgId = `c${id}-${sent++}`;
        ws.send({ type: 'send', conversationId, clientMsgId, body: `message ${clientMsgId}` });
      };
      sockets.forEach((ws, id) => {
        for (let i = 0; i < 16; i++) pump(ws, id);
        void (async () => {
          for (;;) {
            const frame = await ws
              .next((f) => f.type === 'ack' || f.type === 'error', 30_000)
              .catch(() => null);
            if (!frame || killed) return;
            assert.equal(frame.type, 'ack', JSON.stringify(frame));
            acked.set(frame.clientMsgId, frame.message.seq);
            if (acked.size >= 400 && !killed) {
              killed = true;
              first.proc.kill('SIGKILL');
              resolve();
              return;
            }
            pump(ws, id);
          }
        })();
      });
    });
    await killedAt;
    const exit = await first.exited;
    assert.equal(exit.signal, 'SIGKILL');
    const ackedSnapshot = new Map(acked);

    const second = await spawnNode({ dataDir, args: UNLIMITED });
    procs.push(second);
    const api2 = new Api(second.url);
    const alice2 = await api2.login('alice');
    const messages = await api2.fullHistory(alice2, conversationId);

    const byClientId = new Map(messages.map((m) => [m.clientMsgId, m.seq]));
    assert.equal(byClientId.size, messages.length, 'no clientMsgId stored twice');
    for (const [clientMsgId, seq] of ackedSnapshot) {
      assert.equal(
        byClientId.get(clientMsgId),
        seq,
        `acked ${clientMsgId} (seq ${seq}) must survive`,
      );
    }
    assert.deepEqual(
      messages.map((m) => m.seq),
      messages.map((_, i) => i + 1),
      'seqs are 1..n without gaps',
    );
    assert.ok(messages.length >= ackedSnapshot.size);

    // A retry of an acked send after the crash returns the original (G3).
    const [someId, someSeq] = [...ackedSnapshot][0]!;
    const retry = await api2.send(alice2, conversationId, 'retried', someId);
    assert.equal(retry.status, 200);
    assert.equal(retry.body.message.seq, someSeq);
    await second.kill('SIGTERM');
  });
});
