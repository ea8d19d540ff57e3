import { AppError, isAppError } from '../../domain/errors.js';
import { MAX_CURSORS_PER_FRAME } from '../../protocol/limits.js';
import { TokenBucket } from './token-bucket.js';

/** Per-socket frame rates (rule W9): a flood costs the flooding socket, not the node. */
export const SOCKET_LIMITS = {
  /** `sync` frames: one per second, bursts of 10; more is `rate_limited`. */
  sync: { rate: 1, burst: 10 },
  /** `typing` frames: five per second, bursts of 10; more are dropped (best effort, G7). */
  typing: { rate: 5, burst: 10 },
  /** `read` frames: ten per second, bursts of 20; more are coalesced and written later. */
  read: { rate: 10, burst: 20 },
  /**
   * Frames refused or dropped by the limits above: two per second, bursts of 20. A socket
   * past this keeps flooding after being told to stop, and is closed (4029); reconnecting is
   * bound by the per-address connection limit (S1).
   */
  refusals: { rate: 2, burst: 20 },
} as const;

/** A kind of limited frame (or the refusals of the others). */
export type LimitedKind = keyof typeof SOCKET_LIMITS;

/** Writes a read marker (the read-marker service's `markRead` for the socket's user). */
export type WriteRead = (conversationId: string, seq: number) => Promise<unknown>;

/**
 * One socket's token buckets and the read markers held back by its `read` limit. Buckets are
 * created on first use: most sockets never send these frames, and every byte counts at 10,000
 * of them.
 */
export class FrameLimits {
  #buckets: Partial<Record<LimitedKind, TokenBucket>> | null = null;
  /** Read markers over the limit, highest seq per conversation, written when tokens return. */
  #deferredReads: Map<string, number> | null = null;
  #readTimer: NodeJS.Timeout | undefined;
  #stopped = false;

  /** Takes a token of `kind`; false when the socket is over that limit. */
  take(kind: LimitedKind): boolean {
    const buckets = (this.#buckets ??= {});
    return (buckets[kind] ??= new TokenBucket(SOCKET_LIMITS[kind])).take();
  }

  /**
   * Raises a read marker through `write`. Over the socket's limit the marker is kept (the
   * highest seq per conversation, for at most {@link MAX_CURSORS_PER_FRAME} conversations) and
   * written once the limit allows, so markers only lag, never get lost; beyond that it is
   * `rate_limited`. `onError` hears the failures of deferred writes other than domain errors.
   */
  async read(
    conversationId: string,
    seq: number,
    write: WriteRead,
    onError: (err: unknown) => void,
  ): Promise<void> {
    if (!this.#deferredReads?.size && this.take('read')) {
      await write(conversationId, seq);
      return;
    }
    const reads = (this.#deferredReads ??= new Map<string, number>());
    if (!reads.has(conversationId) && reads.size >= MAX_CURSORS_PER_FRAME)
      throw new AppError('rate_limited', 'read markers too fast');
    reads.set(conversationId, Math.max(seq, reads.get(conversationId) ?? 0));
    this.#scheduleReads(write, onError);
  }

  /** Drops the deferred markers' timer (the socket closed). */
  stop(): void {
    this.#stopped = true;
    if (this.#readTimer) clearTimeout(this.#readTimer);
  }

  #scheduleReads(write: WriteRead, onError: (err: unknown) => void): void {
    if (this.#readTimer || this.#stopped) return;
    this.#readTimer = setTimeout(() => {
      this.#readTimer = undefined;
      const reads = this.#deferredReads;
      if (!reads || this.#stopped) return;
      for (const [conversationId, seq] of reads) {
        if (!this.take('read')) break;
        reads.delete(conversationId);
        write(conversationId, seq).catch((err: unknown) => {
          if (!isAppError(err)) onError(err);
        });
      }
      if (reads.size > 0) this.#scheduleReads(write, onError);
    }, 1000 / SOCKET_LIMITS.read.rate);
  }
}
