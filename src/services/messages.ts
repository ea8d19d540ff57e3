import { AppError } from '../domain/errors.js';
import { ulid } from '../domain/ids.js';
import { CLIENT_MSG_ID_MAX, MAX_ATTACHMENTS_PER_MESSAGE } from '../domain/limits.js';
import {
  seqOf,
  type Attachment,
  type Member,
  type Message,
  type ReplyPreview,
  type StoredMessage,
  type TimelineEntry,
  type User,
} from '../domain/model.js';
import { MAX_SEQ, replyPreviewOf, threadRootOf } from '../domain/replies.js';
import {
  type ConversationsStore,
  type HistoryQuery,
  type MessageRecord,
  type StoreHealth,
  type StoreOps,
  type TimelineStore,
  type TransactionsStore,
} from '../ports/store.js';
import { CommitBatcher } from './group-commit.js';
import type { ConversationService } from './conversations.js';
import { resolveMentions } from './mentions.js';
import { appendTimelineEvent } from './timeline-events.js';
import { notFoundFrom } from './membership.js';
import type { ServiceDeps } from './deps.js';
import { commitAndPublish, Publications } from './publications.js';

/** The result of a send: the stored message, and whether this call created it. */
export interface SendResult {
  message: Message;
  created: boolean;
}

/**
 * A page of a conversation's timeline (rule M6): `nextAfter` is the last entry's seq when the
 * page is full, null when the timeline was read to its end.
 */
export interface TimelinePage {
  entries: TimelineEntry[];
  nextAfter: number | null;
}

/** What MessageService uses of the store: a few reads and transactions. */
export type MessageDeps = Pick<ServiceDeps, 'bus' | 'limits' | 'metrics' | 'now'> & {
  store: Pick<ConversationsStore, 'getConversation'> &
    Pick<TimelineStore, 'getMessageByClientId' | 'listMessages' | 'listTimeline'> &
    TransactionsStore &
    Pick<StoreHealth, 'isUnavailable'>;
};

/** What a send may say besides its body. */
export interface SendOptions {
  /** The seq of the message this one replies to (rule R1). */
  replyTo?: number | undefined;
  /** Ids of the sender's unattached uploads to attach, in order (rule F3). */
  attachments?: readonly string[] | undefined;
}

/** How a {@link MessageService} is tuned beyond its dependencies. */
export interface MessageServiceOptions {
  /**
   * The send rate limit: takes one send of `userId` and says whether it is allowed. Absent,
   * every send is (tools and tests that write without a gateway).
   */
  sendAllowed?: (userId: string) => boolean;
  /**
   * Told of each message this node committed and published, once, after the commit (the
   * notifier's hook, rule N1). Not told of retries that returned the original. Must not throw.
   */
  onSent?: (message: Message) => void;
}

/** Sending, history, timeline, edits and deletes (rules M1-M4, M6); read markers are read-markers.ts. */
export class MessageService {
  readonly #deps: MessageDeps;
  readonly #conversations: ConversationService;
  readonly #batcher: CommitBatcher;
  readonly #sendAllowed: (userId: string) => boolean;
  readonly #onSent: ((message: Message) => void) | undefined;

  constructor(
    deps: MessageDeps,
    conversations: ConversationService,
    options: MessageServiceOptions = {},
  ) {
    this.#deps = deps;
    this.#conversations = conversations;
    this.#sendAllowed = options.sendAllowed ?? (() => true);
    this.#onSent = options.onSent;
    this.#batcher = new CommitBatcher(deps.store, {
      concurrency: deps.store.writeConcurrency,
      onCommit: (ms, size) => {
        deps.metrics?.commitLatency.observeMs(ms);
        deps.metrics?.commitBatch.observe(size);
      },
    });
  }

  /**
   * Stores a message and resolves after its commit is durable (guarantee 1). The seq comes
   * from the same transaction as the insert (guarantee 2). A retry with the same
   * `clientMsgId` returns the original message (guarantee 3), even when the send rate limit
   * refuses a new send; a new send over the limit is `rate_limited`. A reply (`replyTo`, rule
   * R1) joins its parent's thread.
   */
  async send(
    me: User,
    conversationId: string,
    clientMsgId: string,
    body: string,
    options: SendOptions = {},
  ): Promise<SendResult> {
    if (!this.#sendAllowed(me.id)) {
      const original = await this.#previouslySent(me, conversationId, clientMsgId);
      if (!original) throw new AppError('rate_limited', 'sending too fast');
      return { message: original, created: false };
    }
    const files = options.attachments ?? [];
    this.#checkAttachmentIds(files);
    // With a file attached the body may be empty (rule F3).
    this.#checkBody(body, files.length > 0);
    if (clientMsgId.length < 1 || clientMsgId.length > CLIENT_MSG_ID_MAX) {
      throw new AppError(
        'invalid_request',
        `clientMsgId must be 1-${CLIENT_MSG_ID_MAX} characters`,
      );
    }
    const result = await this.#batcher.submit(
      (tx) =>
        this.#sendInTx(tx, me, conversationId, clientMsgId, body, options.replyTo ?? null, files),
      { lockKey: conversationId },
    );
    if (result.created) this.#deps.metrics?.sends.inc();
    if (result.created) {
      const pubs = new Publications();
      pubs.timeline({ kind: 'message', message: result.message });
      pubs.publish(this.#deps.bus);
      this.#onSent?.(result.message);
    }
    return result;
  }

  async #sendInTx(
    tx: StoreOps,
    me: User,
    conversationId: string,
    clientMsgId: string,
    body: string,
    replyTo: number | null,
    files: readonly string[],
  ): Promise<SendResult> {
    // Lock first, look for a retry second. Two nodes retrying the same send at once then run
    // one after the other: the second waits here until the first committed, and its lookup
    // (a new statement under read committed) finds the first's message and returns it (G3).
    // Checking before locking would let both miss, and the second's insert would hit the
    // unique key after its nextSeq, failing its whole batch. A clientMsgId reused for another
    // conversation at the same instant still collides; the batcher's retry answers conflict.
    await tx.lockConversation(conversationId);
    const existing = await tx.getMessageByClientId(me.id, clientMsgId);
    if (existing) {
      if (existing.conversationId !== conversationId) {
        throw new AppError('conflict', 'clientMsgId was already used for another conversation');
      }
      return { message: existing, created: false };
    }
    // One read answers membership (G6), the kind and the member count.
    const view = await tx.getMemberView(conversationId, me.id);
    if (!view) throw new AppError('not_found', 'conversation not found');
    if (view.kind === 'dm' && view.memberCount < 2) {
      throw new AppError('forbidden', 'the other user has deleted their account');
    }
    // The quote comes from the parent as this transaction reads it: the send reads nothing else.
    const parent = replyTo === null ? null : await this.#replyTarget(tx, conversationId, replyTo);
    const author = { conversationId, userId: me.id, role: view.role };
    const mentions = await resolveMentions(tx, author, body);
    const attachments = await this.#attachable(tx, me, files);
    const createdAt = this.#deps.now();
    const seq = await tx.nextSeq(conversationId, createdAt, true).catch(notFoundFrom);
    const stored: StoredMessage = {
      id: ulid(),
      conversationId,
      seq,
      sender: me.id,
      clientMsgId,
      body,
      createdAt,
      editedAt: null,
      deletedAt: null,
      replyTo: parent?.seq ?? null,
      threadRoot: parent?.threadRoot ?? null,
      ...mentions,
    };
    await tx.insertMessage(stored);
    if (
      files.length > 0 &&
      (await tx.attachToMessage(files, { conversationId, seq })) !== files.length
    ) {
      // Attached or deleted by a concurrent request since #attachable read them.
      throw new AppError('invalid_request', 'an attachment is not an unattached upload of yours');
    }
    const message: Message = {
      ...stored,
      senderName: me.username,
      reply: parent?.preview ?? null,
      replyCount: 0,
      reactions: [],
      attachments,
      deletedBy: null,
    };
    return { message, created: true };
  }

  /**
   * The uploads a send attaches (rule F3), in the order given: each must be the sender's own
   * and not attached yet. Anything else is `invalid_request`, not `not_found`: the ids are the
   * sender's own, so nothing is disclosed by saying which.
   */
  async #attachable(tx: StoreOps, me: User, ids: readonly string[]): Promise<Attachment[]> {
    if (ids.length === 0) return [];
    const found = new Map((await tx.getAttachments(ids)).map((r) => [r.id, r]));
    return ids.map((id) => {
      const r = found.get(id);
      if (!r || r.uploaderId !== me.id || r.conversationId !== null) {
        throw new AppError(
          'invalid_request',
          `attachment ${id} is not an unattached upload of yours`,
        );
      }
      return {
        id: r.id,
        name: r.name,
        contentType: r.contentType,
        size: r.size,
        width: r.width,
        height: r.height,
        thumbnail: r.thumbnail,
      };
    });
  }

  #checkAttachmentIds(ids: readonly string[]): void {
    if (ids.length > MAX_ATTACHMENTS_PER_MESSAGE) {
      throw new AppError(
        'invalid_request',
        `a message carries at most ${MAX_ATTACHMENTS_PER_MESSAGE} attachments`,
      );
    }
    if (new Set(ids).size !== ids.length)
      throw new AppError('invalid_request', 'an attachment is listed twice');
  }

  /** The message a reply quotes (rule R1): a live message of the same conversation. */
  async #replyTarget(
    tx: StoreOps,
    conversationId: string,
    seq: number,
  ): Promise<{ seq: number; threadRoot: number; preview: ReplyPreview }> {
    const parent = seq > MAX_SEQ ? null : await tx.getMessageRecord(conversationId, seq);
    if (!parent) throw new AppError('not_found', 'the message replied to was not found');
    if (parent.deletedAt !== null)
      throw new AppError('conflict', 'the message replied to was deleted');
    return { seq, threadRoot: threadRootOf(parent), preview: replyPreviewOf(parent) };
  }

  /** The message an earlier send with this clientMsgId stored in this conversation, if any. */
  async #previouslySent(
    me: User,
    conversationId: string,
    clientMsgId: string,
  ): Promise<Message | null> {
    const message = await this.#deps.store.getMessageByClientId(me.id, clientMsgId);
    return message?.conversationId === conversationId ? message : null;
  }

  /** A page of history, oldest first; members only (rule M2). */
  async history(me: User, conversationId: string, query: HistoryQuery): Promise<Message[]> {
    await this.#conversations.requireMember(conversationId, me.id);
    return this.#deps.store.listMessages(conversationId, query);
  }

  /** Timeline entries after `afterSeq`, for resync; the caller has checked membership. */
  readTimeline(conversationId: string, afterSeq: number, limit: number): Promise<TimelineEntry[]> {
    return this.#deps.store.listTimeline(conversationId, afterSeq, limit);
  }

  /** A page of the whole timeline, messages and events, after `after`; members only (rule M6). */
  async timeline(
    me: User,
    conversationId: string,
    { after, limit }: { after: number; limit: number },
  ): Promise<TimelinePage> {
    await this.#conversations.requireMember(conversationId, me.id);
    // The store's page is a prefix of the timeline after `after` (no hole, see listTimeline),
    // and shorter than `limit` only where the timeline ended when it was read.
    const entries = await this.readTimeline(conversationId, after, limit);
    const last = entries.at(-1);
    const full = entries.length === limit && last !== undefined;
    return { entries, nextAfter: full ? seqOf(last) : null };
  }

  /** Edits one's own message (rule M3); the edit is a timeline event so it replays on sync. */
  async edit(me: User, conversationId: string, seq: number, body: string): Promise<Message> {
    this.#checkBody(body);
    return this.#changeOwn(me, conversationId, seq, async (tx, message, pubs, member) => {
      if (message.deletedAt !== null) throw new AppError('conflict', 'the message was deleted');
      const author = { conversationId, userId: me.id, role: member.role };
      const mentions = await resolveMentions(tx, author, body);
      const at = this.#deps.now();
      await tx.editMessage(conversationId, seq, body, at, mentions);
      const event = await appendTimelineEvent(
        this.#deps,
        tx,
        conversationId,
        'message.edited',
        me.id,
        { seq, body, editedAt: at, ...mentions },
      );
      pubs.timeline({ kind: 'event', event });
    });
  }

  /** Deletes one's own message (rule M4): its text is erased, its seq stays. Idempotent. */
  async delete(me: User, conversationId: string, seq: number): Promise<void> {
    await this.#changeOwn(me, conversationId, seq, async (tx, message, pubs) => {
      if (message.deletedAt !== null) return;
      const at = this.#deps.now();
      await tx.deleteMessage(conversationId, seq, at);
      // Its files go with it, in the same transaction (rule F6).
      await tx.deleteMessageAttachments({ conversationId, seq });
      await tx.redactEdits(conversationId, seq);
      const event = await appendTimelineEvent(
        this.#deps,
        tx,
        conversationId,
        'message.deleted',
        me.id,
        {
          seq,
          deletedAt: at,
        },
      );
      pubs.timeline({ kind: 'event', event });
    });
  }

  /** Waits for in-flight commits (graceful shutdown). */
  drained(): Promise<void> {
    return this.#batcher.drained();
  }

  async #changeOwn(
    me: User,
    conversationId: string,
    seq: number,
    change: (
      tx: StoreOps,
      message: MessageRecord,
      pubs: Publications,
      member: Member,
    ) => Promise<void>,
  ): Promise<Message> {
    return commitAndPublish(this.#deps.store, this.#deps.bus, async (tx, pubs) => {
      // Lock first, as a send and a reaction do: a reaction committing between this read and
      // the delete would otherwise survive on the deleted message (R4), and an edit would
      // resolve mentions against members a concurrent removal is taking away.
      await tx.lockConversation(conversationId);
      const member = await this.#conversations.requireMember(conversationId, me.id, tx);
      const message = seq > MAX_SEQ ? null : await tx.getMessageRecord(conversationId, seq);
      if (!message) throw new AppError('not_found', 'message not found');
      if (message.sender !== me.id)
        throw new AppError('forbidden', 'you can only change your own messages');
      await change(tx, message, pubs, member);
      const changed = await tx.getMessage(conversationId, seq);
      if (!changed) throw new AppError('not_found', 'message not found');
      return changed;
    });
  }

  #checkBody(body: string, blankAllowed = false): void {
    if (!blankAllowed && body.trim().length === 0)
      throw new AppError('invalid_request', 'message body is empty');
    const max = this.#deps.limits.maxMessageChars;
    if ([...body].length > max) {
      throw new AppError('message_too_long', `a message has at most ${max} characters`, {
        details: { max },
      });
    }
  }
}

/**
 * A write that found its record gone (the conversation deleted, the member removed, since the
 * membership check) answers `not_found`, as a non-member does (rule G6).
 */
