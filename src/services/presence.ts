import type { ClusterNode } from '../domain/model.js';
import { subjects } from '../ports/bus.js';
import type { MembersStore, PresenceStore, ProfilesStore, UsersStore } from '../ports/store.js';
import type { ServiceDeps } from './deps.js';
import { LIVE_WINDOW_MS } from './registry.js';

/**
 * How often every node looks for silent nodes (rule G7). A killed node's users go offline for
 * others LIVE_WINDOW_MS (6 s) after its last heartbeat, plus at most this: 4-7 s after the kill.
 */
export const SILENT_CHECK_MS = 1_000;

/** Who a presence frame is about. */
export interface PresenceUser {
  id: string;
  username: string;
}

/** What presence reads and writes: the presence table, and whom to tell about a user. */
export type PresenceDeps = Pick<ServiceDeps, 'bus' | 'log' | 'now'> & {
  store: PresenceStore &
    Pick<ProfilesStore, 'touchLastSeen'> &
    Pick<UsersStore, 'getUserById'> &
    Pick<MembersStore, 'listConversationIdsForUser'>;
};

/**
 * Presence across the cluster (rule G7, best effort): the store records which users this node
 * holds sockets for, so any node answers who is online, and `presence` frames go to the
 * conversations of a user who came online or whose last socket on any live node closed.
 */
export class PresenceService {
  readonly #deps: PresenceDeps;
  readonly #nodeId: string;
  readonly #writes = new Map<string, Promise<void>>();
  /** Other nodes found silent (see {@link watchNodes}) and not heard from since. */
  readonly #silent = new Set<string>();
  /** Users this node holds sockets for (for {@link restore}). */
  readonly #local = new Map<string, PresenceUser>();
  #forgotEarlierRun = false;

  constructor(deps: PresenceDeps, nodeId: string) {
    this.#deps = deps;
    this.#nodeId = nodeId;
  }

  /**
   * A user's first socket on this node is open: the presence table records it, then their
   * conversations hear they are online. Recording first means that whoever hears the frame and
   * then asks any node gets the same answer.
   */
  userOnline(user: PresenceUser, conversationIds: Iterable<string>): void {
    const ids = [...conversationIds];
    this.#local.set(user.id, { id: user.id, username: user.username });
    void this.#record(user.id, true).then(() => this.#announce(user, ids, true));
  }

  /**
   * A user's last socket on this node closed. Once that is recorded, their conversations hear
   * they are offline, unless a socket of theirs is open on a live node (`isBack` asks this
   * node, which may have taken a new socket meanwhile): presence frames are cluster-wide.
   */
  userOffline(user: PresenceUser, conversationIds: string[], isBack: () => boolean): void {
    this.#local.delete(user.id);
    void this.#record(user.id, false).then(async () => {
      if (isBack()) return;
      const online = await this.onlineAmong([user.id]).catch(() => new Set<string>());
      if (online.has(user.id) || isBack()) return;
      this.#announce(user, conversationIds, false);
    });
  }

  /**
   * Of `userIds`, those with open sockets on any live node. Sockets on this node are known
   * here, so only the others are looked up in the presence table (a DM's peer is mostly on the
   * same node: a send's notification check then reads nothing).
   */
  async onlineAmong(userIds: string[]): Promise<Set<string>> {
    const online = new Set<string>();
    const elsewhere: string[] = [];
    for (const id of userIds) {
      if (this.#local.has(id)) online.add(id);
      else elsewhere.push(id);
    }
    if (elsewhere.length === 0) return online;
    const found = await this.#deps.store.onlineUsers(elsewhere, this.#deps.now() - LIVE_WINDOW_MS);
    for (const id of found) online.add(id);
    return online;
  }

  /** Users whose sockets a reaped node held: those not back on a live node are announced offline. */
  async announceGone(userIds: string[]): Promise<void> {
    await this.#announceAll(userIds, false);
  }

  /**
   * Rule G7: every node checks the registry every {@link SILENT_CHECK_MS}. A node whose last
   * heartbeat is older than LIVE_WINDOW_MS is silent (killed, frozen, or cut off from the
   * store): its presence rows are removed at once, and its users not online on a live node are
   * announced offline, instead of when the leader reaps it (REAP_AFTER_MS, whose own removal
   * then finds nothing). The removal returns the rows to one node only, so however many nodes
   * check, each user is announced once. A node that was only stalled puts its rows back itself
   * ({@link restore}).
   */
  async watchNodes(nodes: readonly ClusterNode[]): Promise<void> {
    const liveSince = this.#deps.now() - LIVE_WINDOW_MS;
    for (const node of nodes) {
      if (node.id === this.#nodeId) continue;
      if (node.heartbeatAt >= liveSince) {
        this.#silent.delete(node.id);
      } else if (!this.#silent.has(node.id)) {
        this.#silent.add(node.id);
        await this.#announceAll(await this.#deps.store.clearPresence(node.id), false);
      }
    }
    const listed = new Set(nodes.map((n) => n.id));
    for (const id of this.#silent) if (!listed.has(id)) this.#silent.delete(id);
  }

  /**
   * This node's heartbeat was late by more than LIVE_WINDOW_MS (it was stalled or cut off from
   * the store), so another node may have removed its presence rows and announced its users
   * offline: it records and announces every user it holds sockets for again. `announce` false
   * records only (the heartbeat after, for a removal that raced the first restore).
   */
  async restore(announce = true): Promise<void> {
    for (const user of [...this.#local.values()]) {
      await this.#record(user.id, true);
      if (!announce || !this.#local.has(user.id)) continue;
      this.#announce(user, await this.#deps.store.listConversationIdsForUser(user.id), true);
    }
  }

  /**
   * Forgets the sockets an earlier run of this node id recorded (they are gone); once, before
   * the node's first heartbeat makes those rows count as live again.
   */
  async forgetEarlierRun(): Promise<void> {
    if (this.#forgotEarlierRun) return;
    await this.#deps.store.clearPresence(this.#nodeId);
    this.#forgotEarlierRun = true;
  }

  /** Forgets every socket of this node (it is stopping). */
  async clear(): Promise<void> {
    await this.#deps.store.clearPresence(this.#nodeId).catch(() => undefined);
  }

  /** Announces each user to their conversations; offline only those not online on a live node. */
  async #announceAll(userIds: string[], online: boolean): Promise<void> {
    if (userIds.length === 0) return;
    const back = online ? new Set<string>() : await this.onlineAmong(userIds);
    for (const id of userIds) {
      if (back.has(id)) continue;
      const user = await this.#deps.store.getUserById(id);
      if (user) this.#announce(user, await this.#deps.store.listConversationIdsForUser(id), online);
    }
  }

  #announce(user: PresenceUser, conversationIds: Iterable<string>, online: boolean): void {
    for (const conversationId of conversationIds) {
      this.#deps.bus.publish(subjects.conversation(conversationId), {
        type: 'presence',
        conversationId,
        userId: user.id,
        username: user.username,
        online,
      });
    }
  }

  /** Writes for one user are chained, so a quick connect-disconnect cannot land reversed. */
  #record(userId: string, online: boolean): Promise<void> {
    const previous = this.#writes.get(userId) ?? Promise.resolve();
    const next = previous
      .then(async () => {
        const now = this.#deps.now();
        await this.#deps.store.setPresence(userId, this.#nodeId, online, now);
        // Last seen (rule PR6): a socket's first open and last close on this node, no more.
        await this.#deps.store.touchLastSeen(userId, now);
      })
      .catch((err: unknown) => {
        this.#deps.log.debug(
          { event: 'presence.write_failed', userId, err },
          'presence not recorded',
        );
      })
      .finally(() => {
        if (this.#writes.get(userId) === next) this.#writes.delete(userId);
      });
    this.#writes.set(userId, next);
    return next;
  }
}
