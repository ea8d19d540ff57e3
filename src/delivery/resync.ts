import { AppError } from '../domain/errors.js';
import { encode } from './frames.js';
import type { LiveDelivery } from './live-delivery.js';
import type { DeliveryDeps } from './ports.js';
import type { Session } from './session.js';
import type { Subscriptions } from './subscriptions.js';

/** How a resync treats the cursors it is given. */
export interface ResyncOptions {
  /** Conversations the user belongs to that the session does not follow yet. */
  members?: ReadonlySet<string>;
  /** Echoed in `synced` (the `sync` frame's `ref`). */
  ref?: string;
  /** True for a cursor that nothing follows yet: it is not read from the store. */
  upToDate?: (conversationId: string, seq: number) => boolean;
}

/**
 * Resync from a client's cursors (rule G4): every listed cursor moves at the same instant,
 * each conversation is replayed after it, in order, then `synced`.
 */
export class Resync {
  readonly #deps: DeliveryDeps;
  readonly #subscriptions: Subscriptions;
  readonly #delivery: LiveDelivery;

  constructor(deps: DeliveryDeps, subscriptions: Subscriptions, delivery: LiveDelivery) {
    this.#deps = deps;
    this.#subscriptions = subscriptions;
    this.#delivery = delivery;
  }

  /**
   * A `sync` frame. Conversations the user no longer belongs to get `conversation.removed`.
   * Membership is checked for all of them first, so every cursor moves at the same instant
   * and no live entry slips in between and gets replayed again.
   */
  async sync(session: Session, cursors: Record<string, number>, ref?: string): Promise<void> {
    let unknown = 0;
    for (const id of Object.keys(cursors)) if (!session.cursors.follows(id)) unknown += 1;
    if (unknown > 0 && !this.#deps.allowUnknownIds(session.user.id, unknown))
      throw new AppError('rate_limited', 'too many unknown conversations in sync; wait');
    // Ids the socket does not follow are resolved in one read of the user's memberships, however
    // many there are (rule W9): a frame of strangers' ids costs one query, not one per id.
    const members = unknown
      ? new Set(await this.#deps.reads.conversationIds(session.user.id))
      : new Set<string>();
    if (session.closing) return;
    await this.replay(session, cursors, { members, ...(ref === undefined ? {} : { ref }) });
  }

  /**
   * Moves the listed cursors (synchronously, all at once), replays from them, then sends
   * `synced`. Ids neither followed nor in `members` get `conversation.removed`.
   */
  replay(session: Session, cursors: Record<string, number>, options: ResyncOptions): Promise<void> {
    const { members, ref, upToDate } = options;
    const entries = Object.entries(cursors);
    const pending: Array<Promise<void>> = [];
    for (const [conversationId, seq] of entries) {
      if (session.cursors.follows(conversationId)) {
        session.cursors.set(conversationId, seq);
        if (upToDate?.(conversationId, seq)) continue;
      } else if (members?.has(conversationId)) {
        this.#subscriptions.attach(session, conversationId, seq);
      } else {
        session.send(
          encode({ type: 'event', event: { type: 'conversation.removed', conversationId } }),
        );
        continue;
      }
      pending.push(this.#delivery.replay(session, conversationId));
    }
    return Promise.all(pending).then(() => {
      const done: Record<string, number> = {};
      for (const [id] of entries) {
        const c = session.cursors.seq(id);
        if (c !== undefined) done[id] = c;
      }
      session.send(
        encode({ type: 'synced', cursors: done, ...(ref === undefined ? {} : { ref }) }),
      );
    });
  }
}
