import { isReactionEmoji } from '../domain/emoji.js';
import { AppError } from '../domain/errors.js';
import { MAX_EMOJI_UNITS, MAX_REACTIONS_PER_MESSAGE } from '../domain/limits.js';
import { MAX_SEQ } from '../domain/replies.js';
import type { ReactionGroup, User } from '../domain/model.js';
import type { MessageRecord, StoreOps, TransactionsStore } from '../ports/store.js';
import type { ServiceDeps } from './deps.js';
import { requireMember } from './membership.js';
import { commitAndPublish, type Publications } from './publications.js';
import { appendTimelineEvent } from './timeline-events.js';

/** What ReactionService uses: transactions (every read and write happens inside one). */
export type ReactionDeps = Pick<ServiceDeps, 'bus' | 'now'> & {
  store: Pick<TransactionsStore, 'transaction'>;
};

/**
 * Reactions to messages (rule R4): any member may add or remove their own reaction with one
 * emoji to any message that is not deleted. Both are idempotent; a change that changes
 * something appends `reaction.added` / `reaction.removed` to the timeline in the same
 * transaction and publishes it after the commit, so it replays on resync and every client
 * converges; a no-op writes nothing. A message carries at most MAX_REACTIONS_PER_MESSAGE
 * distinct emoji: one more is `too_many_reactions`, an emoji already there is always allowed.
 */
export class ReactionService {
  readonly #deps: ReactionDeps;

  constructor(deps: ReactionDeps) {
    this.#deps = deps;
  }

  /** Adds `me`'s reaction `emoji` to message `seq`; answers the message's reactions. */
  add(me: User, conversationId: string, seq: number, emoji: string): Promise<ReactionGroup[]> {
    requireEmoji(emoji);
    return this.#change(me, conversationId, seq, async (tx, pubs) => {
      const present = await tx.listReactionEmoji(conversationId, seq);
      if (!present.includes(emoji) && present.length >= MAX_REACTIONS_PER_MESSAGE) {
        throw new AppError(
          'too_many_reactions',
          `a message has at most ${MAX_REACTIONS_PER_MESSAGE} different reactions`,
          { details: { max: MAX_REACTIONS_PER_MESSAGE } },
        );
      }
      // Each reaction of a message is later than the one before: the order of the groups and
      // of their users is then the order of the events (no tie of the clock to break).
      const last = await tx.lastReactionAt(conversationId, seq);
      const added = await tx.addReaction({
        conversationId,
        seq,
        emoji,
        userId: me.id,
        createdAt: Math.max(this.#deps.now(), (last ?? 0) + 1),
      });
      if (!added) return;
      const event = await appendTimelineEvent(
        this.#deps,
        tx,
        conversationId,
        'reaction.added',
        me.id,
        { seq, emoji, userId: me.id, username: me.username },
      );
      pubs.timeline({ kind: 'event', event });
    });
  }

  /** Removes `me`'s reaction `emoji` from message `seq`; answers the message's reactions. */
  remove(me: User, conversationId: string, seq: number, emoji: string): Promise<ReactionGroup[]> {
    requireEmoji(emoji);
    return this.#change(me, conversationId, seq, async (tx, pubs) => {
      if (!(await tx.removeReaction(conversationId, seq, emoji, me.id))) return;
      const event = await appendTimelineEvent(
        this.#deps,
        tx,
        conversationId,
        'reaction.removed',
        me.id,
        { seq, emoji, userId: me.id, username: me.username },
      );
      pubs.timeline({ kind: 'event', event });
    });
  }

  /**
   * Runs `change` on a message `me` may react to, in one transaction that first takes the
   * conversation's row lock: reactions to one conversation (and its sends, edits and
   * deletions, which take the same lock) then run one after the other, so the distinct-emoji
   * count and the deleted check hold on PostgreSQL too. Answers the reactions as committed.
   */
  #change(
    me: User,
    conversationId: string,
    seq: number,
    change: (tx: StoreOps, pubs: Publications) => Promise<void>,
  ): Promise<ReactionGroup[]> {
    return commitAndPublish(this.#deps.store, this.#deps.bus, async (tx, pubs) => {
      await requireMember(tx, conversationId, me.id);
      await tx.lockConversation(conversationId);
      // A seq past the store's integer column names no message: not asked of the engine. The
      // stored row is enough (no quote, counts or reactions read for it).
      requireLive(seq > MAX_SEQ ? null : await tx.getMessageRecord(conversationId, seq));
      await change(tx, pubs);
      return tx.listReactions(conversationId, seq);
    });
  }
}

/** `invalid_request` unless `emoji` is exactly one emoji (rule R4). */
function requireEmoji(emoji: string): void {
  if (!isReactionEmoji(emoji)) {
    throw new AppError(
      'invalid_request',
      `a reaction is exactly one emoji (at most ${MAX_EMOJI_UNITS} UTF-16 units)`,
    );
  }
}

/** The message reacted to: `not_found` for a seq that is no message, `conflict` once deleted. */
function requireLive(message: MessageRecord | null): MessageRecord {
  if (!message) throw new AppError('not_found', 'message not found');
  if (message.deletedAt !== null) throw new AppError('conflict', 'the message was deleted');
  return message;
}
