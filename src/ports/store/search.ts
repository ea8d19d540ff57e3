import type { Message } from '../../domain/model.js';

/**
 * Where a page of search results starts: after a message id (`newest`, ids descending), or
 * after so many results (`relevance`, whose order has no key a page could resume from).
 */
export type SearchPosition =
  { kind: 'newest'; beforeId: string | null } | { kind: 'offset'; offset: number };

/** A full-text search (rules Q1-Q3) as the store runs it. */
export interface SearchQuery {
  /**
   * Token prefixes, already tokenized by domain/search.ts (1 to SEARCH_TERMS_MAX, non-empty,
   * lowercased); a message matches when each is the start of one of its tokens.
   */
  prefixes: string[];
  /** Only this conversation (still only if the user is a member of it). */
  conversationId: string | null;
  /** Only messages this user sent. */
  senderId: string | null;
  /** `newest`: by message id descending; `relevance`: by the engine's score, ties newest first. */
  order: 'newest' | 'relevance';
  /** `newest` takes a `newest` position, `relevance` an `offset`. */
  position: SearchPosition;
  limit: number;
}

/** Full-text search over messages (rules Q1-Q3, Q5). */
export interface SearchStore {
  /**
   * The messages, not deleted, of the conversations `userId` is a member of as of the read,
   * matching every prefix, in the query's order from its position, at most `limit`, decorated
   * as every read of a message is (TimelineStore.getMessage). `newest` is the same list on every
   * engine; `relevance` ranks by the engine's own score (FTS5 bm25, ts_rank).
   */
  searchMessages(userId: string, query: SearchQuery): Promise<Message[]>;
}
