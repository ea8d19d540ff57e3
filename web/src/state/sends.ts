import type { OutboxEntry, ParleyClient } from '../../../src/client/index.js';
import type { MessageDto } from '../../../src/protocol/schemas.js';
import type { Histories } from './histories.js';
import type { Threads } from './threads.js';
import type { Typing } from './typing.js';

/**
 * The user's sends as the page shows them: through the client's outbox (pending now, sent on
 * ack, retried until then), failed ones with Retry or hidden for good, and an acknowledged
 * one moved into the history by its seq; and the message the composer replies to.
 */
export class Sends {
  readonly #client: ParleyClient;
  readonly #histories: Histories;
  readonly #threads: Threads;
  readonly #typing: Typing;
  readonly #changed: () => void;
  readonly #discarded = new Set<string>();
  /** Per conversation: the message the composer's next send replies to. */
  readonly #replyingTo = new Map<string, MessageDto>();

  constructor(options: {
    client: ParleyClient;
    histories: Histories;
    threads: Threads;
    typing: Typing;
    changed: () => void;
  }) {
    this.#client = options.client;
    this.#histories = options.histories;
    this.#threads = options.threads;
    this.#typing = options.typing;
    this.#changed = options.changed;
  }

  /** The sends in a conversation that are not (yet) stored: pending or failed. */
  unsent(id: string): OutboxEntry[] {
    return this.#client.outbox
      .list()
      .filter(
        (e) => e.conversationId === id && e.state !== 'sent' && !this.#discarded.has(e.clientMsgId),
      );
  }

  /** The message the composer of a conversation replies to, if any. */
  replyingTo(id: string): MessageDto | undefined {
    return this.#replyingTo.get(id);
  }

  setReplyingTo(id: string, message: MessageDto | null): void {
    if (message) this.#replyingTo.set(id, message);
    else this.#replyingTo.delete(id);
    this.#changed();
  }

  /**
   * Sends `body`; as a reply to `replyTo` when given, else to the message the composer is
   * replying to (which it then no longer is).
   */
  send(id: string, body: string, replyTo?: number): void {
    const target = replyTo ?? this.#replyingTo.get(id)?.seq;
    if (replyTo === undefined) this.setReplyingTo(id, null);
    const { done } = this.#client.send(id, body, target === undefined ? {} : { replyTo: target });
    this.#typing.sent(id);
    // A final refusal is shown on the message itself (state `failed`, with Retry).
    done.catch(() => undefined);
  }

  retry(clientMsgId: string): void {
    this.#client.retry(clientMsgId)?.catch(() => undefined);
  }

  /** Hides a failed send for good. */
  discard(clientMsgId: string): void {
    this.#discarded.add(clientMsgId);
    this.#changed();
  }

  /** The client's `outbox` event. */
  changed(entry: OutboxEntry): void {
    if (entry.state === 'sent' && entry.message) {
      // The acked message joins the history; the client keeps only unacknowledged sends.
      this.#histories.merge(entry.conversationId, [entry.message], { live: true });
      this.#threads.acked(entry.message);
      this.#client.outbox.prune();
    }
    this.#changed();
  }
}
