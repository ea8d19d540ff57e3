import type { ClientFrame } from '../protocol/frames.js';
import { ErrorCode } from '../protocol/codes.js';
import { MAX_CURSORS_PER_FRAME } from '../protocol/limits.js';
import type { Cursors } from './cursors.js';
import type { Timers } from './timers.js';

/** What resync needs from the client. */
export interface ResyncHandlers {
  send(frame: ClientFrame): void;
  /** Every counted `sync` (and the `hello` cursors) was answered: the client is caught up. */
  settled(): void;
  /** A `sync` was refused for good. */
  warning(code: string, message: string): void;
}

interface PendingSync {
  cursors: Record<string, number>;
  /** Holds the client at `syncing` until answered. */
  counted: boolean;
}

/**
 * The resync state machine (rules G4, W9): which cursors `hello` carries and which follow in
 * `sync` frames after `ready`, the answers still awaited, conversations being refilled after a
 * gap in live traffic, and refused syncs sent again. Decides, with {@link Cursors}, whether a
 * timeline entry is handed to the application.
 */
export class Resync {
  readonly #cursors: Cursors;
  readonly #timers: Timers;
  readonly #retryDelayMs: number;
  readonly #handlers: ResyncHandlers;
  /** The client has held positions before (a `ready`, or cursors from the application). */
  #everReady: boolean;
  #pending = 0;
  /** Conversations being refilled after a gap: entries are dropped until their `synced`. */
  readonly #filling = new Set<string>();
  /** `sync` frames sent on this socket and not yet answered, by ref (sent again if refused). */
  readonly #syncs = new Map<string, PendingSync>();
  #syncRef = 0;
  /** Cursors beyond what `hello` may carry (rule W9), synced right after `ready`. */
  #overflow: Record<string, number> | null = null;

  constructor(options: {
    cursors: Cursors;
    timers: Timers;
    retryDelayMs: number;
    handlers: ResyncHandlers;
  }) {
    this.#cursors = options.cursors;
    this.#timers = options.timers;
    this.#retryDelayMs = options.retryDelayMs;
    this.#handlers = options.handlers;
    this.#everReady = Object.keys(options.cursors.snapshot()).length > 0;
  }

  /** Syncs are awaited (the client is `syncing`). */
  get pending(): boolean {
    return this.#pending > 0;
  }

  /**
   * A new socket opened: the cursors its `hello` carries (none on a first connection, which
   * adopts the node's positions), at most {@link MAX_CURSORS_PER_FRAME}; the rest wait for `ready`.
   */
  hello(): Record<string, number> | undefined {
    const [cursors, ...rest] = this.#everReady ? chunkCursors(this.#cursors.snapshot()) : [];
    this.#syncs.clear();
    this.#overflow = rest.length > 0 ? Object.fromEntries(rest.flatMap(Object.entries)) : null;
    this.#pending = cursors ? 1 : 0;
    return cursors;
  }

  /**
   * `ready` with the node's positions. Conversations that appeared while away replay from
   * their start; on a first connection the client adopts the current positions (history is
   * read over REST on demand). Sends the overflow and those replays as `sync` frames.
   */
  ready(positions: Record<string, number>): void {
    const fresh: Record<string, number> = {};
    for (const [id, seq] of Object.entries(positions)) {
      if (this.#cursors.has(id)) continue;
      if (this.#everReady) fresh[id] = 0;
      else this.#cursors.set(id, seq);
    }
    this.#everReady = true;
    for (const id of Object.keys(fresh)) this.#cursors.set(id, 0);
    this.#sync({ ...this.#overflow, ...fresh }, true);
    this.#overflow = null;
  }

  /**
   * Whether a timeline entry goes to the application: the next seq does, a seen one does not,
   * and a later one reveals a gap, filled by a `sync` once `online` (before that, the pending
   * replay covers it) while the conversation's entries are held back until its `synced`.
   */
  admit(conversationId: string, seq: number, online: boolean): boolean {
    if (this.#filling.has(conversationId)) {
      // A refill is under way: the replay delivers everything after the cursor in order.
      return this.#cursors.admit(conversationId, seq) === 'deliver';
    }
    const admission = this.#cursors.admit(conversationId, seq);
    if (admission !== 'gap') return admission === 'deliver';
    if (online) {
      this.#filling.add(conversationId);
      this.#sync({ [conversationId]: this.#cursors.get(conversationId) ?? 0 }, false);
    }
    return false;
  }

  /** A `synced` frame (the answer to `hello`'s cursors has no ref). */
  synced(cursors: Record<string, number>, ref: string | undefined): void {
    for (const id of Object.keys(cursors)) this.#filling.delete(id);
    const sync = ref === undefined ? undefined : this.#syncs.get(ref);
    if (ref !== undefined) this.#syncs.delete(ref);
    if (sync?.counted === false || this.#pending === 0) return;
    this.#pending -= 1;
    if (this.#pending === 0) this.#handlers.settled();
  }

  /**
   * An `error` frame: true if it refused one of our syncs. One refused as too fast is sent
   * again later (on the same socket only: a new socket clears the syncs); any other is given
   * up on, and counts as answered.
   */
  refused(code: string, message: string, ref: string | undefined): boolean {
    const sync = ref === undefined ? undefined : this.#syncs.get(ref);
    if (!sync || !ref) return false;
    if (code === ErrorCode.RateLimited) {
      this.#timers.set(() => {
        if (this.#syncs.has(ref)) this.#handlers.send({ type: 'sync', cursors: sync.cursors, ref });
      }, this.#retryDelayMs);
      return true;
    }
    this.synced({}, ref);
    for (const id of Object.keys(sync.cursors)) this.#filling.delete(id);
    this.#handlers.warning(code, message);
    return true;
  }

  /** The conversation is gone for this user: no cursor, no refill. */
  forget(conversationId: string): void {
    this.#cursors.delete(conversationId);
    this.#filling.delete(conversationId);
  }

  /** The socket is gone: refills end with it (the next `hello` carries the cursors). */
  lost(): void {
    this.#filling.clear();
  }

  /** Sends `sync` frames of at most {@link MAX_CURSORS_PER_FRAME} cursors each. */
  #sync(cursors: Record<string, number>, counted: boolean): void {
    for (const chunk of chunkCursors(cursors)) {
      const ref = `sync-${++this.#syncRef}`;
      this.#syncs.set(ref, { cursors: chunk, counted });
      if (counted) this.#pending += 1;
      this.#handlers.send({ type: 'sync', cursors: chunk, ref });
    }
  }
}

/** Splits cursors into frames of at most {@link MAX_CURSORS_PER_FRAME} (rule W9). */
function chunkCursors(cursors: Record<string, number>): Array<Record<string, number>> {
  const entries = Object.entries(cursors);
  const chunks: Array<Record<string, number>> = [];
  for (let i = 0; i < entries.length; i += MAX_CURSORS_PER_FRAME)
    chunks.push(Object.fromEntries(entries.slice(i, i + MAX_CURSORS_PER_FRAME)));
  return chunks;
}
