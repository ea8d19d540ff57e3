import { subjects } from '../ports/bus.js';
import type { MembersStore, PresenceStore, ProfilesStore, UsersStore } from '../ports/store.js';
import type { ServiceDeps } from './deps.js';
import { LIVE_WINDOW_MS } from './registry.js';

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
    void this.#record(user.id, true).then(() => this.#announce(user, ids, true));
  }

  /**
   * A user's last socket on this node closed. Once that is recorded, their conversations hear
   * they are offline, unless a socket of theirs is open on a live node (`isBack` asks this
   * node, which may have taken a new socket meanwhile): presence frames are cluster-wide.
   */
  userOffline(user: PresenceUser, conversationIds: string[], isBack: () => boolean): void {
    void this.#record(user.id, false).then(async () => {
      if (isBack()) return;
      const online = await this.onlineAmong([user.id]).catch(() => new Set<string>());
      if (online.has(user.id) || isBack()) return;
      this.#announce(user, conversationIds, false);
    });
  }

  /** Of `userIds`, those with open sockets on any live node. */
  onlineAmong(userIds: string[]): Promise<Set<string>> {
    return this.#deps.store.onlineUsers(userIds, this.#deps.now() - LIVE_WINDOW_MS);
  }

  /** Users whose sockets a reaped node held: those not back on a live node are announced offline. */
  async announceGone(userIds: string[]): Promise<void> {
    const back = await this.onlineAmong(userIds);
    for (const id of userIds) {
      if (back.has(id)) continue;
      const user = await this.#deps.store.getUserById(id);
      if (user) this.#announce(user, await this.#deps.store.listConversationIdsForUser(id), false);
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
