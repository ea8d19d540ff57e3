import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isAppError } from '../../../src/domain/errors.js';
import type { User } from '../../../src/domain/model.js';
import type { Store } from '../../../src/ports/store.js';
import { must, rejectsWith, useStore, type Fixture, type OpenStore } from './fixture.js';

/** An edit's mentions when the body mentions nobody. */
const NONE = { mentions: [], mentionsAll: false };

/** Strings no field may hold (rule S6): PostgreSQL cannot store the first three at all. */
const NEVER: Record<string, string> = {
  NUL: 'a\u0000b',
  'lone high surrogate': 'a\ud800b',
  'lone low surrogate': '\udc00',
  'noncharacter U+FFFF': 'a\uffff',
  'noncharacter U+FDD0': '\ufdd0',
  'C0 control': 'a\u0001b',
};
/** Characters a message body may hold but a name or id may not. */
const BODY_ONLY: Record<string, string> = {
  tab: 'a\tb',
  'line feed': 'a\nb',
  'carriage return': 'a\r\nb',
  DEL: 'a\u007fb',
  C1: 'a\u0085b',
};
/** Text both alphabets keep; each engine must give it back unchanged. */
const TEXT = [
  '😀👍🏽🇫🇷',
  'e\u0301 n\u0303 \u0915\u094d\u0937',
  '\u202eevil\u202c \u2067rtl\u2069 \u200f',
  '👩\u200d👩\u200d👧 a\u200bb \ufeffbom',
];

/** Every string-bearing store operation, called with `s` in one of its string arguments. */
function operations(fx: Fixture, s: string, ids: { owner: User; conversation: string }) {
  const { store } = fx;
  const at = fx.tick();
  const userId = ids.owner.id;
  const message = {
    id: fx.id('msg'),
    conversationId: ids.conversation,
    seq: 999,
    sender: userId,
    clientMsgId: fx.id('m'),
    body: 'x',
    createdAt: at,
    editedAt: null,
    deletedAt: null,
    replyTo: null,
    threadRoot: null,
    mentions: [],
    mentionsAll: false,
  };
  const user = { id: fx.id('u'), username: fx.username(), passwordHash: 'h', createdAt: at };
  const conversation = fx.conversation('group', ids.owner, 'n');
  const session = {
    id: fx.id('s'),
    userId: userId,
    tokenHash: 'h'.repeat(64),
    createdAt: at,
    expiresAt: at + 1000,
    lastSeenAt: at,
  };
  const node = { id: 'n', url: 'http://x', startedAt: at, heartbeatAt: at, connections: 0 };
  return {
    'createUser username': () => store.createUser({ ...user, username: s, deletedAt: null }),
    'createUser id': () => store.createUser({ ...user, id: s, deletedAt: null }),
    getUserById: () => store.getUserById(s),
    getUserByUsername: () => store.getUserByUsername(s),
    getUserSecretByUsername: () => store.getUserSecretByUsername(s),
    getUserSecretById: () => store.getUserSecretById(s),
    'searchUsers like': () => store.searchUsers({ like: s, afterUsername: null, limit: 5 }),
    'searchUsers after': () => store.searchUsers({ like: null, afterUsername: s, limit: 5 }),
    markUserDeleted: () => store.markUserDeleted(s, at),
    'createSession tokenHash': () => store.createSession({ ...session, tokenHash: s }),
    getSessionByTokenHash: () => store.getSessionByTokenHash(s),
    touchSession: () => store.touchSession(s, at),
    deleteSession: () => store.deleteSession(s),
    deleteUserSessions: () => store.deleteUserSessions(s),
    liveSessionIds: () => store.liveSessionIds([s], at),
    'createConversation name': () => store.createConversation({ ...conversation, name: s }, null),
    'createConversation id': () => store.createConversation({ ...conversation, id: s }, null),
    'createConversation dmKey': () => store.createConversation(conversation, s),
    getConversation: () => store.getConversation(s),
    getDmByKey: () => store.getDmByKey(s),
    renameConversation: () => store.renameConversation(ids.conversation, s),
    deleteConversation: () => store.deleteConversation(s),
    lockConversation: () => store.transaction((tx) => tx.lockConversation(s)),
    nextSeq: () => store.nextSeq(s, at, true),
    addMember: () =>
      store.addMember({
        conversationId: s,
        userId: userId,
        role: 'member',
        joinedAt: at,
        lastReadSeq: 0,
      }),
    getMember: () => store.getMember(ids.conversation, s),
    listMembers: () => store.listMembers(s),
    listMemberIds: () => store.listMemberIds(s),
    getMemberView: () => store.getMemberView(s, userId),
    countMembers: () => store.countMembers(s),
    removeMember: () => store.removeMember(s, userId),
    setMemberRole: () => store.setMemberRole(ids.conversation, s, 'admin'),
    raiseReadMarker: () => store.raiseReadMarker(s, userId, 1),
    listConversationIdsForUser: () => store.listConversationIdsForUser(s),
    listCursorsForUser: () => store.listCursorsForUser(s),
    latestSeqs: () => store.latestSeqs([ids.conversation, s]),
    listSummariesForUser: () => store.listSummariesForUser(s),
    getSummaryForUser: () => store.getSummaryForUser(s, userId),
    'insertMessage body': () => store.insertMessage({ ...message, body: s }),
    'insertMessage clientMsgId': () => store.insertMessage({ ...message, clientMsgId: s }),
    'insertMessage id': () => store.insertMessage({ ...message, id: s }),
    getMessage: () => store.getMessage(s, 1),
    getMessageByClientId: () => store.getMessageByClientId(userId, s),
    editMessage: () => store.editMessage(ids.conversation, 1, s, at, NONE),
    deleteMessage: () => store.deleteMessage(s, 1, at),
    listMessages: () => store.listMessages(s, { before: null, after: null, limit: 5 }),
    getMessageRecord: () => store.getMessageRecord(s, 1),
    'editMessage mentions': () =>
      store.editMessage(ids.conversation, 1, 'fine', at, { mentions: [s], mentionsAll: false }),
    'insertMessage mentions': () => store.insertMessage({ ...message, mentions: [s] }),
    listThread: () => store.listThread(s, 1, 0, 5),
    'listMentions userId': () => store.listMentions(s, { before: null, limit: 5 }),
    'listMentions before': () => store.listMentions(userId, { before: s, limit: 5 }),
    setAllMentions: () => store.setAllMentions(s, 'admins'),
    insertEvent: () =>
      store.insertEvent({
        conversationId: ids.conversation,
        seq: 999,
        type: 'conversation.renamed',
        actor: s,
        data: { name: 'renamed', previous: null },
        createdAt: at,
      }),
    redactEdits: () => store.redactEdits(s, 1),
    listTimeline: () => store.listTimeline(s, 0, 5),
    'addReaction emoji': () =>
      store.addReaction({
        conversationId: ids.conversation,
        seq: 1,
        emoji: s,
        userId,
        createdAt: at,
      }),
    'addReaction userId': () =>
      store.addReaction({
        conversationId: ids.conversation,
        seq: 1,
        emoji: '👍',
        userId: s,
        createdAt: at,
      }),
    removeReaction: () => store.removeReaction(ids.conversation, 1, s, userId),
    listReactionEmoji: () => store.listReactionEmoji(s, 1),
    lastReactionAt: () => store.lastReactionAt(s, 1),
    listReactions: () => store.listReactions(s, 1),
    deleteReactions: () => store.deleteReactions(s, 1),
    getUserSettings: () => store.getUserSettings(s),
    updateUserSettings: () => store.updateUserSettings(s, { shareReadMarkers: false }),
    usersHidingReadMarkers: () => store.usersHidingReadMarkers([userId, s]),
    upsertNode: () => store.upsertNode({ ...node, id: s, draining: false }),
    deleteNode: () => store.deleteNode(s),
    setPresence: () => store.setPresence(s, 'n', true, at),
    clearPresence: () => store.clearPresence(s),
    onlineUsers: () => store.onlineUsers([s], at),
  } satisfies Record<string, () => Promise<unknown>>;
}

/** Names of the operations whose string is a message body (rule S6's body alphabet). */
const BODY_OPERATIONS = new Set(['insertMessage body', 'editMessage']);

/** What the store holds of a conversation, to check that refusals changed nothing. */
async function snapshot(store: Store, conversationId: string) {
  return {
    conversation: await store.getConversation(conversationId),
    timeline: await store.listTimeline(conversationId, 0, 100),
    users: await store.searchUsers({ like: null, afterUsername: null, limit: 1000 }),
  };
}

/**
 * Rule S6 at the store (STYLE principle 2: one suite, every engine): every string-bearing
 * method refuses the same strings with the same typed error before any statement, and keeps
 * everything else byte for byte, so SQLite and PostgreSQL cannot disagree.
 */
export function alphabetContract(open: OpenStore): void {
  describe('[S6] input alphabet', () => {
    const fx = useStore(open);

    it('[S6] every string-bearing method refuses NUL, lone surrogates, noncharacters and controls with invalid_request', async () => {
      const { store } = fx();
      const owner = await fx().user();
      const group = await fx().group(owner);
      await fx().send(group, owner, 'kept');
      const before = await snapshot(store, group.id);
      for (const [what, s] of Object.entries(NEVER)) {
        for (const [name, call] of Object.entries(
          operations(fx(), s, { owner, conversation: group.id }),
        )) {
          await assert.rejects(call(), (err) => {
            assert.ok(isAppError(err, 'invalid_request'), `${name} with ${what}: ${String(err)}`);
            return true;
          });
        }
      }
      for (const [what, s] of Object.entries(BODY_ONLY)) {
        for (const [name, call] of Object.entries(
          operations(fx(), s, { owner, conversation: group.id }),
        )) {
          if (BODY_OPERATIONS.has(name)) continue;
          await rejectsWith(call(), 'invalid_request').catch((err: unknown) => {
            throw new Error(`${name} with ${what}`, { cause: err });
          });
        }
      }
      assert.deepEqual(await snapshot(store, group.id), before, 'nothing was written');
    });

    it('[S6] emoji, combining marks, bidi controls, tabs and newlines round-trip unchanged, at the maximum lengths', async () => {
      const { store } = fx();
      const username = `${TEXT[1]}😀`;
      const owner = await fx().user(username);
      assert.deepEqual(await store.getUserByUsername(username), owner);
      assert.deepEqual(
        (await store.searchUsers({ like: '%😀', afterUsername: null, limit: 5 })).map((u) => u.id),
        [owner.id],
      );
      const name = '😀'.repeat(100); // 100 characters, 200 UTF-16 units, 400 UTF-8 bytes
      const group = await fx().group(owner, [], name);
      assert.equal((await store.getConversation(group.id))?.name, name);
      await store.renameConversation(group.id, TEXT[2]!);
      assert.equal((await store.getConversation(group.id))?.name, TEXT[2]);

      const bodies = [...TEXT, ...Object.values(BODY_ONLY), '😀'.repeat(4000), 'x'.repeat(4000)];
      const clientMsgId = '😀'.repeat(32); // 64 UTF-16 units, the longest clientMsgId
      const sent = [];
      for (const [i, body] of bodies.entries())
        sent.push(await fx().send(group, owner, body, i === 0 ? clientMsgId : fx().id('m')));
      const history = await store.listMessages(group.id, { before: null, after: null, limit: 100 });
      assert.deepEqual(
        history.map((m) => m.body),
        bodies,
      );
      assert.deepEqual(await store.getMessageByClientId(owner.id, clientMsgId), sent[0]);
      const last = must(sent.at(-1));
      await store.editMessage(group.id, last.seq, TEXT[3]!, fx().tick(), NONE);
      assert.equal((await store.getMessage(group.id, last.seq))?.body, TEXT[3]);
      const [summary] = await store.listSummariesForUser(owner.id);
      assert.equal(summary?.name, TEXT[2]);
      assert.equal(summary?.lastMessage?.body, TEXT[3]);
    });

    it('[S6] event data is stored JSON-escaped, so any string in it reads back unchanged', async () => {
      const owner = await fx().user();
      const group = await fx().group(owner);
      const data = { name: 'a\u0000b', lone: '\ud800', text: TEXT[0] };
      await fx().event(group, owner, 'conversation.renamed', data);
      const [entry] = await fx().store.listTimeline(group.id, 0, 10);
      assert.deepEqual(entry?.kind === 'event' ? entry.event.data : null, data);
    });

    it('[S6][G1] a refused string inside a transaction is a failed statement: the transaction writes nothing', async () => {
      const { store } = fx();
      const owner = await fx().user();
      const group = await fx().group(owner);
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.renameConversation(group.id, 'renamed');
          await tx.renameConversation(group.id, 'a\u0000b').catch(() => undefined);
        }),
      );
      assert.equal((await store.getConversation(group.id))?.name, group.name);
    });

    it('[S6][G1] a savepoint undoes only its own writes after an engine error or a refusal; the transaction commits the rest', async () => {
      const { store } = fx();
      const owner = await fx().user();
      const group = await fx().group(owner);
      const outcomes = await store.transaction(async (tx) => {
        await tx.renameConversation(group.id, 'kept');
        const foreignKey = await tx
          .savepoint(async () => {
            await tx.nextSeq(group.id, fx().tick(), false);
            await tx.addMember({ ...fx().member(group, owner), userId: 'no-such-user' });
          })
          .then(
            () => 'committed',
            (err: unknown) => (isAppError(err) ? 'refused' : 'engine error'),
          );
        const refusal = await tx
          .savepoint(async () => {
            await tx.nextSeq(group.id, fx().tick(), false);
            await tx.renameConversation(group.id, 'a\u0000b');
          })
          .then(
            () => 'committed',
            (err: unknown) => (isAppError(err, 'invalid_request') ? 'refused' : String(err)),
          );
        const nested = await tx.savepoint(() =>
          tx.savepoint(() => tx.nextSeq(group.id, fx().tick(), false)),
        );
        return { foreignKey, refusal, nested };
      });
      assert.deepEqual(outcomes, { foreignKey: 'engine error', refusal: 'refused', nested: 1 });
      const stored = must(await store.getConversation(group.id));
      assert.equal(stored.name, 'kept');
      assert.equal(stored.lastSeq, 1, 'the undone savepoints took no seq');
    });
  });
}
