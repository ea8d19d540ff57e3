import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ParleyClient } from '../../src/client/client.js';
import { nodeWebSocket } from '../../src/client/node.js';
import type { MessageDto } from '../../src/protocol/schemas.js';
import { spawnNode, type NodeProcess } from '../helpers/process.js';
import { UNLIMITED } from '../helpers/limits.js';

function newClient(url: string): ParleyClient {
  return new ParleyClient({
    urls: [url],
    webSocket: nodeWebSocket,
    backoff: { baseMs: 20, maxMs: 200 },
  });
}

/** Resolves once `client` has delivered `count` messages of a conversation. */
function collect(
  client: ParleyClient,
  conversationId: string,
  count: number,
): { seen: MessageDto[]; done: Promise<void> } {
  const seen: MessageDto[] = [];
  const done = new Promise<void>((resolve) => {
    client.on('message', (m) => {
      if (m.conversationId !== conversationId) return;
      seen.push(m);
      if (seen.length === count) resolve();
    });
  });
  return { seen, done };
}

describe('client library against a real node', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-client-'));
  const procs: NodeProcess[] = [];
  const clients: ParleyClient[] = [];
  after(async () => {
    for (const c of clients) c.close();
    for (const p of procs) await p.kill();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('[G1][G3][G4] a node killed and restarted mid-conversation: clients reconnect by themselves, nothing lost, nothing twice', async () => {
    const first = await spawnNode({ dataDir, args: UNLIMITED });
    procs.push(first);
    const port = new URL(first.url).port;
    const alice = newClient(first.url);
    const bob = newClient(first.url);
    clients.push(alice, bob);
    await alice.register('alice', 'password-a');
    await bob.register('bob', 'password-b');
    await alice.login('alice', 'password-a');
    await bob.login('bob', 'password-b');
    alice.connect();
    bob.connect();
    await Promise.all([alice.online(), bob.online()]);

    const conversationId = (await alice.api.dm('bob')).conversation.id;
    const bobSees = collect(bob, conversationId, 20);
    const before = Array.from(
      { length: 10 },
      (_, i) => alice.send(conversationId, `before ${i}`).done,
    );
    await Promise.all(before);

    const states: string[] = [];
    alice.on('state', (s) => states.push(s));
    await first.kill('SIGKILL');
    // Typed while the node is down: pending in the outbox, never lost.
    const during = Array.from({ length: 10 }, (_, i) => alice.send(conversationId, `during ${i}`));
    assert.ok(during.every((d) => d.entry.state === 'pending'));

    const second = await spawnNode({ dataDir, args: [...UNLIMITED, '--port', port] });
    procs.push(second);
    const stored = await Promise.all(during.map((d) => d.done));
    await bobSees.done;
    await bob.online();

    assert.ok(
      states.includes('offline') && states.at(-1) === 'online',
      `states: ${states.join(',')}`,
    );
    assert.deepEqual(
      bobSees.seen.map((m) => m.body),
      [
        ...Array.from({ length: 10 }, (_, i) => `before ${i}`),
        ...Array.from({ length: 10 }, (_, i) => `during ${i}`),
      ],
    );
    assert.deepEqual(
      bobSees.seen.map((m) => m.seq),
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
    assert.deepEqual(
      stored.map((m) => m.seq),
      Array.from({ length: 10 }, (_, i) => i + 11),
    );
    const history = await bob.api.history(conversationId, { after: 0, limit: 100 });
    assert.equal(history.messages.length, 20, 'stored once each');
  });

  it('[G4][C6] a conversation created while a client is away replays when it comes back', async () => {
    const node = procs.at(-1)!;
    const carol = newClient(node.url);
    clients.push(carol);
    await carol.register('carol', 'password-c');
    await carol.login('carol', 'password-c');
    carol.connect();
    await carol.online();
    carol.close();

    const alice = clients[0]!;
    const group = (await alice.api.createGroup('trio', ['bob', 'carol'])).conversation.id;
    await alice.send(group, 'while carol was away').done;

    const carolSees = collect(carol, group, 1);
    const events: string[] = [];
    carol.on('timeline', (t) => events.push(t.kind === 'message' ? 'message' : t.event.type));
    carol.connect();
    await carolSees.done;
    await carol.online();
    assert.equal(carolSees.seen[0]?.body, 'while carol was away');
    assert.deepEqual(events, ['conversation.created', 'message']);
  });

  it('[G3][M1] a refused send fails visibly and does not block later sends', async () => {
    const alice = clients[0]!;
    const conversationId = [...alice.conversations.values()].find((c) => c.kind === 'dm')!.id;
    const tooLong = alice.send(conversationId, 'x'.repeat(4001));
    await assert.rejects(
      tooLong.done,
      (err: Error & { code?: string }) => err.code === 'message_too_long',
    );
    assert.equal(tooLong.entry.state, 'failed');
    const ok = await alice.send(conversationId, 'still works').done;
    assert.equal(ok.body, 'still works');
  });
});
