import { ErrorCode } from '../protocol/codes.js';
import type { MessageDto } from '../protocol/schemas.js';

/** A send's visible state: waiting for its ack, acknowledged, or refused by the server. */
export type OutboxState = 'pending' | 'sent' | 'failed';

/** One message the user sent, from the moment they pressed enter until the server stored it. */
export interface OutboxEntry {
  clientMsgId: string;
  conversationId: string;
  body: string;
  /** The seq of the message this one replies to (rule R1); every retry carries it. */
  replyTo?: number;
  /** Uploaded file ids to attach (rule F3), in order; every retry carries them. Never empty. */
  attachments?: string[];
  state: OutboxState;
  /** Frames written for it so far (retries reuse the same clientMsgId). */
  attempts: number;
  createdAt: number;
  message?: MessageDto;
  error?: { code: string; message: string };
}

/** Errors after which a send is retried rather than failed. */
const RETRYABLE: ReadonlySet<string> = new Set<ErrorCode>([
  ErrorCode.RateLimited,
  ErrorCode.Unavailable,
  ErrorCode.Internal,
]);

/** The `send` frame of an entry (written again, with the same clientMsgId, on each retry). */
export function sendFrame(entry: OutboxEntry) {
  return {
    type: 'send' as const,
    conversationId: entry.conversationId,
    clientMsgId: entry.clientMsgId,
    body: entry.body,
    ...(entry.replyTo !== undefined ? { replyTo: entry.replyTo } : {}),
    ...(entry.attachments ? { attachments: entry.attachments } : {}),
  };
}

/** True if a send refused with `code` should be tried again later. */
export function isRetryable(code: string): boolean {
  return RETRYABLE.has(code);
}

interface Waiter {
  resolve: (message: MessageDto) => void;
  reject: (err: Error) => void;
}

/** Raised when the server refuses a send for good (e.g. `forbidden`, `message_too_long`). */
export class SendError extends Error {
  override readonly name = 'SendError';
  constructor(
    readonly code: string,
    message: string,
    readonly entry: OutboxEntry,
  ) {
    super(message);
  }
}

/**
 * The outbox (guarantee 3 on the client side): every send keeps its clientMsgId across
 * retries and reconnects until acked, and resolves with the stored message.
 */
export class Outbox {
  readonly #entries = new Map<string, OutboxEntry>();
  readonly #waiters = new Map<string, Waiter[]>();
  readonly #newId: () => string;
  readonly #now: () => number;

  constructor(options: { newId?: () => string; now?: () => number } = {}) {
    this.#newId = options.newId ?? (() => crypto.randomUUID());
    this.#now = options.now ?? Date.now;
  }

  /**
   * Adds a pending send (with a generated id unless one is given, replying to `replyTo` if
   * set, carrying `attachments` if any); settles on ack or final refusal.
   */
  add(
    conversationId: string,
    body: string,
    options: {
      clientMsgId?: string | undefined;
      replyTo?: number | undefined;
      attachments?: readonly string[] | undefined;
    } = {},
  ): { entry: OutboxEntry; done: Promise<MessageDto> } {
    const { clientMsgId, replyTo, attachments } = options;
    if (clientMsgId !== undefined && this.#entries.has(clientMsgId)) {
      throw new Error(`clientMsgId ${clientMsgId} is already in the outbox`);
    }
    const entry: OutboxEntry = {
      clientMsgId: clientMsgId ?? this.#newId(),
      conversationId,
      body,
      ...(replyTo !== undefined ? { replyTo } : {}),
      ...(attachments && attachments.length > 0 ? { attachments: [...attachments] } : {}),
      state: 'pending',
      attempts: 0,
      createdAt: this.#now(),
    };
    this.#entries.set(entry.clientMsgId, entry);
    return { entry, done: this.wait(entry.clientMsgId) };
  }

  /** A promise for an entry's outcome. */
  wait(clientMsgId: string): Promise<MessageDto> {
    const entry = this.#entries.get(clientMsgId);
    if (entry?.state === 'sent' && entry.message) return Promise.resolve(entry.message);
    return new Promise((resolve, reject) => {
      const list = this.#waiters.get(clientMsgId) ?? [];
      list.push({ resolve, reject });
      this.#waiters.set(clientMsgId, list);
    });
  }

  get(clientMsgId: string): OutboxEntry | undefined {
    return this.#entries.get(clientMsgId);
  }

  /** Every entry, oldest first. */
  list(): OutboxEntry[] {
    return [...this.#entries.values()];
  }

  /** Entries to (re)send now, oldest first. */
  pending(): OutboxEntry[] {
    return this.list().filter((e) => e.state === 'pending');
  }

  /** Records an ack; returns the entry, or undefined for an unknown id. */
  acked(clientMsgId: string, message: MessageDto): OutboxEntry | undefined {
    const entry = this.#entries.get(clientMsgId);
    // Already sent (its message frame came first, see settle): nothing changes.
    if (!entry || entry.state === 'sent') return undefined;
    entry.state = 'sent';
    entry.message = message;
    delete entry.error;
    for (const w of this.#waiters.get(clientMsgId) ?? []) w.resolve(message);
    this.#waiters.delete(clientMsgId);
    return entry;
  }

  /**
   * A stored message of `me` arrived (its `message` frame may come before the send's ack):
   * the matching entry that is not yet sent becomes sent, as {@link acked} makes it; returns it.
   */
  settle(message: MessageDto, me: string | undefined): OutboxEntry | undefined {
    const entry = this.#entries.get(message.clientMsgId);
    if (!entry || entry.state === 'sent' || message.sender !== me) return undefined;
    if (entry.conversationId !== message.conversationId) return undefined;
    return this.acked(message.clientMsgId, message);
  }

  /** Records a refusal; retryable codes keep the entry pending. */
  refused(clientMsgId: string, code: string, message: string): OutboxEntry | undefined {
    const entry = this.#entries.get(clientMsgId);
    if (!entry || entry.state === 'sent') return undefined;
    entry.error = { code, message };
    if (isRetryable(code)) return entry;
    entry.state = 'failed';
    for (const w of this.#waiters.get(clientMsgId) ?? [])
      w.reject(new SendError(code, message, entry));
    this.#waiters.delete(clientMsgId);
    return entry;
  }

  /** Puts a failed entry back in the queue with the same clientMsgId (user-initiated retry). */
  retry(clientMsgId: string): OutboxEntry | undefined {
    const entry = this.#entries.get(clientMsgId);
    if (!entry || entry.state !== 'failed') return undefined;
    entry.state = 'pending';
    delete entry.error;
    return entry;
  }

  /** Forgets acknowledged entries (their messages live in the timeline now). */
  prune(): void {
    for (const [id, entry] of this.#entries) if (entry.state === 'sent') this.#entries.delete(id);
  }
}
