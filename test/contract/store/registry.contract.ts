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

    it('[G7] usersOnNode lists the users with a presence row on the node, sorted, deleting nothing', async () => {
      const { store } = fx();
      const users = [await fx().user(), await fx().user(), await fx().user()];
      await store.upsertNode(node('q-a', 1_000));
      await store.upsertNode(node('q-b', 1_000));
      for (const u of users) await store.setPresence(u.id, 'q-a', true, 1);
      await store.setPresence(users[0]!.id, 'q-b', true, 1);
      await store.setPresence(users[1]!.id, 'q-a', false, 2);
      const expected = [users[0]!.id, users[2]!.id].sort();
      assert.deepEqual(await store.usersOnNode('q-a'), expected);
      assert.deepEqual(await store.usersOnNode('q-a'), expected);
      assert.deepEqual(await store.usersOnNode('q-b'), [users[0]!.id]);
      assert.deepEqual(await store.usersOnNode('q-none'), []);
      assert.deepEqual(await store.clearPresence('q-a'), expected);
      assert.deepEqual(await store.usersOnNode('q-a'), []);
    });
  });
}
