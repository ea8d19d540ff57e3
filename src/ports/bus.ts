import type { TimelineEntry } from '../domain/model.js';

/**
 * What travels between nodes. Timeline entries are already committed: the bus is a latency
 * path, never the source of truth (a node that missed bus traffic resyncs from the store).
 */
export type BusEvent =
  | { type: 'timeline'; entry: TimelineEntry }
  | { type: 'conversation.deleted'; conversationId: string; actor: string }
  | { type: 'typing'; conversationId: string; userId: string; username: string }
  | { type: 'presence'; conversationId: string; userId: string; username: string; online: boolean }
  | { type: 'joined'; userId: string; conversationId: string; fromSeq: number }
  /** Sessions ended (null: all the user's); `reason` is the sockets' close reason (default 'session ended'). */
  | { type: 'revoked'; userId: string; sessionId: string | null; reason?: string }
  | { type: 'read'; userId: string; conversationId: string; seq: number }
  /** The user muted or unmuted a conversation (rule N3): for the user's own sockets. */
  | { type: 'conversation.muted'; userId: string; conversationId: string; muted: boolean }
  /** A member who shares read markers moved theirs (rule R9): for the other members' sockets. */
  | { type: 'receipt'; conversationId: string; userId: string; seq: number };

/** Subject names: conversation events go to `conv.<id>`, user-scoped ones to `user.<id>`. */
export const subjects = {
  conversation: (id: string) => `conv.${id}`,
  user: (id: string) => `user.${id}`,
};

/** A live subscription; `unsubscribe` is idempotent. */
export interface BusSubscription {
  unsubscribe(): void;
}

/** Connection state changes a bus reports (a reconnect means traffic may have been missed). */
export type BusStatus = 'connected' | 'disconnected' | 'reconnected';

/**
 * The Bus port: publish/subscribe of committed events between nodes. Every adapter passes
 * test/contract/bus.contract.ts. Per subject, events from one publisher arrive in publish order.
 */
export interface Bus {
  /** The adapter's name, for logs and metrics only: behaviour follows the flags below. */
  readonly engine: string;
  /**
   * True if the bus may lose an event, or deliver a new subscription's events only a moment
   * after `subscribe` returns (a network bus: a server that confirmed an event dies before
   * routing it; interest spreading to other servers). Its users then check positions against
   * the store (rules G7, K6). False for an in-process bus, which delivers every event to every
   * subscription made before its publish.
   */
  readonly lossy: boolean;
  publish(subject: string, event: BusEvent): void;
  subscribe(subject: string, handler: (event: BusEvent) => void): BusSubscription;
  onStatus(listener: (status: BusStatus) => void): void;
  /** Resolves once everything published so far has been handed to the transport. */
  flush(): Promise<void>;
  close(): Promise<void>;
}
