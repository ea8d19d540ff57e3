import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useStore, type OpenStore } from './fixture.js';

/** The node registry and presence (NodesStore, PresenceStore). */
export function registryContract(open: OpenStore): void {
  describe('nodes and presence', () => {
    const fx = useStore(open);
    const node = (
      id: string,
      heartbeatAt: number,
      extra: Partial<{ connections: number; draining: boolean }> = {},
    ) => ({
      id,
      url: `http://${id}.test`,
      startedAt: 1,
      heartbeatAt,
      connections: extra.connections ?? 0,
      draining: extra.draining ?? false,
    });

    it('[K2] upsertNode registers and refreshes a node; deleteNodesBefore reaps silent ones', async () => {
      const { store } = fx();
      await store.upsertNode(node('n-a', 100));
      await store.upsertNode(node('n-b', 100));
      await store.upsertNode(node('n-a', 200, { connections: 7, draining: true }));
      const nodes = await store.listNodes();
      assert.deepEqual(
        nodes.filter((n) => n.id.startsWith('n-')),
        [node('n-a', 200, { connections: 7, draining: true }), node('n-b', 100)],
      );
      assert.equal(await store.deleteNodesBefore(150), 1);
      await store.deleteNode('n-a');
      assert.deepEqual(
        (await store.listNodes()).filter((n) => n.id.startsWith('n-')),
        [],
      );
    });

    it('[G7] presence: users with sockets on live nodes are online; clearing a node forgets them', async () => {
      const { store } = fx();
      const [u1, u2, u3] = [await fx().user(), await fx().user(), await fx().user()];
      await store.upsertNode(node('p-live', 1_000));
      await store.upsertNode(node('p-dead', 10));
      await store.setPresence(u1.id, 'p-live', true, 1);
      await store.setPresence(u1.id, 'p-live', true, 2);
      await store.setPresence(u2.id, 'p-dead', true, 1);
      await store.setPresence(u3.id, 'p-live', true, 1);
      await store.setPresence(u3.id, 'p-live', false, 3);
      assert.deepEqual([...(await store.onlineUsers([u1.id, u2.id, u3.id], 500))], [u1.id]);
      assert.deepEqual([...(await store.onlineUsers([], 500))], []);
      assert.deepEqual(await store.clearPresence('p-live'), [u1.id]);
      assert.deepEqual([...(await store.onlineUsers([u1.id], 500))], []);
      assert.deepEqual(await store.clearPresence('p-live'), []);
    });
  });
}
