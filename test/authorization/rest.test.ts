// Authorization matrix, REST half: every actor x every conversation action, as data.
// Refused rows also prove the refusal changed nothing (the group's last seq stayed put) and,
// for 404s, that the answer is exactly the one for a conversation that does not exist (G6).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ApiResponse, TestUser } from '../helpers/api.js';
import {
  MISSING,
  actorRules,
  cite,
  expectError,
  expectStatus,
  lastSeq,
  rowsOf,
  sceneFor,
  setUp,
  userOf,
  type Actor,
  type Outcome,
  type Scene,
  type World,
} from './world.js';
import { testModes } from '../helpers/deployment.js';

interface Call {
  method: string;
  path: string;
  body?: unknown;
}

/** One REST action on the scene's group. */
interface RestAction {
  what: string;
  rules: string[];
  /** The status of success. */
  ok: number;
  /** Success leaves the group fit for every other row (so the row may use the shared scene). */
  harmless?: true;
  /** The request; `me` is undefined for the anonymous actor. */
  call(w: World, s: Scene, me: TestUser | undefined): Call;
  /** Checks the effect of a successful call. */
  verify?(w: World, s: Scene, me: TestUser, res: ApiResponse): Promise<void> | void;
}

const conv = (s: Scene) => `/api/v1/conversations/${s.id}`;
/** The actor's own message (anonymous has none: another member's stands in). */
const ownSeq = (w: World, s: Scene, me: TestUser | undefined) => s.seqs[(me ?? w.cast.other).id]!;
const get = (w: World, s: Scene, me: TestUser, path = '') =>
  w.api.request('GET', conv(s) + path, { token: me.token });

async function rolesOf(w: World, s: Scene, viewer = w.cast.owner): Promise<Record<string, string>> {
  const res = await get(w, s, viewer, '/members');
  expectStatus(res, 200);
  return Object.fromEntries(res.body.members.map((m: any) => [m.username, m.role]));
}

const A = {
  getConversation: {
    harmless: true,
    what: 'read the conversation',
    rules: ['G6', 'C3'],
    ok: 200,
    call: (_w, s) => ({ method: 'GET', path: conv(s) }),
    verify: (_w, s, _me, res) => assert.equal(res.body.conversation.id, s.id),
  },
  listMembers: {
    harmless: true,
    what: 'list the members',
    rules: ['G6', 'C3'],
    ok: 200,
    call: (_w, s) => ({ method: 'GET', path: `${conv(s)}/members` }),
    verify: (_w, _s, me, res) => assert.ok(res.body.members.some((m: any) => m.userId === me.id)),
  },
  history: {
    harmless: true,
    what: 'read the history',
    rules: ['G6', 'C3', 'M2'],
    ok: 200,
    call: (_w, s) => ({ method: 'GET', path: `${conv(s)}/messages` }),
    verify: (w, s, _me, res) =>
      assert.ok(res.body.messages.some((m: any) => m.seq === s.seqs[w.cast.other.id])),
  },
  markRead: {
    harmless: true,
    what: 'mark messages read',
    rules: ['G6', 'M5'],
    ok: 200,
    call: (w, s) => ({
      method: 'POST',
      path: `${conv(s)}/read`,
      body: { seq: s.seqs[w.cast.other.id] },
    }),
    verify: (w, s, _me, res) => assert.equal(res.body.lastReadSeq, s.seqs[w.cast.other.id]),
  },
  send: {
    harmless: true,
    what: 'send a message',
    rules: ['G6', 'M1'],
    ok: 201,
    call: (_w, s) => ({
      method: 'POST',
      path: `${conv(s)}/messages`,
      body: { clientMsgId: crypto.randomUUID(), body: 'may I?' },
    }),
    verify: (_w, s, me, res) => {
      assert.equal(res.body.message.sender, me.id);
      assert.equal(res.body.message.conversationId, s.id);
    },
  },
  editOwn: {
    what: 'edit their own message',
    rules: ['M3'],
    ok: 200,
    call: (w, s, me) => ({
      method: 'PATCH',
      path: `${conv(s)}/messages/${ownSeq(w, s, me)}`,
      body: { body: 'edited' },
    }),
    verify: (_w, _s, _me, res) => {
      assert.equal(res.body.message.body, 'edited');
      assert.notEqual(res.body.message.editedAt, null);
    },
  },
  editOthers: {
    what: "edit another member's message",
    rules: ['M3'],
    ok: 200,
    call: (w, s) => ({
      method: 'PATCH',
      path: `${conv(s)}/messages/${s.seqs[w.cast.other.id]}`,
      body: { body: 'hijacked' },
    }),
  },
  deleteOwn: {
    what: 'delete their own message',
    rules: ['M4'],
    ok: 204,
    call: (w, s, me) => ({ method: 'DELETE', path: `${conv(s)}/messages/${ownSeq(w, s, me)}` }),
    async verify(w, s, me) {
      const res = await get(w, s, me, '/messages');
      const mine = res.body.messages.find((m: any) => m.seq === s.seqs[me.id]);
      assert.notEqual(mine?.deletedAt, null);
      assert.equal(mine?.body, '');
    },
  },
  deleteOthers: {
    what: "delete another member's message",
    rules: ['M4', 'PG8'],
    ok: 204,
    call: (w, s) => ({ method: 'DELETE', path: `${conv(s)}/messages/${s.seqs[w.cast.other.id]}` }),
    // A moderator's removal (PG8): the message reads as removed by them.
    async verify(w, s, me) {
      const res = await get(w, s, me, '/messages');
      const theirs = res.body.messages.find((m: any) => m.seq === s.seqs[w.cast.other.id]);
      assert.notEqual(theirs?.deletedAt, null);
      assert.equal(theirs?.deletedBy, me.id);
    },
  },
  addMember: {
    what: 'add a member',
    rules: ['C6'],
    ok: 201,
    call: (w, s) => ({
      method: 'POST',
      path: `${conv(s)}/members`,
      body: { username: w.cast.candidate.username },
    }),
    verify: async (w, s) =>
      assert.equal((await rolesOf(w, s))[w.cast.candidate.username], 'member'),
  },
  removeMember: {
    what: 'remove a plain member',
    rules: ['C7'],
    ok: 204,
    call: (w, s) => ({ method: 'DELETE', path: `${conv(s)}/members/${w.cast.other.username}` }),
    verify: async (w, s) => assert.equal((await rolesOf(w, s))[w.cast.other.username], undefined),
  },
  removeAdmin: {
    what: 'remove an admin',
    rules: ['C7'],
    ok: 204,
    call: (w, s) => ({ method: 'DELETE', path: `${conv(s)}/members/${w.cast.coadmin.username}` }),
    verify: async (w, s) => assert.equal((await rolesOf(w, s))[w.cast.coadmin.username], undefined),
  },
  removeOwner: {
    what: 'remove the owner',
    rules: ['C7'],
    ok: 204,
    call: (w, s) => ({ method: 'DELETE', path: `${conv(s)}/members/${w.cast.owner.username}` }),
  },
  changeRole: {
    what: 'change a role',
    rules: ['C8'],
    ok: 200,
    call: (w, s) => ({
      method: 'PATCH',
      path: `${conv(s)}/members/${w.cast.other.username}`,
      body: { role: 'admin' },
    }),
    verify: async (w, s) => assert.equal((await rolesOf(w, s))[w.cast.other.username], 'admin'),
  },
  rename: {
    what: 'rename the group',
    rules: ['C4'],
    ok: 200,
    call: (_w, s) => ({ method: 'PATCH', path: conv(s), body: { name: 'renamed' } }),
    verify: (_w, _s, _me, res) => assert.equal(res.body.conversation.name, 'renamed'),
  },
  deleteGroup: {
    what: 'delete the group',
    rules: ['C5'],
    ok: 204,
    call: (_w, s) => ({ method: 'DELETE', path: conv(s) }),
    async verify(w, s) {
      for (const user of [w.cast.owner, w.cast.member]) expectError(await get(w, s, user), 404);
    },
  },
  leave: {
    what: 'leave the group',
    rules: ['C9'],
    ok: 204,
    call: (_w, s) => ({ method: 'POST', path: `${conv(s)}/leave` }),
    async verify(w, s, me) {
      expectError(await get(w, s, me), 404);
      const roles = await rolesOf(w, s, w.cast.other);
      assert.equal(roles[me.username], undefined);
      // An owner who leaves hands the group to the longest-standing admin.
      if (me === w.cast.owner) assert.equal(roles[w.cast.admin.username], 'owner');
    },
  },
  react: {
    harmless: true,
    what: "react to another member's message",
    rules: ['G6', 'R4'],
    ok: 200,
    call: (w, s) => ({
      method: 'PUT',
      path: `${conv(s)}/messages/${s.seqs[w.cast.other.id]}/reactions/${encodeURIComponent('👍')}`,
    }),
    verify: (_w, _s, me, res) =>
      assert.ok(
        res.body.reactions.some(
          (g: any) => g.emoji === '👍' && g.users.some((u: any) => u.userId === me.id),
        ),
      ),
  },
  unreact: {
    harmless: true,
    what: 'remove their reaction',
    rules: ['G6', 'R4'],
    ok: 200,
    call: (w, s) => ({
      method: 'DELETE',
      path: `${conv(s)}/messages/${s.seqs[w.cast.other.id]}/reactions/${encodeURIComponent('👍')}`,
    }),
    verify: (_w, _s, me, res) =>
      assert.ok(!res.body.reactions.some((g: any) => g.users.some((u: any) => u.userId === me.id))),
  },
  mute: {
    harmless: true,
    what: 'mute the conversation for themself',
    rules: ['G6', 'N3'],
    ok: 200,
    call: (_w, s) => ({ method: 'PUT', path: `${conv(s)}/mute`, body: { muted: true } }),
    verify: async (w, s, me, res) => {
      assert.deepEqual(res.body, { muted: true });
      assert.equal((await get(w, s, me)).body.conversation.muted, true);
      assert.equal((await get(w, s, w.cast.other)).body.conversation.muted, false);
    },
  },
} satisfies Record<string, RestAction>;

// prettier-ignore
const MATRIX: Array<[RestAction, Outcome[]]> = [
  //                 anonymous non-member member admin  owner  removed deleted
  [A.getConversation, [401,    404,       'ok',  'ok',  'ok',  404,    401]],
  [A.listMembers,     [401,    404,       'ok',  'ok',  'ok',  404,    401]],
  [A.history,         [401,    404,       'ok',  'ok',  'ok',  404,    401]],
  [A.markRead,        [401,    404,       'ok',  'ok',  'ok',  404,    401]],
  [A.send,            [401,    404,       'ok',  'ok',  'ok',  404,    401]],
  [A.editOwn,         [401,    null,      'ok',  'ok',  'ok',  404,    401]],
  [A.editOthers,      [401,    404,       403,   403,   403,   404,    401]],
  [A.deleteOwn,       [401,    null,      'ok',  'ok',  'ok',  404,    401]],
  [A.deleteOthers,    [401,    404,       403,   'ok',  'ok',  404,    401]],
  [A.addMember,       [401,    404,       403,   'ok',  'ok',  404,    401]],
  [A.removeMember,    [401,    404,       403,   'ok',  'ok',  404,    401]],
  [A.removeAdmin,     [401,    404,       403,   403,   'ok',  404,    401]],
  [A.removeOwner,     [401,    404,       403,   403,   null,  404,    401]],
  [A.changeRole,      [401,    404,       403,   403,   'ok',  404,    401]],
  [A.rename,          [401,    404,       403,   'ok',  'ok',  404,    401]],
  [A.deleteGroup,     [401,    404,       403,   403,   'ok',  404,    401]],
  [A.leave,           [401,    404,       'ok',  'ok',  'ok',  404,    401]],
  [A.react,           [401,    404,       'ok',  'ok',  'ok',  404,    401]],
  [A.unreact,         [401,    404,       'ok',  'ok',  'ok',  404,    401]],
  [A.mute,            [401,    404,       'ok',  'ok',  'ok',  404,    401]],
];

/** Whether each actor's conversation list (C10) shows the group; 401 without a valid session. */
// prettier-ignore
const LISTED: Array<[Actor, boolean | 401]> = [
  ['anonymous', 401], ['non-member', false], ['member', true], ['admin', true], ['owner', true],
  ['removed member', false], ['deleted user', 401],
];

for (const mode of testModes())
  describe(`authorization matrix: REST [${mode}]`, () => {
    let world: World;
    before(async () => {
      world = await setUp(mode);
    });
    after(() => world.deployment.dispose());

    for (const { actor, action, expect } of rowsOf(MATRIX)) {
      const status = expect === 'ok' ? action.ok : expect;
      const verb = expect === 'ok' ? 'can' : 'cannot';
      const rules = cite([...actorRules(actor), ...action.rules]);
      it(`${rules} ${actor} ${verb} ${action.what} (${status})`, async () => {
        const scene = await sceneFor(world, actor, expect === 'ok' && !action.harmless);
        const me = userOf(world.cast, actor);
        const send = (s: Scene) => {
          const { method, path, body } = action.call(world, s, me);
          return world.api.request(method, path, { token: me?.token, body });
        };
        const seqBefore = await lastSeq(world, scene);
        const res = await send(scene);
        if (expect === 'ok') {
          expectStatus(res, action.ok);
          await action.verify?.(world, scene, me!, res);
          return;
        }
        expectError(res, expect);
        assert.equal(await lastSeq(world, scene), seqBefore, 'a refused request changes nothing');
        if (expect === 404) {
          // Indistinguishable from a conversation that does not exist.
          const missing = await send({ ...scene, id: MISSING });
          assert.deepEqual(
            { status: missing.status, body: missing.body },
            { status: 404, body: res.body },
          );
        }
      });
    }

    for (const [actor, listed] of LISTED) {
      const rules = cite([...actorRules(actor), 'G6', 'C10']);
      const outcome =
        listed === 401
          ? 'cannot list conversations (401)'
          : listed
            ? 'sees the group in their conversation list'
            : 'does not see the group in their conversation list';
      it(`${rules} ${actor} ${outcome}`, async () => {
        const scene = await sceneFor(world, actor, false);
        const me = userOf(world.cast, actor);
        const res = await world.api.request('GET', '/api/v1/conversations', { token: me?.token });
        if (listed === 401) return expectError(res, 401);
        expectStatus(res, 200);
        assert.equal(
          res.body.conversations.some((c: any) => c.id === scene.id),
          listed,
        );
      });
    }
  });
