import { AppError } from '../domain/errors.js';
import { ulid } from '../domain/ids.js';
import { CLIENT_MSG_ID_MAX, MAX_ATTACHMENTS_PER_MESSAGE } from '../domain/limits.js';
import {
  seqOf,
  type Member,
  type Message,
  type StoredMessage,
  type TimelineEntry,
  type User,
} from '../domain/model.js';
import { MAX_SEQ } from '../domain/replies.js';
import { boundedAfter, boundedEntries, boundedMessages } from '../domain/history.js';
import {
  type ConversationsStore,
  type HistoryQuery,
  type MembersStore,
  type UsersStore,
  type MessageRecord,
  type StoreHealth,
  type StoreOps,
  type TimelineStore,
  type TransactionsStore,
} from '../ports/store.js';
import type { AuditLog } from './audit.js';
import { CommitBatcher } from './group-commit.js';
import { attachable, replyTarget, sendPlain } from './message-inputs.js';
import { deleteInTx } from './moderation.js';
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
    Pick<MembersStore, 'getMember'> &
    Pick<UsersStore, 'getAccountStatus'> &
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
  /** Where a server admin's removal of a message is recorded (rule PG8); absent: nowhere. */
  audit?: AuditLog;
}

/** Sending, history, timeline, edits and deletes (rules M1-M4, M6); read markers are read-markers.ts. */
export class MessageService {
  readonly #deps: MessageDeps;
  readonly #conversations: ConversationService;
  readonly #batcher: CommitBatcher;
  readonly #sendAllowed: (userId: string) => boolean;
  readonly #onSent: ((message: Message) => void) | undefined;
  readonly #audit: AuditLog | undefined;

  constructor(
    deps: MessageDeps,
    conversations: ConversationService,
    options: MessageServiceOptions = {},
  ) {
    this.#deps = deps;
    this.#conversations = conversations;
    this.#sendAllowed = options.sendAllowed ?? (() => true);
    this.#onSent = options.onSent;
    this.#audit = options.audit;
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
    // A plain send takes the store's short path; a retry or a refusal comes back null, having
    // written nothing, and the general path below answers it as it always did.
    if (replyTo === null && files.length === 0) {
      const plain = await sendPlain(tx, me, conversationId, clientMsgId, body, this.#deps.now());
      if (plain) return { message: plain, created: true };
    }
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
    // A moderator's mute (rule PG10) ends by itself: compared with now, no sweep.
    if (view.mutedUntil !== null && view.mutedUntil > this.#deps.now()) {
      throw new AppError('member_muted', undefined, {
        details: { mutedUntil: view.mutedUntil },
      });
    }
    if (view.kind === 'dm' && view.memberCount < 2) {
      throw new AppError('forbidden', 'the other user has deleted their account');
    }
    // The quote comes from the parent as this transaction reads it: the send reads nothing else.
    const parent = replyTo === null ? null : await replyTarget(tx, conversationId, replyTo, me.id);
    const author = { conversationId, userId: me.id, role: view.role };
    const mentions = await resolveMentions(tx, author, body);
    const attachments = await attachable(tx, me, files);
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
    const { historyFrom: from } = await this.#conversations.requireMember(conversationId, me.id);
    // Nothing before the member's history bound (rule PG5).
    const bounded =
      from > 0 && query.after !== null
        ? { ...query, after: boundedAfter(query.after, from) }
        : query;
    return boundedMessages(await this.#deps.store.listMessages(conversationId, bounded), from);
  }

  /**
   * Timeline entries after `afterSeq` as `userId` may read them (rule PG5), for resync and
   * WebSocket replay; empty for a non-member (the caller has checked membership).
   */
  async readTimeline(
    userId: string,
    conversationId: string,
    afterSeq: number,
    limit: number,
  ): Promise<TimelineEntry[]> {
    const member = await this.#deps.store.getMember(conversationId, userId);
    if (!member) return [];
    const from = member.historyFrom;
    const entries = await this.#deps.store.listTimeline(
      conversationId,
      boundedAfter(afterSeq, from),
      limit,
    );
    return boundedEntries(entries, from);
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
    const entries = await this.readTimeline(me.id, conversationId, after, limit);
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

  /**
   * Deletes a message (rule M4): its text is erased, its seq stays. Idempotent. Moderators and
   * server admins delete others' messages too (rule PG8, services/moderation.ts).
   */
  async delete(me: User, conversationId: string, seq: number): Promise<void> {
    await commitAndPublish(this.#deps.store, this.#deps.bus, (tx, pubs) =>
      deleteInTx(this.#deps, this.#audit, tx, pubs, me, conversationId, seq),
    );
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
