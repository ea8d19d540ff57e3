import type { ConversationSummary, Principal, TimelineEntry, User } from '../domain/model.js';
import type { Counter, Histogram } from '../observability/metrics.js';
import type { Bus } from '../ports/bus.js';

export type { Principal } from '../domain/model.js';

/** The structured log lines the core writes (the node's logger satisfies it). */
export interface DeliveryLog {
  debug(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

/**
 * What the delivery core knows of a socket: the gateway adapts a WebSocket to it, tests use
 * a fake. Frames are already serialized: one serialization serves every socket of a fan-out.
 */
export interface DeliverySocket {
  /** False once the socket is closing or closed: nothing sent then reaches the client. */
  readonly isOpen: boolean;
  /** Bytes handed to the socket and not yet written to the network (slow consumers, W7). */
  readonly bufferedBytes: number;
  /** Queues a frame; `onWritten` runs once it is written (or dropped by a closing socket). */
  send(frame: string, onWritten?: () => void): void;
  /** Closes the socket with a WebSocket close code (rule W8); idempotent. */
  close(code: number, reason: string): void;
}

/** A conversation the user belongs to and the last seq of its timeline. */
export interface Position {
  conversationId: string;
  lastSeq: number;
}

/**
 * Everything the delivery core reads or calls besides sockets and the bus. The composition
 * root wires it to the services; tests wire it to services over a real store.
 */
export interface DeliveryReads {
  /** True while the principal's session exists (not logged out, deleted or expired). */
  sessionActive(principal: Principal): Promise<boolean>;
  /** Of these session ids, those that still exist. */
  liveSessions(sessionIds: string[]): Promise<Set<string>>;
  /** The ids of the user's conversations. */
  conversationIds(userId: string): Promise<string[]>;
  /** The user's conversations with each one's last seq. */
  positions(userId: string): Promise<Position[]>;
  /** How many conversations each of these users is in (a user in none may be absent). */
  membershipCounts(userIds: string[]): Promise<Map<string, number>>;
  /** The last seq of each of these conversations (those that exist). */
  latestSeqs(conversationIds: string[]): Promise<Map<string, number>>;
  /** The conversation as its member `user` sees it; throws `not_found` for a non-member. */
  conversation(user: User, conversationId: string): Promise<ConversationSummary>;
  /**
   * Up to `limit` timeline entries after `afterSeq`, in seq order, read in one snapshot, as
   * `user` may read them: nothing before their history bound (rule PG5).
   */
  readTimeline(
    user: User,
    conversationId: string,
    afterSeq: number,
    limit: number,
  ): Promise<TimelineEntry[]>;
}

/** Cluster-wide presence bookkeeping (rule G7), told when a user's first and last socket go. */
export interface PresenceTracker {
  userOnline(user: User, conversationIds: Iterable<string>): void;
  userOffline(user: User, conversationIds: string[], isBack: () => boolean): void;
}

/** The counters and latencies the core updates (parley_* in /metrics). */
export interface DeliveryMetrics {
  deliveries: Counter;
  resyncs: Counter;
  sweepCatchUps: Counter;
  slowConsumers: Counter;
  busReconnects: Counter;
  fanoutLatency: Histogram;
}

/** Tunables of the core, from the node's configuration. */
export interface DeliverySettings {
  nodeId: string;
  /** A socket with more unsent bytes than this is closed as a slow consumer (W7). */
  maxSocketBufferBytes: number;
  /** How often sessions and positions are swept (K6). */
  sweepMs: number;
  /** How long after subscribing the positions are checked again (lossy bus only). */
  subscribeCheckMs: number;
}

/** The delivery core's dependencies: the narrow set it needs, not the service bag. */
export interface DeliveryDeps {
  bus: Pick<Bus, 'lossy' | 'publish' | 'subscribe' | 'onStatus' | 'flush'>;
  reads: DeliveryReads;
  presence: PresenceTracker;
  /** Takes `count` unknown conversation ids named by the user's `sync` frames (rule W9). */
  allowUnknownIds(userId: string, count: number): boolean;
  metrics: DeliveryMetrics;
  log: DeliveryLog;
  settings: DeliverySettings;
}
