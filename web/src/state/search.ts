import type { ParleyClient } from '../../../src/client/index.js';
import type { SearchHitDto } from '../../../src/protocol/schemas.js';
import { describeError } from '../lib/errors.js';

/** Results per page of a search. */
const PAGE = 20;

/** What a search asks: the terms, and optionally one conversation and one sender. */
export interface SearchQuery {
  q: string;
  conversation: string | null;
  sender: string | null;
}

/** The search as the results panel shows it (UI6). */
export interface SearchView {
  /** The query the results are for (null before the first search). */
  query: SearchQuery | null;
  results: readonly SearchHitDto[];
  hasMore: boolean;
  loading: boolean;
  error: string | null;
}

/**
 * Message search (rule Q1, `GET /api/v1/search`, UI6): the results of the latest query,
 * newest first, paged on with the node's cursor. A query asked while another is still being
 * read replaces it: the older answer is dropped when it arrives.
 */
export class Search {
  readonly #store: { readonly client: ParleyClient };
  readonly #changed: () => void;
  #view: SearchView = { query: null, results: [], hasMore: false, loading: false, error: null };
  #cursor: string | null = null;
  /** Counts the requests: only the latest one's answer is applied. */
  #generation = 0;

  /** For `store`'s page (its client is read when a search runs: the store makes this first). */
  constructor(store: { readonly client: ParleyClient }, changed: () => void) {
    this.#store = store;
    this.#changed = changed;
  }

  view(): SearchView {
    return this.#view;
  }

  /** Runs a new query from its first page (a blank one clears the results instead). */
  async run(query: SearchQuery): Promise<void> {
    if (query.q.trim() === '') return this.clear();
    this.#cursor = null;
    this.#view = { query, results: [], hasMore: false, loading: true, error: null };
    await this.#read(query, null);
  }

  /** Reads the next page of the current query. */
  async more(): Promise<void> {
    const { query, loading } = this.#view;
    if (!query || loading || !this.#cursor) return;
    this.#view = { ...this.#view, loading: true, error: null };
    await this.#read(query, this.#cursor);
  }

  clear(): void {
    this.#generation++;
    this.#cursor = null;
    this.#view = { query: null, results: [], hasMore: false, loading: false, error: null };
    this.#changed();
  }

  async #read(query: SearchQuery, cursor: string | null): Promise<void> {
    const generation = ++this.#generation;
    this.#changed();
    try {
      const page = await this.#store.client.api.search(query.q.trim(), {
        conversation: query.conversation ?? undefined,
        sender: query.sender ?? undefined,
        cursor: cursor ?? undefined,
        limit: PAGE,
      });
      if (generation !== this.#generation) return;
      this.#cursor = page.nextCursor;
      const results = cursor ? [...this.#view.results, ...page.results] : page.results;
      this.#view = {
        query,
        results,
        hasMore: page.nextCursor !== null,
        loading: false,
        error: null,
      };
    } catch (err) {
      if (generation !== this.#generation) return;
      this.#view = { ...this.#view, loading: false, error: describeError(err) };
    }
    this.#changed();
  }
}
