// Authorization matrix for the server admin routes (rules AD1-AD8): every server-level actor of
// world.ts (anonymous, a plain user, the server admin, a suspended and a deleted account) tries
// each admin action. Only the server admin succeeds; a plain user is refused with 403 and
// nothing changes; a suspended account's old token is as dead as a deleted one's (401), its
// socket is refused, and its login says account_suspended.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { uniqueName, type TestUser } from '../helpers/api.js';
import { testModes } from '../helpers/deployment.js';
import {
  SERVER_ACTORS,
  cite,
  expectError,
  expectHelloRefused,
  expectStatus,
  serverActorRules,
  serverUserOf,
  setUp,
  type ServerActor,
  type World,
} from './world.js';

type Outcome = 'ok' | 401 | 403;

/** An admin action against `target` (a fresh account for the admin's rows, else a bystander). */
interface Action {
  name: string;
  rules: string[];
  /** Whether the server admin's row needs its own target (the action changes it). */
  fresh: boolean;
  run(world: World, token: string | undefined, target: TestUser): Promise<{ status: number }>;
  /** For refused rows: the target is as it was. */
  unchanged?(world: World, target: TestUser): Promise<void>;
}

const call =
  (method: string, path: (t: TestUser) => string, body?: unknown) =>
  (world: World, token: string | undefined, target: TestUser) =>
    world.api.request(method, path(target), { ...(token ? { token } : {}), body });

async function adminView(world: World, target: TestUser) {
  const res = await world.api.request('GET', `/api/v1/admin/users/${target.id}`, {
    token: world.cast.serverAdmin.token,
  });
  expectStatus(res, 200);
  return res.body.user as { admin: boolean; suspendedAt: number | null; deletedAt: number | null };
}

const ACTIONS: Action[] = [
  {
    name: 'list users',
    rules: ['AD3'],
    fresh: false,
    run: call('GET', () => '/api/v1/admin/users?limit=5'),
  },
  {
    name: 'read one user',
    rules: ['AD3'],
    fresh: false,
    run: call('GET', (t) => `/api/v1/admin/users/${t.id}`),
  },
  {
    name: 'suspend a user',
    rules: ['AD4'],
    fresh: true,
    run: call('POST', (t) => `/api/v1/admin/users/${t.id}/suspend`, {}),
    async unchanged(world, target) {
      assert.equal((await adminView(world, target)).suspendedAt, null);
    },
  },
  {
    name: 'unsuspend the suspended account',
    rules: ['AD4'],
    fresh: false,
    run: (world, token) =>
      world.api.request('POST', `/api/v1/admin/users/${world.cast.suspended.id}/unsuspend`, {
        ...(token ? { token } : {}),
      }),
    async unchanged(world) {
      assert.notEqual((await adminView(world, world.cast.suspended)).suspendedAt, null);
    },
  },
  {
    name: 'delete a user',
    rules: ['AD6'],
    fresh: true,
    run: call('DELETE', (t) => `/api/v1/admin/users/${t.id}?messages=keep`),
    async unchanged(world, target) {
      assert.equal((await adminView(world, target)).deletedAt, null);
    },
  },
  {
    name: 'grant the admin role',
    rules: ['AD7'],
    fresh: true,
    run: call('PUT', (t) => `/api/v1/admin/users/${t.id}/admin`),
    async unchanged(world, target) {
      assert.equal((await adminView(world, target)).admin, false);
    },
  },
  {
    name: 'revoke the server admin’s role',
    rules: ['AD7'],
    fresh: false,
    run: (world, token) =>
      world.api.request('DELETE', `/api/v1/admin/users/${world.cast.serverAdmin.id}/admin`, {
        ...(token ? { token } : {}),
      }),
    async unchanged(world) {
      assert.equal((await adminView(world, world.cast.serverAdmin)).admin, true);
    },
  },
  {
    name: 'read the audit log',
    rules: ['AD8'],
    fresh: false,
    run: call('GET', () => '/api/v1/admin/audit'),
  },
];

/** Expected outcome per actor, in SERVER_ACTORS order. */
const EXPECT: Record<ServerActor, Outcome> = {
  anonymous: 401,
  user: 403,
  'server admin': 'ok',
  suspended: 401,
  'deleted user': 401,
};

for (const mode of testModes())
  describe(`authorization matrix: server admins [${mode}]`, () => {
    let world: World;
    before(async () => {
      world = await setUp(mode);
    });
    after(() => world.deployment.dispose());

    for (const action of ACTIONS) {
      for (const actor of SERVER_ACTORS) {
        const expect = EXPECT[actor];
        // The server admin revoking their own role: the last admin (409), in the API test.
        if (actor === 'server admin' && action.name.startsWith('revoke')) continue;
        // Unsuspending changes the world the other rows need; the API test covers it.
        if (actor === 'server admin' && action.name.startsWith('unsuspend')) continue;
        it(`${cite([...serverActorRules(actor), ...action.rules])} ${actor}: ${action.name} → ${expect}`, async () => {
          const me = serverUserOf(world.cast, actor);
          const target =
            action.fresh && expect === 'ok'
              ? await world.api.signup(uniqueName('tgt'))
              : world.cast.member;
          const res = await action.run(world, me?.token, target);
          if (expect === 'ok') {
            assert.ok(res.status >= 200 && res.status < 300, JSON.stringify(res));
            return;
          }
          expectError(res as never, expect);
          await action.unchanged?.(world, target);
        });
      }
    }

    it('[AD9] GET /me: admin true for the server admin, false for a user', async () => {
      for (const [user, admin] of [
        [world.cast.serverAdmin, true],
        [world.cast.outsider, false],
        [world.cast.owner, false],
      ] as const) {
        const res = await world.api.request('GET', '/api/v1/me', { token: user.token });
        expectStatus(res, 200);
        assert.equal(res.body.admin, admin);
      }
    });

    it('[AD4] a suspended account: its old token reads nothing, its socket is refused, its login says account_suspended', async () => {
      const { api, cast, legacy } = world;
      for (const [method, path] of [
        ['GET', '/api/v1/me'],
        ['GET', '/api/v1/conversations'],
        ['GET', `/api/v1/conversations/${legacy.id}/messages`],
      ] as const)
        expectError(await api.request(method, path, { token: cast.suspended.token }), 401);
      expectError(await api.send(cast.suspended, legacy.id, 'still here?'), 401);
      await expectHelloRefused(world, cast.suspended.token);
      const login = await api.request('POST', '/api/v1/auth/login', {
        node: api.homeOf(cast.suspended.username),
        body: { username: cast.suspended.username, password: cast.suspended.password },
      });
      assert.equal(login.status, 403, JSON.stringify(login.body));
      assert.equal(login.body.error.code, 'account_suspended');
    });

    it('[AD2] the admin routes are in the OpenAPI document', async () => {
      const res = await world.api.request('GET', '/api/v1/openapi.json');
      expectStatus(res, 200);
      for (const path of [
        '/api/v1/admin/users',
        '/api/v1/admin/users/{id}',
        '/api/v1/admin/users/{id}/suspend',
        '/api/v1/admin/users/{id}/unsuspend',
        '/api/v1/admin/users/{id}/admin',
        '/api/v1/admin/audit',
      ])
        assert.ok(res.body.paths[path], path);
    });
  });
