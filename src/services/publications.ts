import type { TimelineEntry } from '../domain/model.js';
import { subjects, type Bus, type BusEvent } from '../ports/bus.js';
import { TransactionConflictError, type StoreOps, type TransactionsStore } from '../ports/store.js';

/**
 * Bus events collected inside a transaction and published only after it committed, so no node
 * ever relays something the store does not hold.
 */
export class Publications {
  readonly #items: Array<{ subject: string; event: BusEvent }> = [];

  timeline(entry: TimelineEntry): void {
    const conversationId =
      entry.kind === 'message' ? entry.message.conversationId : entry.event.conversationId;
    this.#items.push({
      subject: subjects.conversation(conversationId),
      event: { type: 'timeline', entry },
    });
  }

  joined(userId: string, conversationId: string, fromSeq: number): void {
    this.#items.push({
      subject: subjects.user(userId),
      event: { type: 'joined', userId, conversationId, fromSeq },
    });
  }

  conversationDeleted(conversationId: string, actor: string): void {
    this.#items.push({
      subject: subjects.conversation(conversationId),
      event: { type: 'conversation.deleted', conversationId, actor },
    });
  }

  revoked(userId: string, sessionId: string | null, reason?: string): void {
    this.#items.push({
      subject: subjects.user(userId),
      event: { type: 'revoked', userId, sessionId, ...(reason === undefined ? {} : { reason }) },
    });
  }

  read(userId: string, conversationId: string, seq: number): void {
    this.#items.push({
      subject: subjects.user(userId),
      event: { type: 'read', userId, conversationId, seq },
    });
  }

  /** The user muted or unmuted a conversation (rule N3), for their own sockets. */
  muted(userId: string, conversationId: string, muted: boolean): void {
    this.#items.push({
      subject: subjects.user(userId),
      event: { type: 'conversation.muted', userId, conversationId, muted },
    });
  }

  /** A member's read marker moved, for the other members (rule R9); not a timeline entry. */
  receipt(userId: string, conversationId: string, seq: number): void {
    this.#items.push({
      subject: subjects.conversation(conversationId),
      event: { type: 'receipt', conversationId, userId, seq },
    });
  }

  publish(bus: Bus): void {
    for (const { subject, event } of this.#items) bus.publish(subject, event);
  }
}

/**
 * Runs `fn` in one transaction and publishes what it collected only after the commit. A
 * transaction that lost a race with another node's (a deadlock or a key committed first)
 * runs once more from scratch, with fresh publications.
 */
export async function commitAndPublish<T>(
  store: Pick<TransactionsStore, 'transaction'>,
  bus: Bus,
  fn: (tx: StoreOps, pubs: Publications) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const pubs = new Publications();
    try {
      const result = await store.transaction((tx) => fn(tx, pubs));
      pubs.publish(bus);
      return result;
    } catch (err) {
      if (!(err instanceof TransactionConflictError) || attempt >= 2) throw err;
    }
  }
}
