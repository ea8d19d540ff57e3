import type {
  AttachmentsStore,
  Lease,
  LeasesStore,
  NodesStore,
  PresenceStore,
  PushStore,
  SessionsStore,
} from '../ports/store.js';
import { INCOMPLETE_TTL_MS, UNATTACHED_TTL_MS } from './attachments.js';
import type { ServiceDeps } from './deps.js';
import type { PresenceService } from './presence.js';

/** A node silent for this long is removed from the registry by the leader. */
export const REAP_AFTER_MS = 30_000;
/** The lease under which one node at a time runs the clean-ups. */
export const DUTIES_LEASE = 'parley.singleton-duties';
/** How often the leader purges expired sessions (rule A4). */
const PURGE_EVERY_MS = 3_600_000;
/** How often the leader sweeps old unattached uploads and dead uploads' blobs (rule F9). */
const SWEEP_FILES_EVERY_MS = 10 * 60_000;
/** A follower asks for the lease every this many heartbeats (10 s): asking costs a session. */
const ASK_EVERY_TICKS = 5;

/** What the duties need: the lease, the nodes and presence tables, expired sessions. */
export type LeaderDeps = Pick<ServiceDeps, 'log' | 'now'> & {
  store: LeasesStore &
    Pick<NodesStore, 'listNodes' | 'deleteNode'> &
    Pick<PresenceStore, 'clearPresence'> &
    Pick<SessionsStore, 'deleteExpiredSessions'> &
    Pick<PushStore, 'deleteOrphanPushSubscriptions'> &
    Pick<AttachmentsStore, 'sweepUnattachedUploads' | 'deleteIncompleteBlobs'>;
};

/**
 * The singleton duties (rule K4): one node at a time, under a store lease (a PostgreSQL
 * advisory lock), reaps dead nodes (announcing their users offline), purges expired
 * sessions and sweeps abandoned uploads (rule F9). When it dies its lease ends with its database session and another node's next
 * attempt takes over.
 */
export class LeaderDuties {
  readonly #deps: LeaderDeps;
  readonly #presence: PresenceService;
  #lease: Lease | null = null;
  #lastPurge = 0;
  #lastFileSweep = 0;
  #ticks = 0;

  constructor(deps: LeaderDeps, presence: PresenceService) {
    this.#deps = deps;
    this.#presence = presence;
  }

  /** True while this node holds the singleton-duties lease. */
  get leader(): boolean {
    return this.#lease !== null;
  }

  /** One heartbeat's turn: a follower may take the lease; the leader does the duties. */
  async tick(): Promise<void> {
    if (!this.#lease) {
      if (this.#ticks++ % ASK_EVERY_TICKS !== 0) return;
      this.#lease = await this.#deps.store.tryLease(DUTIES_LEASE);
      if (!this.#lease) return;
      this.#deps.log.info(
        { event: 'cluster.leader' },
        'this node now runs the cluster-wide jobs (removing dead nodes, expired sessions and unattached uploads)',
      );
      void this.#lease.lost.then(() => {
        this.#lease = null;
        this.#deps.log.warn(
          { event: 'cluster.lease_lost' },
          'this node no longer runs the cluster-wide jobs (its claim in the database lapsed); another node takes them over',
        );
      });
    }
    const now = this.#deps.now();
    await this.#reapDeadNodes(now);
    if (now - this.#lastPurge > PURGE_EVERY_MS) {
      this.#lastPurge = now;
      await this.#purgeExpiredSessions(now);
    }
    if (now - this.#lastFileSweep > SWEEP_FILES_EVERY_MS) {
      this.#lastFileSweep = now;
      await this.#sweepFiles(now);
    }
  }

  /** Gives the lease up (the node is stopping). */
  async release(): Promise<void> {
    await this.#lease?.release().catch(() => undefined);
    this.#lease = null;
  }

  async #reapDeadNodes(now: number): Promise<void> {
    const dead = (await this.#deps.store.listNodes()).filter(
      (n) => n.heartbeatAt < now - REAP_AFTER_MS,
    );
    for (const node of dead) {
      const gone = await this.#deps.store.clearPresence(node.id);
      await this.#deps.store.deleteNode(node.id);
      await this.#presence.announceGone(gone);
    }
    if (dead.length > 0) {
      this.#deps.log.info(
        { event: 'cluster.reaped', nodes: dead.map((n) => n.id) },
        'removed nodes that stopped sending heartbeats; their users are offline',
      );
    }
  }

  /** Unattached uploads older than a day, blobs of uploads that died an hour ago (rule F9). */
  async #sweepFiles(now: number): Promise<void> {
    const uploads = await this.#deps.store.sweepUnattachedUploads(now - UNATTACHED_TTL_MS);
    const blobs = await this.#deps.store.deleteIncompleteBlobs(now - INCOMPLETE_TTL_MS);
    if (uploads + blobs > 0) {
      this.#deps.log.info(
        { event: 'files.swept', uploads, blobs },
        'removed uploads never attached to a message and files whose upload did not finish',
      );
    }
  }

  async #purgeExpiredSessions(now: number): Promise<void> {
    const purged = await this.#deps.store.deleteExpiredSessions(now);
    // Their push subscriptions go with them (rule N6), as a logout's do.
    const subscriptions = await this.#deps.store.deleteOrphanPushSubscriptions();
    if (purged + subscriptions > 0) {
      this.#deps.log.info(
        { event: 'sessions.purged', sessions: purged, pushSubscriptions: subscriptions },
        'removed expired sessions',
      );
    }
  }
}
