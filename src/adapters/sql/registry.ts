import type { ClusterNode } from '../../domain/model.js';
import type { NodesStore, PresenceStore } from '../../ports/store.js';
import { sqlAggregate, type SqlExecutor } from './executor.js';
import { num } from './rows.js';

/** The node registry and presence (NodesStore, PresenceStore) over SQL: the node's bookkeeping. */
export const registry = sqlAggregate<NodesStore & PresenceStore>({
  // None of it is users' data: heartbeats and presence go on while users' writes are refused.
  userWrites: [],
  ops({ db }: SqlExecutor): NodesStore & PresenceStore {
    return {
      async upsertNode(n: ClusterNode): Promise<void> {
        const row = {
          url: n.url,
          started_at: n.startedAt,
          heartbeat_at: n.heartbeatAt,
          connections: n.connections,
          draining: n.draining ? 1 : 0,
        };
        await db
          .insertInto('nodes')
          .values({ id: n.id, ...row })
          .onConflict((oc) => oc.column('id').doUpdateSet(row))
          .execute();
      },

      async listNodes(): Promise<ClusterNode[]> {
        const rows = await db.selectFrom('nodes').selectAll().orderBy('id').execute();
        return rows.map((r) => ({
          id: r.id,
          url: r.url,
          startedAt: num(r.started_at),
          heartbeatAt: num(r.heartbeat_at),
          connections: num(r.connections),
          draining: num(r.draining) !== 0,
        }));
      },

      async deleteNode(id: string): Promise<void> {
        await db.deleteFrom('nodes').where('id', '=', id).execute();
      },

      async deleteNodesBefore(heartbeatBefore: number): Promise<number> {
        const result = await db
          .deleteFrom('nodes')
          .where('heartbeat_at', '<', heartbeatBefore)
          .executeTakeFirst();
        return Number(result.numDeletedRows);
      },

      async setPresence(userId: string, nodeId: string, online: boolean, at: number) {
        if (!online) {
          await db
            .deleteFrom('presence')
            .where('user_id', '=', userId)
            .where('node_id', '=', nodeId)
            .execute();
          return;
        }
        await db
          .insertInto('presence')
          .values({ user_id: userId, node_id: nodeId, since: at })
          .onConflict((oc) => oc.columns(['user_id', 'node_id']).doNothing())
          .execute();
      },

      async clearPresence(nodeId: string): Promise<string[]> {
        const rows = await db
          .deleteFrom('presence')
          .where('node_id', '=', nodeId)
          .returning('user_id')
          .execute();
        return rows.map((r) => r.user_id).sort();
      },

      async usersOnNode(nodeId: string): Promise<string[]> {
        const rows = await db
          .selectFrom('presence')
          .select('user_id')
          .where('node_id', '=', nodeId)
          .orderBy('user_id')
          .execute();
        return rows.map((r) => r.user_id);
      },

      async onlineUsers(userIds: string[], liveSince: number): Promise<Set<string>> {
        if (userIds.length === 0) return new Set();
        const rows = await db
          .selectFrom('presence as p')
          .innerJoin('nodes as n', 'n.id', 'p.node_id')
          .select('p.user_id')
          .distinct()
          .where('p.user_id', 'in', userIds)
          .where('n.heartbeat_at', '>=', liveSince)
          .execute();
        return new Set(rows.map((r) => r.user_id));
      },
    };
  },
});
