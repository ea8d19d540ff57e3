// Authorization matrix for a user's own data export (rules EX7, EX8): every server-level actor
// of world.ts asks for GET /api/v1/me/export. Logged-in live accounts get their own archive
// (only their own account); anonymous, suspended and deleted accounts get 401.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testModes } from '../helpers/deployment.js';
import {
  SERVER_ACTORS,
  cite,
  expectError,
  serverActorRules,
  serverUserOf,
  setUp,
  type ServerActor,
  type World,
} from './world.js';

const EXPECT: Record<ServerActor, 'ok' | 401> = {
  anonymous: 401,
  user: 'ok',
  'server admin': 'ok',
  suspended: 401,
  'deleted user': 401,
};

for (const mode of testModes())
  describe(`authorization matrix: data export [${mode}]`, () => {
    let world: World;
    before(async () => {
      world = await setUp(mode);
    });
    after(() => world.deployment.dispose());

    for (const actor of SERVER_ACTORS) {
      const expect = EXPECT[actor];
      it(`${cite([...serverActorRules(actor), 'EX7'])} ${actor}: download their data → ${expect}`, async () => {
        const me = serverUserOf(world.cast, actor);
        const res = await world.api.request('GET', '/api/v1/me/export', {
          ...(me ? { token: me.token } : {}),
        });
        if (expect !== 'ok') {
          expectError(res, expect);
          return;
        }
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.equal(res.body.account.id, me!.id, 'their own account only');
      });
    }
  });
