// Authorization matrix for registration settings, invites and passwords (rules RG1-RG9): every
// server-level actor of world.ts (anonymous, a plain user, the server admin, a suspended and a
// deleted account) tries each action. Admin-only actions refuse a plain user with 403 and
// change nothing; a dead token (suspended, deleted) is 401 on every logged-in route; the
// public routes answer everyone alike.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestUser } from '../helpers/api.js';
import { uniqueName } from '../helpers/api.js';
import { testModes } from '../helpers/deployment.js';
import {
  SERVER_ACTORS,
  cite,
  expectError,
  expectStatus,
  serverActorRules,
  serverUserOf,
  setUp,
  type ServerActor,
  type World,
} from './world.js';

type Outcome = 'ok' | 401 | 403 | 404;

interface Action {
  name: string;
  rules: string[];
  /** Each actor's expected outcome. */
  expect: Record<ServerActor, Outcome>;
  run(world: World, me: TestUser | undefined, fixtures: Fixtures): Promise<{ status: number }>;
  /** For refused rows: nothing changed. */
  unchanged?(world: World, fixtures: Fixtures): Promise<void>;
}

/** What the rows act on: an invite the server admin made, its code, a bystander account. */
interface Fixtures {
  inviteId: string;
  code: string;
  bystander: TestUser;
}

const ADMIN_ONLY: Record<ServerActor, Outcome> = {
  anonymous: 401,
  user: 403,
  'server admin': 'ok',
  suspended: 401,
  'deleted user': 401,
};
const LOGGED_IN: Record<ServerActor, Outcome> = {
  anonymous: 401,
  user: 'ok',
  'server admin': 'ok',
  suspended: 401,
  'deleted user': 401,
};
const PUBLIC: Record<ServerActor, Outcome> = {
  anonymous: 'ok',
  user: 'ok',
  'server admin': 'ok',
  suspended: 'ok',
  'deleted user': 'ok',
};

const req = (
  world: World,
  me: TestUser | undefined,
  method: string,
  path: string,
  body?: unknown,
) => world.api.request(method, path, { ...(me ? { token: me.token } : {}), body });

async function registration(world: World) {
  const res = await world.api.request('GET', '/api/v1/auth/registration', {
    token: world.cast.serverAdmin.token,
  });
  expectStatus(res, 200);
  return res.body as { mode: string; membersCanInvite: boolean };
}

const ACTIONS: Action[] = [
  {
    name: 'change the registration settings',
    rules: ['RG1'],
    expect: ADMIN_ONLY,
    // Sets what is already set: the other rows keep the same world.
    run: (w, me) =>
      req(w, me, 'PUT', '/api/v1/admin/registration', { mode: 'open', membersCanInvite: false }),
    async unchanged(w) {
      assert.deepEqual(await registration(w), { mode: 'open', membersCanInvite: false });
    },
  },
  {
    name: 'create an invite (membersCanInvite off)',
    rules: ['RG3', 'RG4'],
    expect: ADMIN_ONLY,
    run: (w, me) => req(w, me, 'POST', '/api/v1/invites', {}),
  },
  {
    name: 'list invites',
    rules: ['RG4'],
    expect: LOGGED_IN,
    run: (w, me) => req(w, me, 'GET', '/api/v1/invites'),
  },
  {
    name: "revoke the server admin's invite",
    rules: ['RG4'],
    expect: { ...ADMIN_ONLY, user: 404 },
    run: (w, me, f) => req(w, me, 'DELETE', `/api/v1/invites/${f.inviteId}`),
    async unchanged(w, f) {
      const res = await w.api.request('GET', `/api/v1/invites/check?code=${f.code}`);
      expectStatus(res, 200);
    },
  },
  {
    name: 'issue a reset link for another account',
    rules: ['RG8'],
    expect: ADMIN_ONLY,
    run: (w, me, f) =>
      req(w, me, 'POST', `/api/v1/admin/users/${f.bystander.id}/password-reset`, {}),
  },
  {
    name: 'change their own password',
    rules: ['RG6'],
    expect: LOGGED_IN,
    // To the same password: the world's logins keep working.
    run: (w, me) =>
      req(w, me, 'POST', '/api/v1/me/password', {
        currentPassword: me?.password ?? 'correct horse',
        newPassword: me?.password ?? 'correct horse',
      }),
  },
  {
    name: 'read the registration mode',
    rules: ['RG1'],
    expect: PUBLIC,
    run: (w) => req(w, undefined, 'GET', '/api/v1/auth/registration'),
  },
  {
    name: 'check an invite code',
    rules: ['RG5'],
    expect: PUBLIC,
    run: (w, _me, f) => req(w, undefined, 'GET', `/api/v1/invites/check?code=${f.code}`),
  },
  {
    name: 'ask for a reset mail',
    rules: ['RG9'],
    expect: PUBLIC,
    run: (w, me, f) =>
      req(w, undefined, 'POST', '/api/v1/auth/forgot', {
        username: me?.username ?? f.bystander.username,
      }),
  },
];

for (const mode of testModes())
  describe(`authorization matrix: registration and passwords [${mode}]`, () => {
    let world: World;
    let fixtures: Fixtures;
    before(async () => {
      world = await setUp(mode);
      const invite = await world.api.request('POST', '/api/v1/invites', {
        token: world.cast.serverAdmin.token,
        body: { maxUses: 5 },
      });
      expectStatus(invite, 201);
      fixtures = {
        inviteId: invite.body.invite.id,
        code: invite.body.invite.code,
        bystander: await world.api.signup(uniqueName('by')),
      };
    });
    after(() => world.deployment.dispose());

    for (const action of ACTIONS) {
      for (const actor of SERVER_ACTORS) {
        const expect = action.expect[actor];
        // The admin's revoke would spend the fixture the other rows need: it runs last, below.
        if (actor === 'server admin' && action.name.startsWith('revoke')) continue;
        it(`${cite([...serverActorRules(actor), ...action.rules])} ${actor}: ${action.name} → ${expect}`, async () => {
          const me = serverUserOf(world.cast, actor);
          const res = await action.run(world, me, fixtures);
          if (expect === 'ok') {
            assert.ok(res.status >= 200 && res.status < 300, JSON.stringify(res));
            return;
          }
          expectError(res as never, expect);
          await action.unchanged?.(world, fixtures);
        });
      }
    }

    it("[AD1][RG4] server admin: revoke the server admin's invite → ok", async () => {
      const res = await req(
        world,
        world.cast.serverAdmin,
        'DELETE',
        `/api/v1/invites/${fixtures.inviteId}`,
      );
      expectStatus(res, 200);
      const check = await world.api.request('GET', `/api/v1/invites/check?code=${fixtures.code}`);
      assert.equal(check.status, 403);
    });
  });
