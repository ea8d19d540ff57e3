import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryBus } from '../../src/adapters/memory-bus/memory-bus.js';
import { openPostgresStore } from '../../src/adapters/postgres/postgres-store.js';
import { DEFAULT_LIMITS } from '../../src/domain/limits.js';
import { createLogger } from '../../src/log/logger.js';
import { ConversationService } from '../../src/services/conversations.js';
import type { ServiceDeps } from '../../src/services/deps.js';
import { MessageService } from '../../src/services/messages.js';
import { uniqueName } from '../helpers/api.js';
import { startDeployment } from '../helpers/deployment.js';

describe('the sweep: what a network bus lost', () => {
  it('[K6] an entry committed while its bus event is lost reaches the sockets by the sweep', async () => {
    const deployment = await startDeployment('cluster', {
      // Only the sweep can find the entry: the check after subscribing comes too late.
      tweak: (config) => {
        config.sweepMs = 200;
        config.subscribeCheckMs = 600_000;
      },
    });
    const { api } = deployment;
    const config = deployment.nodes[0]!.config;
    assert.equal(config.store.kind, 'postgres');
    // A writer whose bus reaches nobody: its events are lost the way an event is that a NATS
    // server confirmed and then died before routing it.
    const store = await openPostgresStore(config.store.kind === 'postgres' ? config.store.url : '');
    try {
      const alice = await api.signup(uniqueName('alice'));
      const bob = await api.signup(uniqueName('bob'));
      const dm = await api.dm(alice, bob.username);
      const watchers = [(await deployment.open(alice)).client, (await deployment.open(bob)).client];
      const deps: ServiceDeps = {
        store,
        bus: new MemoryBus(),
        hasher: {
          hash: () => Promise.reject(new Error('unused')),
          verify: () => Promise.reject(new Error('unused')),
        },
        limits: DEFAULT_LIMITS,
        log: createLogger({ level: 'silent', nodeId: 'lost-writer' }),
        now: Date.now,
      };
      const messages = new MessageService(deps, new ConversationService(deps));
      const me = await store.getUserById(alice.id);
      assert.ok(me);
      const sent = await messages.send(me, dm, 'lost-1', 'nobody heard this live');
      for (const ws of watchers) {
        const got = await ws.next(
          (f) => f.type === 'message' && f.message.clientMsgId === 'lost-1',
        );
        assert.deepEqual(got.message, sent.message);
      }
      // Live traffic after it still arrives once, in order.
      const next = await api.send(bob, dm, 'after the gap');
      for (const ws of watchers) {
        const got = await ws.next((f) => f.type === 'message');
        assert.equal(got.message.seq, next.body.message.seq);
        assert.equal(
          ws.frames.filter((f) => f.type === 'message' && f.message.clientMsgId === 'lost-1')
            .length,
          1,
        );
        await ws.close();
      }

      // A session ended without a revocation on the bus: its socket is closed by the sweep.
      const { client } = await deployment.open(bob);
      await store.deleteUserSessions(bob.id);
      assert.equal(await client.closed(), 4004);
    } finally {
      await store.close();
      await deployment.dispose();
    }
  });
});
