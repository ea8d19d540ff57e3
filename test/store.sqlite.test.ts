import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { backupSqlite, openSqliteStore, sqlitePath } from '../src/adapters/sqlite/sqlite-store.js';
import type { Conversation, User } from '../src/domain/model.js';
import type { Store } from '../src/ports/store.js';
import { storeContract } from './contract/store.contract.js';

/** A throwaway data directory, removed by the caller. */
function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'parley-sqlite-'));
}

storeContract('sqlite', async () => {
  const dir = await tempDir();
  const store = await openSqliteStore(sqlitePath(dir));
  return {
    store,
    async dispose() {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

/** Writes one account, a group with it as owner, a created event and a message. */
async function seed(store: Store): Promise<{ user: User; group: Conversation }> {
  const user = await store.createUser({
    id: 'u-alice',
    username: 'alice',
    passwordHash: 'hash',
    createdAt: 1_000,
    deletedAt: null,
  });
  const group: Conversation = {
    id: 'c-team',
    kind: 'group',
    name: 'team',
    createdBy: user.id,
    createdAt: 2_000,
    lastSeq: 0,
    lastMessageAt: 2_000,
    allMentions: 'members',
    visibility: 'private',
    history: 'all',
  };
  await store.transaction(async (tx) => {
    await tx.createConversation(group, null);
    await tx.addMember({
      conversationId: group.id,
      userId: user.id,
      role: 'owner',
      joinedAt: 2_000,
      lastReadSeq: 0,
    });
    const created = await tx.nextSeq(group.id, 2_000, false);
    await tx.insertEvent({
      conversationId: group.id,
      seq: created,
      type: 'conversation.created',
      actor: user.id,
      data: { name: 'team', members: [] },
      createdAt: 2_000,
    });
    const seq = await tx.nextSeq(group.id, 3_000, true);
    await tx.insertMessage({
      id: 'm-1',
      conversationId: group.id,
      seq,
      sender: user.id,
      clientMsgId: 'client-1',
      body: 'backed up',
      createdAt: 3_000,
      editedAt: null,
      deletedAt: null,
      replyTo: null,
      threadRoot: null,
      mentions: [],
      mentionsAll: false,
    });
  });
  return { user, group };
}

describe('SQLite store', () => {
  let dir: string;
  before(async () => {
    dir = await tempDir();
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('[G1] the database file is in WAL mode', async () => {
    const file = join(dir, 'wal', 'parley.db');
    const store = await openSqliteStore(file);
    try {
      await seed(store);
      // File format bytes 18-19 (write and read version) are 2 exactly when the journal is WAL.
      const header = (await readFile(file)).subarray(0, 100);
      assert.equal(header.toString('latin1', 0, 15), 'SQLite format 3');
      assert.deepEqual([header[18], header[19]], [2, 2]);
      assert.ok(existsSync(`${file}-wal`), 'a WAL file exists while the store is open');
    } finally {
      await store.close();
    }
  });

  it('[O5] migrations are idempotent: reopening a database keeps its data', async () => {
    const file = join(dir, 'reopen', 'parley.db');
    const first = await openSqliteStore(file);
    const { user, group } = await seed(first);
    await first.close();

    const second = await openSqliteStore(file);
    try {
      assert.deepEqual(await second.getUserByUsername('alice'), user);
      assert.equal((await second.getConversation(group.id))?.lastSeq, 2);
      assert.equal((await second.getMessage(group.id, 2))?.body, 'backed up');
    } finally {
      await second.close();
    }
  });

  it('[O5] backupSqlite writes a snapshot that opens with every record', async () => {
    const file = join(dir, 'live', 'parley.db');
    const out = join(dir, 'snapshot.db');
    const live = await openSqliteStore(file);
    let user: User;
    let group: Conversation;
    try {
      ({ user, group } = await seed(live));
      const { pages } = await backupSqlite(file, out);
      assert.ok(pages > 0);
      // Writes after the backup belong to the live database only.
      await live.renameConversation(group.id, 'after the backup');
    } finally {
      await live.close();
    }

    const restored = await openSqliteStore(out);
    try {
      assert.deepEqual(await restored.getUserByUsername('alice'), user);
      assert.deepEqual(await restored.getConversation(group.id), {
        ...group,
        lastSeq: 2,
        lastMessageAt: 3_000,
        allMentions: 'members',
        visibility: 'private',
        history: 'all',
      });
      assert.deepEqual(await restored.listMembers(group.id), [
        {
          conversationId: group.id,
          userId: user.id,
          username: 'alice',
          role: 'owner',
          joinedAt: 2_000,
          lastReadSeq: 0,
          historyFrom: 0,
          mutedUntil: null,
        },
      ]);
      const timeline = await restored.listTimeline(group.id, 0, 10);
      assert.deepEqual(
        timeline.map((e) => (e.kind === 'message' ? e.message.body : e.event.type)),
        ['conversation.created', 'backed up'],
      );
      assert.equal((await restored.getMessageByClientId(user.id, 'client-1'))?.seq, 2);
    } finally {
      await restored.close();
    }
  });
});
