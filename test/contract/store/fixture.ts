import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before } from 'node:test';
import { isAppError, type ErrorCode } from '../../../src/domain/errors.js';
import type {
  Conversation,
  Message,
  StoredMessage,
  TimelineEvent,
  TimelineEventType,
  User,
} from '../../../src/domain/model.js';
import {
  DuplicateKeyError,
  RecordNotFoundError,
  type RecordKind,
  type Store,
  type UniqueKey,
} from '../../../src/ports/store.js';

/** A freshly opened store and how to throw it away (close it, remove its files or database). */
export interface StoreHarness {
  store: Store;
  dispose(): Promise<void>;
}

/** Opens an empty store; called once per `describe` block of the contract. */
export type OpenStore = () => Promise<StoreHarness>;

/** How a deleted account's name is shown (rule A6). */
export const DELETED = '[deleted]';

/** Builds realistic records; every write advances a fake clock so times never tie. */
export class Fixture {
  #time = 1_700_000_000_000;
  #n = 0;

  constructor(readonly store: Store) {}

  /** The next distinct time (epoch ms). */
  tick(): number {
    this.#time += 1000;
    return this.#time;
  }

  /** A unique id (no `:`, which separates the ids in a DM key). */
  id(prefix: string): string {
    this.#n += 1;
    return `${prefix}-${this.#n}-${randomUUID().slice(0, 8)}`;
  }

  /** A unique valid username (rule A1). */
  username(prefix = 'user'): string {
    this.#n += 1;
    return `${prefix}${this.#n}`;
  }

  user(username = this.username()): Promise<User> {
    return this.store.createUser({
      id: this.id('u'),
      username,
      passwordHash: `hash-of-${username}`,
      createdAt: this.tick(),
      deletedAt: null,
    });
  }

  conversation(kind: 'dm' | 'group', createdBy: User, name: string | null = null): Conversation {
    const at = this.tick();
    return {
      id: this.id('c'),
      kind,
      name,
      createdBy: createdBy.id,
      createdAt: at,
      lastSeq: 0,
      lastMessageAt: at,
      allMentions: 'members',
      visibility: 'private',
      history: 'all',
    };
  }

  /** A group owned by `owner` with `members` as plain members, as the services create one. */
  async group(owner: User, members: User[] = [], name = 'group'): Promise<Conversation> {
    const conversation = this.conversation('group', owner, name);
    await this.store.createConversation(conversation, null);
    await this.store.addMember(this.member(conversation, owner, 'owner'));
    for (const user of members) await this.store.addMember(this.member(conversation, user));
    return conversation;
  }

  async dm(a: User, b: User): Promise<Conversation> {
    const conversation = this.conversation('dm', a);
    await this.store.createConversation(conversation, dmKey(a, b));
    await this.store.addMember(this.member(conversation, a));
    await this.store.addMember(this.member(conversation, b));
    return conversation;
  }

  member(conversation: Conversation, user: User, role: 'owner' | 'admin' | 'member' = 'member') {
    return {
      conversationId: conversation.id,
      userId: user.id,
      role,
      joinedAt: this.tick(),
      lastReadSeq: 0,
    };
  }

  /** Sends a message the way the message service does: seq and insert in one transaction. */
  async send(
    conversation: Conversation,
    sender: User,
    body = 'hello',
    clientMsgId = this.id('m'),
    stored: Partial<
      Pick<StoredMessage, 'replyTo' | 'threadRoot' | 'mentions' | 'mentionsAll'>
    > = {},
  ): Promise<Message> {
    const createdAt = this.tick();
    const seq = await this.store.transaction(async (tx) => {
      await tx.lockConversation(conversation.id);
      const next = await tx.nextSeq(conversation.id, createdAt, true);
      await tx.insertMessage({
        id: this.id('msg'),
        conversationId: conversation.id,
        seq: next,
        sender: sender.id,
        clientMsgId,
        body,
        createdAt,
        editedAt: null,
        deletedAt: null,
        replyTo: null,
        threadRoot: null,
        mentions: [],
        mentionsAll: false,
        ...stored,
      });
      return next;
    });
    return must(await this.store.getMessage(conversation.id, seq));
  }

  /** Appends a timeline event the way the services do. */
  async event(
    conversation: Conversation,
    actor: User,
    type: TimelineEventType = 'conversation.renamed',
    data: Record<string, unknown> = {},
  ): Promise<TimelineEvent> {
    const createdAt = this.tick();
    return this.store.transaction(async (tx) => {
      const seq = await tx.nextSeq(conversation.id, createdAt, false);
      // Arbitrary JSON data: the store keeps what it is given, whatever the event's type.
      const event = {
        conversationId: conversation.id,
        seq,
        type,
        actor: actor.id,
        data,
        createdAt,
      } as TimelineEvent;
      await tx.insertEvent(event);
      return event;
    });
  }
}

/** The key of the DM between `a` and `b`, as the services build it. */
export function dmKey(a: User, b: User): string {
  return [a.id, b.id].sort().join(':');
}

/** Asserts that a record was found. */
export function must<T>(value: T | null | undefined): T {
  assert.ok(value !== null && value !== undefined, 'expected a record, got nothing');
  return value;
}

/** Asserts that `promise` rejects with an AppError of `code`. */
export async function rejectsWith(promise: Promise<unknown>, code: ErrorCode): Promise<void> {
  await assert.rejects(promise, (err) => {
    assert.ok(isAppError(err, code), `expected AppError ${code}, got ${String(err)}`);
    return true;
  });
}

/** Asserts that `promise` rejects with the port's DuplicateKeyError for `key`. */
export async function rejectsDuplicate(promise: Promise<unknown>, key: UniqueKey): Promise<void> {
  await assert.rejects(promise, (err) => {
    assert.ok(err instanceof DuplicateKeyError, `expected DuplicateKeyError, got ${String(err)}`);
    assert.equal(err.key, key);
    return true;
  });
}

/** Asserts that `promise` rejects with the port's RecordNotFoundError for `record`. */
export async function rejectsNotFound(
  promise: Promise<unknown>,
  record: RecordKind,
): Promise<void> {
  await assert.rejects(promise, (err) => {
    assert.ok(
      err instanceof RecordNotFoundError,
      `expected RecordNotFoundError, got ${String(err)}`,
    );
    assert.equal(err.record, record);
    return true;
  });
}

/** Registers before/after hooks that open one store for the enclosing describe block. */
export function useStore(open: OpenStore): () => Fixture {
  let harness: StoreHarness | undefined;
  let fixture: Fixture | undefined;
  before(async () => {
    harness = await open();
    fixture = new Fixture(harness.store);
  });
  after(async () => {
    await harness?.dispose();
  });
  return () => must(fixture);
}
