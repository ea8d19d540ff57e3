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
 * A message's groups are in the order they appeared, each group's users in the order they
 * reacted: what a client replaying `reaction.added`/`reaction.removed` in seq order builds
 * (append a new group or user; drop a user, and a group once empty). The service gives each
 * reaction of a message a later time than the one before, so times never tie.
 */
export interface ReactionsStore {
  /** Adds the reaction; false (and nothing written) if the user already reacted so. */
  addReaction(reaction: Reaction): Promise<boolean>;
  /**
   * Removes the user's reaction; false if there was none. The group keeps its place among the
   * message's groups (its next user takes over the removed first reaction's time).
   */
  removeReaction(
    conversationId: string,
    seq: number,
    emoji: string,
    userId: string,
  ): Promise<boolean>;
  /** The time of the message's latest reaction; null if it has none. */
  lastReactionAt(conversationId: string, seq: number): Promise<number | null>;
  /** The distinct emoji on a message, in no particular order. */
  listReactionEmoji(conversationId: string, seq: number): Promise<string[]>;
  /** The message's reactions: groups by their first reaction's time, users by reaction time. */
  listReactions(conversationId: string, seq: number): Promise<ReactionGroup[]>;
  /** Removes every reaction to a message (its deletion, rule M4). */
  deleteReactions(conversationId: string, seq: number): Promise<void>;
}
