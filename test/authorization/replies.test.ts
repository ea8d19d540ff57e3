// Authorization matrix for replies, threads, messages by seq, mentions and the @all setting
// (rules R1-R3, R6-R8): every actor of world.ts, the same refusals as the rest of the group's
// actions (G6: non-members get exactly the answer for a conversation that does not exist),
// and a removed member's open socket gets none of the replies that follow.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ApiResponse, TestUser } from '../helpers/api.js';
import { testModes } from '../helpers/deployment.js';
import { WsClient } from '../helpers/ws.js';
import {
  MISSING,
  actorRules,
  cite,
  expectError,
  expectStatus,
  framesAbout,
  isMessage,
  lastSeq,
  makeScene,
  rowsOf,
  sceneFor,
  setUp,
  userOf,
  type Actor,
  type Outcome,
  type Scene,
  type World,
} from './world.js';

interface Call {
  method: string;
  path: string;
  body?: unknown;
}

/** One action on the scene's group, as in rest.test.ts. */
interface Action {
  what: string;
  rules: string[];
  ok: number;
  harmless?: true;
  call(w: World, s: Scene): Call;
  verify?(w: World, s: Scene, me: TestUser, res: ApiResponse): void;
}

const conv = (s: Scene) => `/api/v1/conversations/${s.id}`;
/** Another member's message: the parent replies quote and threads are read from. */
const parentOf = (w: World, s: Scene) => s.seqs[w.cast.other.id]!;

const A = {
  reply: {
    harmless: true,
    what: "reply to another member's message",
    rules: ['R1'],
    ok: 201,
    call: (w, s) => ({
      method: 'POST',
      path: `${conv(s)}/messages`,
      body: { clientMsgId: crypto.randomUUID(), body: 'replying', replyTo: parentOf(w, s) },
    }),
    verify: (w, s, me, res) => {
      assert.equal(res.body.message.sender, me.id);
      assert.equal(res.body.message.reply.seq, parentOf(w, s));
    },
  },
  readMessage: {
    harmless: true,
    what: 'read a message by seq',
    rules: ['R2', 'R3'],
    ok: 200,
    call: (w, s) => ({ method: 'GET', path: `${conv(s)}/messages/${parentOf(w, s)}` }),
    verify: (w, s, _me, res) => assert.equal(res.body.message.seq, parentOf(w, s)),
  },
  readThread: {
    harmless: true,
    what: 'read a thread',
    rules: ['R3'],
    ok: 200,
    call: (w, s) => ({ method: 'GET', path: `${conv(s)}/messages/${parentOf(w, s)}/thread` }),
    verify: (w, s, _me, res) => assert.equal(res.body.root.seq, parentOf(w, s)),
  },
  setAllMentions: {
    what: 'set who may mention @all',
    rules: ['R7'],
    ok: 200,
    call: (_w, s) => ({
      method: 'PUT',
      path: `${conv(s)}/settings`,
      body: { allMentions: 'admins' },
    }),
    verify: (_w, _s, _me, res) => assert.equal(res.body.conversation.allMentions, 'admins'),
  },
} satisfies Record<string, Action>;

// prettier-ignore
const MATRIX: Array<[Action, Outcome[]]> = [
  //                anonymous non-member member admin  owner  removed deleted
  [A.reply,          [401,    404,       'ok',  'ok',  'ok',  404,    401]],
  [A.readMessage,    [401,    404,       'ok',  'ok',  'ok',  404,    401]],
  [A.readThread,     [401,    404,       'ok',  'ok',  'ok',  404,    401]],
  [A.setAllMentions, [401,    404,       403,   'ok',  'ok',  404,    401]],
];

/** Whether each actor's mention list shows an @all of the group; 401 without a session. */
// prettier-ignore
const MENTIONED: Array<[Actor, boolean | 401]> = [
  ['anonymous', 401], ['non-member', false], ['member', true], ['admin', true], ['owner', true],
  ['removed member', false], ['deleted user', 401],
];

for (const mode of testModes())
  describe(`authorization matrix: replies, threads and mentions [${mode}]`, () => {
    let world: World;
    /** The seq of an @all the other member sent in the shared scene. */
    let everyone: { id: string; seq: number };
    before(async () => {
      world = await setUp(mode);
      const sent = await world.api.send(world.cast.other, world.shared.id, '@all look');
      expectStatus(sent, 201);
      everyone = { id: sent.body.message.id, seq: sent.body.message.seq };
    });
    after(() => world.deployment.dispose());

    for (const { actor, action, expect } of rowsOf(MATRIX)) {
      const status = expect === 'ok' ? action.ok : expect;
      const verb = expect === 'ok' ? 'can' : 'cannot';
      it(`${cite([...actorRules(actor), 'G6', ...action.rules])} ${actor} ${verb} ${action.what} (${status})`, async () => {
        const scene = await sceneFor(world, actor, expect === 'ok' && !action.harmless);
        const me = userOf(world.cast, actor);
        const send = (s: Scene) => {
          const { method, path, body } = action.call(world, s);
          return world.api.request(method, path, { token: me?.token, body });
        };
        const seqBefore = await lastSeq(world, scene);
        const res = await send(scene);
        if (expect === 'ok') {
          expectStatus(res, action.ok);
          action.verify?.(world, scene, me!, res);
          return;
        }
        expectError(res, expect);
        assert.equal(await lastSeq(world, scene), seqBefore, 'a refused request changes nothing');
        if (expect === 404) {
          const missing = await send({ ...scene, id: MISSING });
          assert.deepEqual(
            { status: missing.status, body: missing.body },
            { status: 404, body: res.body },
          );
        }
      });
    }

    for (const [actor, listed] of MENTIONED) {
      const rules = cite([...actorRules(actor), 'G6', 'R8']);
      const outcome =
        listed === 401
          ? 'cannot list mentions (401)'
          : `${listed ? 'sees' : 'does not see'} the group's @all in their mentions`;
      it(`${rules} ${actor} ${outcome}`, async () => {
        const me = userOf(world.cast, actor);
        const res = await world.api.request('GET', '/api/v1/mentions', { token: me?.token });
        if (listed === 401) return expectError(res, 401);
        expectStatus(res, 200);
        assert.equal(
          res.body.messages.some((m: any) => m.id === everyone.id),
          listed,
        );
      });
    }

    it('[G6][C7][R1][R6] a removed member’s open socket gets no later replies, and no longer resolves as a mention', async () => {
      const { api, cast } = world;
      const s = await makeScene(api, cast);
      const token = (u: TestUser) => u.token;
      const [gone, stays] = await Promise.all(
        [cast.member, cast.other].map(
          async (u) => (await WsClient.open(world.deployment.urlOf(token(u)), token(u))).client,
        ),
      );
      try {
        expectStatus(
          await api.request('DELETE', `${conv(s)}/members/${cast.member.username}`, {
            token: cast.owner.token,
          }),
          204,
        );
        const removed = await gone!.next(
          (f) =>
            f.type === 'event' &&
            f.event.type === 'member.removed' &&
            f.event.conversationId === s.id,
        );
        const mark = gone!.frames.indexOf(removed) + 1;
        // A reply to the removed member's own message, naming them.
        const sent = await api.request('POST', `${conv(s)}/messages`, {
          token: cast.owner.token,
          body: {
            clientMsgId: crypto.randomUUID(),
            body: `@${cast.member.username} are you there?`,
            replyTo: s.seqs[cast.member.id],
          },
        });
        expectStatus(sent, 201);
        assert.deepEqual(sent.body.message.mentions, [], 'not a member: plain text');
        await stays!.next(isMessage(s.id, sent.body.message.seq));
        await gone!.roundTrip();
        assert.deepEqual(framesAbout(gone!, s.id, mark), [], 'nothing after the removal');
        const thread = await api.request(
          'GET',
          `${conv(s)}/messages/${s.seqs[cast.member.id]}/thread`,
          { token: cast.member.token },
        );
        expectError(thread, 404);
      } finally {
        await gone!.close();
        await stays!.close();
      }
    });
  });
