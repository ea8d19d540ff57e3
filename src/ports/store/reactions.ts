import type { ReactionGroup } from '../../domain/model.js';

/** One user's reaction with one emoji to one message (rule R4). */
export interface Reaction {
  conversationId: string;
  seq: number;
  emoji: string;
  userId: string;
  createdAt: number;
}

/**
 * Reactions to messages (rule R4): one row per (message, emoji, user). Plain reads and
 * writes; the limit of distinct emoji per message is the service's, inside a transaction.
 */
export interface ReactionsStore {
  /** Adds the reaction; false (and nothing written) if the user already reacted so. */
  addReaction(reaction: Reaction): Promise<boolean>;
  /** Removes the user's reaction; false if there was none. */
  removeReaction(
    conversationId: string,
    seq: number,
    emoji: string,
    userId: string,
  ): Promise<boolean>;
  /** The distinct emoji on a message, in no particular order. */
  listReactionEmoji(conversationId: string, seq: number): Promise<string[]>;
  /** The message's reactions: groups by first reaction (then emoji), users by reaction time. */
  listReactions(conversationId: string, seq: number): Promise<ReactionGroup[]>;
  /** Removes every reaction to a message (its deletion, rule M4). */
  deleteReactions(conversationId: string, seq: number): Promise<void>;
}
