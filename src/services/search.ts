import { AppError } from '../domain/errors.js';
import { SEARCH_PAGE_MAX, SEARCH_QUERY_MAX, SEARCH_TERMS_MAX } from '../domain/limits.js';
import type { SearchHit, Snippet, User } from '../domain/model.js';
import { searchTokens } from '../domain/search.js';
import type { SearchPosition, SearchStore, UsersStore } from '../ports/store.js';

/** A search as a client asks for it (rule Q2), validated at the edge for types and sizes. */
export interface SearchRequest {
  q: string;
  /** Only this conversation's messages. */
  conversationId?: string | undefined;
  /** Only messages sent by the user with this name. */
  sender?: string | undefined;
  order?: 'newest' | 'relevance' | undefined;
  /** The `nextCursor` of the previous page, as given. */
  cursor?: string | undefined;
  limit?: number | undefined;
}

/** A page of search results (rule Q3): `nextCursor` pages on, null at the end. */
export interface SearchPage {
  results: SearchHit[];
  nextCursor: string | null;
}

/**
 * Searches per user (rule Q2): each one reads an index and decorates a page, so a client
 * typing may issue a few a second, never many: 120 a minute, bursts of 30.
 */
export const SEARCH_RATE = { count: 120, perMs: 60_000, burst: 30 } as const;

/** Results per page when the client names no limit. */
export const SEARCH_PAGE_DEFAULT = 20;

/** What SearchService uses of the store. */
export interface SearchDeps {
  store: SearchStore & Pick<UsersStore, 'getUserByUsername'>;
}

/** What the composition root supplies besides the store. */
export interface SearchServiceOptions {
  /** The snippet of a found message's body for the query's terms (src/format/snippet.ts). */
  snippet: (body: string, prefixes: readonly string[]) => Snippet;
  /**
   * The search rate limit (rule Q2): takes one search of `userId` and says whether it is
   * allowed. Absent, every search is.
   */
  allowed?: (userId: string) => boolean;
}

/**
 * Full-text search over the messages of the user's conversations (rules Q1-Q4): terms
 * tokenized once here, as bodies are (domain/search.ts), the store's index finds the messages,
 * and each result gets its snippet. A page fetches one message more than it returns, so
 * `nextCursor` is null exactly at the end.
 */
export class SearchService {
  readonly #deps: SearchDeps;
  readonly #snippet: SearchServiceOptions['snippet'];
  readonly #allowed: (userId: string) => boolean;

  constructor(deps: SearchDeps, options: SearchServiceOptions) {
    this.#deps = deps;
    this.#snippet = options.snippet;
    this.#allowed = options.allowed ?? (() => true);
  }

  /**
   * One page of `me`'s results. `invalid_request` for a query without tokens, with more than
   * SEARCH_TERMS_MAX of them or longer than SEARCH_QUERY_MAX code points, a limit past
   * SEARCH_PAGE_MAX, or a cursor this service did not make for the same order; `rate_limited`
   * past the rate. A sender no account has, or a conversation `me` is not a member of, finds
   * nothing (an empty page, not an error: search reveals nothing of either).
   */
  async search(me: User, request: SearchRequest): Promise<SearchPage> {
    const prefixes = termsOf(request.q);
    const order = request.order ?? 'newest';
    const limit = request.limit ?? SEARCH_PAGE_DEFAULT;
    if (!Number.isInteger(limit) || limit < 1 || limit > SEARCH_PAGE_MAX) {
      throw new AppError('invalid_request', `limit must be 1 to ${SEARCH_PAGE_MAX}`, {
        details: { max: SEARCH_PAGE_MAX },
      });
    }
    const position =
      request.cursor === undefined ? start(order) : decodeCursor(request.cursor, order);
    if (!this.#allowed(me.id)) throw new AppError('rate_limited', 'searching too fast');

    let senderId: string | null = null;
    if (request.sender !== undefined) {
      const sender = await this.#deps.store.getUserByUsername(request.sender.toLowerCase());
      if (!sender) return { results: [], nextCursor: null };
      senderId = sender.id;
    }
    const found = await this.#deps.store.searchMessages(me.id, {
      prefixes,
      conversationId: request.conversationId ?? null,
      senderId,
      order,
      position,
      limit: limit + 1,
    });
    const page = found.slice(0, limit);
    const last = page.at(-1);
    let nextCursor: string | null = null;
    if (found.length > limit && last) {
      nextCursor = encodeCursor(
        position.kind === 'newest'
          ? { kind: 'newest', beforeId: last.id }
          : { kind: 'offset', offset: position.offset + limit },
      );
    }
    return {
      results: page.map((message) => ({ message, snippet: this.#snippet(message.body, prefixes) })),
      nextCursor,
    };
  }
}

/** The query's distinct tokens, in order (rule Q1), within the limits of rule Q2. */
export function termsOf(q: string): string[] {
  if ([...q].length > SEARCH_QUERY_MAX) {
    throw new AppError('invalid_request', `a query has at most ${SEARCH_QUERY_MAX} characters`, {
      details: { max: SEARCH_QUERY_MAX },
    });
  }
  const terms = [...new Set(searchTokens(q))];
  if (terms.length === 0) {
    throw new AppError('invalid_request', 'the query has no words to search for');
  }
  if (terms.length > SEARCH_TERMS_MAX) {
    throw new AppError('invalid_request', `a query has at most ${SEARCH_TERMS_MAX} terms`, {
      details: { max: SEARCH_TERMS_MAX },
    });
  }
  return terms;
}

/** The first page's position for an order. */
function start(order: 'newest' | 'relevance'): SearchPosition {
  return order === 'newest' ? { kind: 'newest', beforeId: null } : { kind: 'offset', offset: 0 };
}

/** The largest offset a relevance cursor may hold. */
const MAX_OFFSET = 1_000_000;
const CURSOR_ID = /^[0-9A-Za-z_-]{1,64}$/;

/** An opaque cursor: base64url of `n:<message id>` (newest) or `r:<offset>` (relevance). */
function encodeCursor(position: SearchPosition): string {
  const raw = position.kind === 'newest' ? `n:${position.beforeId}` : `r:${position.offset}`;
  return Buffer.from(raw, 'utf8').toString('base64url');
}

/** The position a cursor holds; `invalid_request` unless it is one of ours for `order`. */
function decodeCursor(cursor: string, order: 'newest' | 'relevance'): SearchPosition {
  const bad = () => new AppError('invalid_request', 'the cursor is not one this search gave');
  if (!/^[A-Za-z0-9_-]{1,128}$/.test(cursor)) throw bad();
  const raw = Buffer.from(cursor, 'base64url').toString('utf8');
  if (order === 'newest') {
    const id = raw.startsWith('n:') ? raw.slice(2) : '';
    if (!CURSOR_ID.test(id)) throw bad();
    return { kind: 'newest', beforeId: id };
  }
  const offset = /^r:(0|[1-9]\d{0,6})$/.exec(raw)?.[1];
  if (offset === undefined || Number(offset) > MAX_OFFSET) throw bad();
  return { kind: 'offset', offset: Number(offset) };
}
