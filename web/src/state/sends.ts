import type { OutboxEntry, ParleyClient } from '../../../src/client/index.js';
import type { Histories } from './histories.js';
import type { Typing } from './typing.js';

/**
 * The user's sends as the page shows them: through the client's outbox (pending now, sent on
 * ack, retried until then), failed ones with Retry or hidden for good, and an acknowledged
 * one moved into the history by its seq.
 */
export class Sends {
  readonly #client: ParleyClient;
  readonly #histories: Histories;
  readonly #typing: Typing;
  readonly #changed: () => void;
  readonly #discarded = new Set<string>();

  constructor(options: {
    client: ParleyClient;
    histories: Histories;
    typing: Typing;
    changed: () => void;
  }) {
    this.#client = options.client;
    this.#histories = options.histories;
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

  send(id: string, body: string): void {
    const { done } = this.#client.send(id, body);
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
      this.#histories.merge(entry.conversationId, [entry.message]);
      this.#client.outbox.prune();
    }
    this.#changed();
  }
}
