import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Argon2Hasher } from '../../src/adapters/argon2/argon2-hasher.js';
import { ulid } from '../../src/domain/ids.js';
import { hashToken } from '../../src/services/accounts.js';
import type { Api } from '../helpers/api.js';
import { uniqueName, type TestUser } from '../helpers/api.js';
import { startDeployment, testModes, type Deployment } from '../helpers/deployment.js';
import { grantAdmin, withStore } from './registration-support.js';
import { expectError, expectStatus } from './support.js';

const PASSWORD = 'correct horse';

for (const mode of testModes())
  describe(`REST: registration modes and invites [${mode}]`, () => {
    let d: Deployment;
    let api: Api;
    let admin: TestUser;
    let member: TestUser;
    let other: TestUser;

    before(async () => {
      d = await startDeployment(mode);
      api = d.api;
      admin = await api.signup(uniqueName('adm'));
      member = await api.signup(uniqueName('mem'));
      other = await api.signup(uniqueName('oth'));
      await grantAdmin(d, admin.username);
    });
    after(() => d.dispose());

    const setMode = async (body: object, who: TestUser = admin) =>
      api.request('PUT', '/api/v1/admin/registration', { token: who.token, body });
    const register = (body: object) =>
      api.request('POST', '/api/v1/auth/register', { body: { password: PASSWORD, ...body } });
    const createInvite = (who: TestUser, body: object = {}) =>
      api.request('POST', '/api/v1/invites', { token: who.token, body });
    const audit = async () => {
      const res = await api.request('GET', '/api/v1/admin/audit?limit=100', { token: admin.token });
      expectStatus(res, 200);
      return res.body.entries as Array<{ action: string; data: Record<string, unknown> }>;
    };

    it('[RG1] registration is open by default; membersCanInvite is shown only to a logged-in caller', async () => {
      const anon = await api.request('GET', '/api/v1/auth/registration');
      expectStatus(anon, 200);
      assert.deepEqual(anon.body, { mode: 'open' });
      const mine = await api.request('GET', '/api/v1/auth/registration', { token: member.token });
      assert.deepEqual(mine.body, { mode: 'open', membersCanInvite: false });
      expectStatus(await register({ username: uniqueName('open') }), 201);
    });

    it('[RG1] only a server admin changes the settings; bad input is invalid_request', async () => {
      expectError(await setMode({ mode: 'closed' }, member), 403, 'forbidden');
      expectError(await setMode({ mode: 'sometimes' }), 400, 'invalid_request');
      expectError(await setMode({ mode: 'open', extra: 1 }), 400, 'invalid_request');
      expectError(await setMode({ membersCanInvite: 'yes' }), 400, 'invalid_request');
      const anon = await api.request('PUT', '/api/v1/admin/registration', {
        body: { mode: 'closed' },
      });
      expectError(anon, 401, 'unauthorized');
      const res = await setMode({ mode: 'open', membersCanInvite: false });
      assert.deepEqual(res.body, { mode: 'open', membersCanInvite: false });
    });

    it('[RG2] closed: every registration is registration_closed, invite or not; audited', async () => {
      const res = await setMode({ mode: 'closed' });
      assert.deepEqual(res.body, { mode: 'closed', membersCanInvite: false });
      expectError(await register({ username: uniqueName('cl') }), 403, 'registration_closed');
      const invite = await createInvite(admin);
      expectStatus(invite, 201);
      const withCode = await register({
        username: uniqueName('cl'),
        invite: invite.body.invite.code,
      });
      expectError(withCode, 403, 'registration_closed');
      const entry = (await audit()).find((e) => e.action === 'registration.changed');
      assert.deepEqual(entry?.data, { mode: 'closed', previousMode: 'open' });
      // Logging in is not registering.
      expectStatus(
        await api.request('POST', '/api/v1/auth/login', {
          body: { username: member.username, password: PASSWORD },
        }),
        200,
      );
    });

    it('[RG2] [RG3] invite mode: no code → registration_closed, a bad one → invite_invalid, a good one registers and counts a use', async () => {
      expectStatus(await setMode({ mode: 'invite' }), 200);
      expectError(await register({ username: uniqueName('iv') }), 403, 'registration_closed');
      expectError(
        await register({ username: uniqueName('iv'), invite: 'nope' }),
        403,
        'invite_invalid',
      );
      expectError(
        await register({ username: uniqueName('iv'), invite: 'a b' }),
        400,
        'invalid_request',
      );
      const created = await createInvite(admin, { maxUses: 2, expiresInHours: 2 });
      expectStatus(created, 201);
      const { code, url, id } = created.body.invite;
      assert.match(code, /^[A-Za-z0-9_-]{20,}$/);
      assert.equal(url, `${d.urlOf(admin)}/invite/${code}`);
      expectStatus(await register({ username: uniqueName('iv'), invite: code }), 201);
      // A registration that fails for another reason gives its use back.
      expectError(
        await register({ username: member.username, invite: code }),
        409,
        'username_taken',
      );
      expectStatus(await register({ username: uniqueName('iv'), invite: code }), 201);
      expectError(
        await register({ username: uniqueName('iv'), invite: code }),
        403,
        'invite_invalid',
      );
      const list = await api.request('GET', '/api/v1/invites', { token: admin.token });
      const row = (list.body.invites as Array<{ id: string; uses: number }>).find(
        (i) => i.id === id,
      );
      assert.equal(row?.uses, 2);
    });

    it('[RG3] two registrations racing for the last use: exactly one gets it', async () => {
      const created = await createInvite(admin, { maxUses: 3 });
      const { code } = created.body.invite;
      const results = await Promise.all(
        Array.from({ length: 8 }, () => register({ username: uniqueName('race'), invite: code })),
      );
      const statuses = results.map((r) => r.status).sort();
      assert.deepEqual(statuses, [201, 201, 201, 403, 403, 403, 403, 403]);
      for (const r of results.filter((x) => x.status === 403))
        expectError(r, 403, 'invite_invalid');
    });

    it('[RG3] invites: defaults of 168 hours and one use, bounds enforced, the code never listed; audited', async () => {
      const before = Date.now();
      const res = await createInvite(admin);
      expectStatus(res, 201);
      const invite = res.body.invite;
      assert.deepEqual(Object.keys(invite).sort(), [
        'code',
        'createdAt',
        'createdBy',
        'expiresAt',
        'id',
        'maxUses',
        'revokedAt',
        'url',
        'uses',
      ]);
      assert.equal(invite.maxUses, 1);
      assert.equal(invite.uses, 0);
      assert.equal(invite.revokedAt, null);
      assert.deepEqual(invite.createdBy, { userId: admin.id, username: admin.username });
      assert.ok(
        invite.expiresAt >= before + 168 * 3_600_000 &&
          invite.expiresAt <= Date.now() + 168 * 3_600_000,
      );
      for (const body of [
        { expiresInHours: 0 },
        { expiresInHours: 721 },
        { expiresInHours: 1.5 },
        { maxUses: 0 },
        { maxUses: 1001 },
        { maxUses: '2' },
        { uses: 3 },
      ])
        expectError(await createInvite(admin, body), 400, 'invalid_request');
      expectStatus(await createInvite(admin, { expiresInHours: 720, maxUses: 1000 }), 201);
      const list = await api.request('GET', '/api/v1/invites', { token: admin.token });
      expectStatus(list, 200);
      const listed = (list.body.invites as Array<Record<string, unknown>>).find(
        (i) => i.id === invite.id,
      );
      assert.ok(listed);
      assert.equal(listed.code, undefined);
      assert.equal(listed.url, undefined);
      // Only the code's hash is stored.
      await withStore(d, async (store) => {
        assert.equal(await store.findUsableInvite(invite.code, Date.now()), null);
        assert.equal(
          (await store.findUsableInvite(hashToken(invite.code), Date.now()))?.id,
          invite.id,
        );
      });
      const entry = (await audit()).find(
        (e) => e.action === 'invite.created' && e.data.inviteId === invite.id,
      );
      assert.equal(entry?.data.maxUses, 1);
    });

    it('[RG4] members create invites only when membersCanInvite; each sees their own, admins all', async () => {
      expectError(await createInvite(member), 403, 'forbidden');
      expectStatus(await setMode({ membersCanInvite: true }), 200);
      const shown = await api.request('GET', '/api/v1/auth/registration', { token: member.token });
      assert.deepEqual(shown.body, { mode: 'invite', membersCanInvite: true });
      const mine = await createInvite(member);
      expectStatus(mine, 201);
      const theirs = await createInvite(other);
      expectStatus(theirs, 201);
      const list = await api.request('GET', '/api/v1/invites', { token: member.token });
      const ids = list.body.invites as Array<{ id: string; createdBy: { userId: string } }>;
      assert.ok(ids.every((i) => i.createdBy.userId === member.id));
      assert.ok(ids.some((i) => i.id === mine.body.invite.id));
      const all = await api.request('GET', '/api/v1/invites', { token: admin.token });
      const allIds = (all.body.invites as Array<{ id: string }>).map((i) => i.id);
      assert.ok(allIds.includes(mine.body.invite.id) && allIds.includes(theirs.body.invite.id));

      // Revoking: another member's invite is not found; the creator and admins may.
      const path = (id: string) => `/api/v1/invites/${id}`;
      expectError(
        await api.request('DELETE', path(theirs.body.invite.id), { token: member.token }),
        404,
        'not_found',
      );
      expectError(
        await api.request('DELETE', path('01J0000000000000000000NONE'), { token: admin.token }),
        404,
        'not_found',
      );
      expectError(
        await api.request('DELETE', path('x%20y'), { token: admin.token }),
        400,
        'invalid_request',
      );
      const revoked = await api.request('DELETE', path(mine.body.invite.id), {
        token: member.token,
      });
      expectStatus(revoked, 200);
      assert.equal(typeof revoked.body.invite.revokedAt, 'number');
      expectStatus(
        await api.request('DELETE', path(theirs.body.invite.id), { token: admin.token }),
        200,
      );
      // Twice is harmless and keeps the first time.
      const again = await api.request('DELETE', path(mine.body.invite.id), { token: admin.token });
      assert.equal(again.body.invite.revokedAt, revoked.body.invite.revokedAt);
      expectError(
        await register({ username: uniqueName('rv'), invite: mine.body.invite.code }),
        403,
        'invite_invalid',
      );
      const revokes = (await audit()).filter((e) => e.action === 'invite.revoked');
      assert.equal(revokes.filter((e) => e.data.inviteId === mine.body.invite.id).length, 1);
      expectStatus(await setMode({ membersCanInvite: false }), 200);
      expectError(await createInvite(member), 403, 'forbidden');
    });

    it('[RG5] an invite code is checked without logging in: usable, or invite_invalid', async () => {
      const created = await createInvite(admin, { expiresInHours: 1 });
      const check = (code: string) =>
        api.request('GET', `/api/v1/invites/check?code=${encodeURIComponent(code)}`);
      const ok = await check(created.body.invite.code);
      expectStatus(ok, 200);
      assert.deepEqual(ok.body, { valid: true, expiresAt: created.body.invite.expiresAt });
      expectError(await check('unknown'), 403, 'invite_invalid');
      expectError(await check(''), 403, 'invite_invalid');
      expectError(await api.request('GET', '/api/v1/invites/check'), 400, 'invalid_request');
      expectError(await check('x'.repeat(1025)), 400, 'invalid_request');
      // An expired invite (written straight to the store) is invalid.
      await withStore(d, (store) =>
        store.createInvite({
          id: '01J00000000000000000000EXP',
          codeHash: hashToken('expired-code'),
          createdBy: admin.id,
          createdAt: Date.now() - 7_200_000,
          expiresAt: Date.now() - 3_600_000,
          maxUses: 5,
          uses: 0,
          revokedAt: null,
        }),
      );
      expectError(await check('expired-code'), 403, 'invite_invalid');
      expectError(
        await register({ username: uniqueName('ex'), invite: 'expired-code' }),
        403,
        'invite_invalid',
      );
      // Used up: the one use went to a registration.
      expectStatus(
        await register({ username: uniqueName('one'), invite: created.body.invite.code }),
        201,
      );
      expectError(await check(created.body.invite.code), 403, 'invite_invalid');
    });
    it('[RG3] one user creates at most 50 invites an hour (rate_limited)', async () => {
      expectStatus(await setMode({ mode: 'open' }), 200);
      const creator = await api.signup(uniqueName('many'));
      await grantAdmin(d, creator.username);
      for (let i = 0; i < 50; i++) expectStatus(await createInvite(creator), 201);
      expectError(await createInvite(creator), 429, 'rate_limited');
      // Another user's bucket is their own.
      expectStatus(await createInvite(admin), 201);
    });
  });

for (const mode of testModes())
  describe(`REST: --registration fixes the mode [${mode}]`, () => {
    let d: Deployment;
    let admin: TestUser;

    before(async () => {
      d = await startDeployment(mode, { config: { registration: 'invite' } });
      // Nobody can register without an invite: the operator's first admin comes from the store.
      const username = uniqueName('adm');
      const passwordHash = await new Argon2Hasher().hash(PASSWORD);
      await withStore(d, async (store) => {
        const user = await store.createUser({
          id: ulid(),
          username,
          passwordHash,
          createdAt: Date.now(),
          deletedAt: null,
        });
        await store.setUserAdmin(user.id, true);
      });
      admin = await d.api.login(username);
    });
    after(() => d.dispose());

    it('[RG2] the flag wins over the runtime setting: admins cannot change the mode, membersCanInvite still', async () => {
      const put = (body: object) =>
        d.api.request('PUT', '/api/v1/admin/registration', { token: admin.token, body });
      const refused = await put({ mode: 'open' });
      expectError(refused, 409, 'conflict');
      assert.equal(refused.body.error.details.mode, 'invite');
      assert.deepEqual((await put({ mode: 'invite', membersCanInvite: true })).body, {
        mode: 'invite',
        membersCanInvite: true,
      });
      // A value stored before (or by another node without the flag) does not open registration.
      await withStore(d, (store) =>
        store.setServerSetting('registration', 'open', Date.now(), null),
      );
      assert.deepEqual((await d.api.request('GET', '/api/v1/auth/registration')).body, {
        mode: 'invite',
      });
      const register = (invite?: string) =>
        d.api.request('POST', '/api/v1/auth/register', {
          body: { username: uniqueName('fl'), password: PASSWORD, ...(invite ? { invite } : {}) },
        });
      expectError(await register(), 403, 'registration_closed');
      const invite = await d.api.request('POST', '/api/v1/invites', {
        token: admin.token,
        body: {},
      });
      expectStatus(await register(invite.body.invite.code), 201);
    });
  });
