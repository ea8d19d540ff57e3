import type { ClusterNode } from '../../domain/model.js';

/** The node registry: each node's row, refreshed by its heartbeat (rules K2, K3). */
export interface NodesStore {
  /** Registers or refreshes a node's row (heartbeat). */
  upsertNode(node: ClusterNode): Promise<void>;
  listNodes(): Promise<ClusterNode[]>;
  deleteNode(id: string): Promise<void>;
  /** Removes nodes whose last heartbeat is older than `heartbeatBefore`; returns how many. */
  deleteNodesBefore(heartbeatBefore: number): Promise<number>;
}

/** Which nodes hold sockets of which users (rule G7, best effort). */
export interface PresenceStore {
  /** Records that `nodeId` holds (or no longer holds) sockets of the user. */
  setPresence(userId: string, nodeId: string, online: boolean, at: number): Promise<void>;
  /** Forgets every presence of a node (a node starting, or a dead node reaped); returns whose. */
  clearPresence(nodeId: string): Promise<string[]>;
  /**
   * The users with a presence row on `nodeId`, sorted; deletes nothing (a node that fell
   * silent may only be stalled and keep them).
   */
  usersOnNode(nodeId: string): Promise<string[]>;
  /** Of `userIds`, those with sockets on a node whose heartbeat is at or after `liveSince`. */
  onlineUsers(userIds: string[], liveSince: number): Promise<Set<string>>;
}
