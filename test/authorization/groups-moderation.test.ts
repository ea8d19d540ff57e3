// Authorization matrix for public groups and moderation (rules PG3, PG4, PG8-PG10): every actor
// of world.ts, the same refusals as the rest of the group's actions (G6: non-members get
// exactly the answer for a conversation that does not exist), ranks for removals and mutes,
// and the server admin's removal in a group they are not in.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ApiResponse, TestUser } from '../helpers/api.js';
import { testModes } from '../helpers/deployment.js';
import {
  MISSING,
  actorRules,
  cite,
  expectError,
  expectStatus,
  lastSeq,
  makeScene,
  rowsOf,
  sceneFor,
  setUp,
  userOf,
  type Outcome,
  type Scene,
  type World,
} from './world.js';

interface Call {
  method: string;
  path: string;
  body?: unknown;
}

interface Action {
  what: string;
  rules: string[];
  ok: number;
  call(w: World, s: Scene): Call;
  verify?(w: World, s: Scene, me: TestUser, res: ApiResponse): void;
}

const conv = (s: Scene) => `/api/v1/conversations/${s.id}`;

const A = {
  setAccess: {
    what: "set the group's visibility and history",
    rules: ['PG3'],
    ok: 200,
    call: (_w, s) => ({
      method: 'PUT',
      path: `${conv(s)}/access`,
      body: { visibility: 'public', history: 'joined' },
    }),
    verify: (_w, _s, _me, res) => assert.equal(res.body.conversation.visibility, 'public'),
  },
  removeMemberMessage: {
    what: "remove a plain member's message",
    rules: ['PG8'],
    ok: 204,
    call: (w, s) => ({ method: 'DELETE', path: `${conv(s)}/messages/${s.seqs[w.cast.other.id]}` }),
  },
  removeOwnerMessage: {
    what: "remove the owner's message",
    rules: ['PG8'],
    ok: 204,
    call: (w, s) => ({ method: 'DELETE', path: `${conv(s)}/messages/${s.seqs[w.cast.owner.id]}` }),
  },
  muteMember: {
    what: 'mute a plain member',
    rules: ['PG10'],
    ok: 200,
    call: (w, s) => ({
      method: 'PUT',
      path: `${conv(s)}/members/${w.cast.other.username}/mute`,
      body: { minutes: 5 },
    }),
    verify: (w, _s, _me, res) => assert.equal(res.body.member.userId, w.cast.other.id),
  },
  muteAdmin: {
    what: 'mute an admin',
    rules: ['PG10'],
    ok: 200,
    call: (w, s) => ({
      method: 'PUT',
      path: `${conv(s)}/members/${w.cast.coadmin.username}/mute`,
      body: { minutes: 5 },
    }),
  },
} satisfies Record<string, Action>;

// prettier-ignore
const MATRIX: Array<[Action, Outcome[]]> = [
  //                      anonymous non-member member admin  owner  removed deleted
  [A.setAccess,           [401,    404,       403,   'ok',  'ok',  404,    401]],
  [A.removeMemberMessage, [401,    404,       403,   'ok',  'ok',  404,    401]],
  [A.removeOwnerMessage,  [401,    404,       403,   403,   null,  404,    401]],
  [A.muteMember,          [401,    404,       403,   'ok',  'ok',  404,    401]],
  [A.muteAdmin,           [401,    404,       403,   403,   'ok',  404,    401]],
];

for (const mode of testModes())
  describe(`authorization matrix: public groups and moderation [${mode}]`, () => {
    let world: World;
    before(async () => {
      world = await setUp(mode);
    });
    after(() => world.deployment.dispose());

    for (const { actor, action, expect } of rowsOf(MATRIX)) {
      const status = expect === 'ok' ? action.ok : expect;
      const verb = expect === 'ok' ? 'can' : 'cannot';
      it(`${cite([...actorRules(actor), 'G6', ...action.rules])} ${actor} ${verb} ${action.what} (${status})`, async () => {
        const scene = await sceneFor(world, actor, expect === 'ok');
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

    it('[AD1][PG9][G6] a server admin in no scene removes any message there; cannot mute or change access', async () => {
      const { api, cast } = world;
      const s = await makeScene(api, cast);
      const admin = cast.serverAdmin;
      const removed = await api.request('DELETE', `${conv(s)}/messages/${s.seqs[cast.owner.id]}`, {
        token: admin.token,
      });
      expectStatus(removed, 204);
      expectError(
        await api.request('PUT', `${conv(s)}/members/${cast.other.username}/mute`, {
          token: admin.token,
          body: { minutes: 5 },
        }),
        404,
      );
      expectError(
        await api.request('PUT', `${conv(s)}/access`, {
          token: admin.token,
          body: { visibility: 'public' },
        }),
        404,
      );
      // A suspended admin-to-be or any other non-member gets not_found for the same removal.
      expectError(
        await api.request('DELETE', `${conv(s)}/messages/${s.seqs[cast.other.id]}`, {
          token: cast.outsider.token,
        }),
        404,
      );
    });

    it('[PG4][G6] only public groups can be joined; the public list needs a session', async () => {
      const { api, cast } = world;
      const s = await makeScene(api, cast);
      const join = (u: TestUser | undefined) =>
        api.request('POST', `${conv(s)}/join`, { token: u?.token });
      expectError(await join(cast.outsider), 404);
      expectError(await join(undefined), 401);
      expectStatus(
        await api.request('PUT', `${conv(s)}/access`, {
          token: cast.owner.token,
          body: { visibility: 'public' },
        }),
        200,
      );
      expectStatus(await join(cast.outsider), 201);
      expectStatus(await join(cast.member), 200);
      expectError(await api.request('GET', '/api/v1/groups/public', {}), 401);
    });
  });
