import type { OutboxEntry, ParleyClient } from '../../../src/client/index.js';
import type { AttachmentDto, MessageDto } from '../../../src/protocol/schemas.js';
import { deleteUpload } from '../lib/upload.js';
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
  /** Per unsent message: its files, shown on the pending message (the outbox keeps the ids). */
  readonly #attachments = new Map<string, AttachmentDto[]>();

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

  /** The files of an unsent message (none for a send without attachments). */
  attachmentsOf(clientMsgId: string): AttachmentDto[] {
    return this.#attachments.get(clientMsgId) ?? [];
  }

  /**
   * Sends `body` with the uploaded `attachments`; as a reply to `replyTo` when given, else to
   * the message the composer is replying to (which it then no longer is). The outbox keeps the
   * attachment ids with the entry, so every retry carries the same ones (the server answers a
   * retry of a stored clientMsgId with the original message).
   */
  send(id: string, body: string, replyTo?: number, attachments: AttachmentDto[] = []): void {
    const target = replyTo ?? this.#replyingTo.get(id)?.seq;
    if (replyTo === undefined) this.setReplyingTo(id, null);
    // Our own clientMsgId, so the pending message shows its files from its first render.
    const clientMsgId = crypto.randomUUID();
    if (attachments.length > 0) this.#attachments.set(clientMsgId, attachments);
    const { done } = this.#client.send(id, body, {
      clientMsgId,
      ...(target === undefined ? {} : { replyTo: target }),
      ...(attachments.length > 0 ? { attachments: attachments.map((a) => a.id) } : {}),
    });
    this.#typing.sent(id);
    // A final refusal is shown on the message itself (state `failed`, with Retry).
    done.catch(() => undefined);
  }

  retry(clientMsgId: string): void {
    this.#client.retry(clientMsgId)?.catch(() => undefined);
  }

  /** Hides a failed send for good; its uploaded files, now attached to nothing, are deleted. */
  discard(clientMsgId: string): void {
    this.#discarded.add(clientMsgId);
    for (const a of this.attachmentsOf(clientMsgId)) void deleteUpload(a.id);
    this.#attachments.delete(clientMsgId);
    this.#changed();
  }

  /** The client's `outbox` event. */
  changed(entry: OutboxEntry): void {
    if (entry.state === 'sent' && entry.message) {
      // The acked message joins the history; the client keeps only unacknowledged sends.
      this.#histories.merge(entry.conversationId, [entry.message], { live: true });
      this.#threads.acked(entry.message);
      this.#attachments.delete(entry.clientMsgId);
      this.#client.outbox.prune();
    }
    this.#changed();
  }
}
