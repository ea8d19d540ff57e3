import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { locationOf, setAdminAt } from '../../src/cli/admin-local.js';
import type { AdminUserDto, AuditEntryDto } from '../../src/client/index.js';
import { parseConfig } from '../../src/config/config.js';
import { Api, uniqueName, type TestUser } from '../helpers/api.js';
import { startTestNode } from '../helpers/node.js';
import { startDeployment, testModes, type Deployment } from '../helpers/deployment.js';
import { expectError, expectStatus } from './support.js';

for (const mode of testModes())
  describe(`REST: server admins [${mode}]`, () => {
    let d: Deployment;
    let api: Api;
    let root: TestUser;
    let plain: TestUser;

    before(async () => {
      d = await startDeployment(mode);
      api = d.api;
      root = await api.signup(uniqueName('root'));
      plain = await api.signup(uniqueName('plain'));
      // The bootstrap: the operator's `parley admin grant` against the node's store (AD1).
      await setAdminAt(locationOf(d.nodes[0]!.config), root.username, true);
    });
    after(() => d.dispose());

    const adminGet = async <T>(path: string, token = root.token) => {
      const res = await api.request<T>('GET', path, { token });
      expectStatus(res, 200);
      return res.body;
    };
    const audit = async () =>
      (await adminGet<{ entries: AuditEntryDto[] }>('/api/v1/admin/audit?limit=100')).entries;
    const userOf = async (id: string) =>
      (await adminGet<{ user: AdminUserDto }>(`/api/v1/admin/users/${id}`)).user;

    it('[AD1][AD9] the granted operator is an admin; GET /me answers admin', async () => {
      assert.equal((await adminGet<{ admin: boolean }>('/api/v1/me')).admin, true);
      assert.equal((await adminGet<{ admin: boolean }>('/api/v1/me', plain.token)).admin, false);
      const grant = (await audit()).find(
        (e) => e.action === 'admin.granted' && e.targetUser?.userId === root.id,
      );
      assert.ok(grant, 'the bootstrap is audited');
      assert.equal(grant.actor, null);
    });

    it('[AD2] every admin route refuses a plain user (forbidden) and anonymous (unauthorized)', async () => {
      const routes: Array<[string, string]> = [
        ['GET', '/api/v1/admin/users'],
        ['GET', `/api/v1/admin/users/${root.id}`],
        ['POST', `/api/v1/admin/users/${root.id}/suspend`],
        ['POST', `/api/v1/admin/users/${root.id}/unsuspend`],
        ['DELETE', `/api/v1/admin/users/${root.id}`],
        ['PUT', `/api/v1/admin/users/${plain.id}/admin`],
        ['DELETE', `/api/v1/admin/users/${root.id}/admin`],
        ['GET', '/api/v1/admin/audit'],
      ];
      for (const [method, path] of routes) {
        const body = method === 'POST' ? {} : undefined;
        expectError(
          await api.request(method, path, { token: plain.token, body }),
          403,
          'forbidden',
        );
        expectError(await api.request(method, path, { body }), 401, 'unauthorized');
      }
      assert.equal((await userOf(root.id)).admin, true);
    });

    it('[AD3] the user list: fields, search, status filter, paging, last activity', async () => {
      const tag = uniqueName('lst').replace(/_/g, 'x');
      const made: TestUser[] = [];
      for (const s of ['a', 'b', 'c']) made.push(await api.signup(`${tag}${s}`));
      const page = await adminGet<{ users: AdminUserDto[]; next: string | null }>(
        `/api/v1/admin/users?q=${tag}&limit=2`,
      );
      assert.deepEqual(
        page.users.map((u) => u.username),
        [`${tag}a`, `${tag}b`],
      );
      assert.deepEqual(Object.keys(page.users[0]!).sort(), [
        'admin',
        'createdAt',
        'deletedAt',
        'email',
        'id',
        'lastSeenAt',
        'suspendedAt',
        'suspendedReason',
        'username',
      ]);
      assert.equal(typeof page.users[0]!.lastSeenAt, 'number', 'a logged-in user was seen');
      assert.ok(page.next);
      const rest = await adminGet<{ users: AdminUserDto[]; next: string | null }>(
        `/api/v1/admin/users?q=${tag}&limit=2&after=${encodeURIComponent(page.next)}`,
      );
      assert.deepEqual(
        rest.users.map((u) => u.username),
        [`${tag}c`],
      );
      assert.equal(rest.next, null);
      expectStatus(
        await api.request('POST', `/api/v1/admin/users/${made[1]!.id}/suspend`, {
          token: root.token,
          body: { reason: 'spam' },
        }),
        200,
      );
      const names = async (status: string) =>
        (
          await adminGet<{ users: AdminUserDto[] }>(`/api/v1/admin/users?q=${tag}&status=${status}`)
        ).users.map((u) => u.username);
      assert.deepEqual(await names('suspended'), [`${tag}b`]);
      assert.deepEqual(await names('active'), [`${tag}a`, `${tag}c`]);
      assert.deepEqual(await names('deleted'), []);
      expectError(
        await api.request('GET', '/api/v1/admin/users?status=gone', { token: root.token }),
        400,
        'invalid_request',
      );
      expectError(
        await api.request('GET', '/api/v1/admin/users?after=nocolon', { token: root.token }),
        400,
        'invalid_request',
      );
    });

    it('[AD4] suspension ends sessions and sockets at once (on another node too), login says account_suspended; unsuspend lets them back', async () => {
      const target = await api.signup(uniqueName('susp'));
      const second = await api.login(target.username);
      const { client } = await d.open(target);
      if (mode === 'cluster') assert.notEqual(d.urlOf(target), d.urlOf(root), 'another node');
      const res = await api.request<{ user: AdminUserDto }>(
        'POST',
        `/api/v1/admin/users/${target.id}/suspend`,
        { token: root.token, body: { reason: 'flooding the lobby' } },
      );
      expectStatus(res, 200);
      assert.equal(res.body.user.suspendedReason, 'flooding the lobby');
      assert.equal(typeof res.body.user.suspendedAt, 'number');
      assert.equal(await client.closed(), 4004);
      for (const t of [target, second])
        expectError(
          await api.request('GET', '/api/v1/me', { token: t.token }),
          401,
          'unauthorized',
        );
      const login = await api.request('POST', '/api/v1/auth/login', {
        node: api.homeOf(target.username),
        body: { username: target.username, password: target.password },
      });
      expectError(login, 403, 'account_suspended');
      // A wrong password does not learn of the suspension.
      expectError(
        await api.request('POST', '/api/v1/auth/login', {
          body: { username: target.username, password: 'wrong password' },
        }),
        401,
        'invalid_credentials',
      );
      // Again: nothing changes, no second entry.
      expectStatus(
        await api.request('POST', `/api/v1/admin/users/${target.id}/suspend`, {
          token: root.token,
          body: {},
        }),
        200,
      );
      const suspensions = (await audit()).filter(
        (e) => e.action === 'user.suspended' && e.targetUser?.userId === target.id,
      );
      assert.equal(suspensions.length, 1);
      assert.deepEqual(suspensions[0]!.actor, { userId: root.id, username: root.username });
      assert.deepEqual(suspensions[0]!.data, { reason: 'flooding the lobby' });
      const lifted = await api.request<{ user: AdminUserDto }>(
        'POST',
        `/api/v1/admin/users/${target.id}/unsuspend`,
        { token: root.token },
      );
      expectStatus(lifted, 200);
      assert.equal(lifted.body.user.suspendedAt, null);
      assert.equal(lifted.body.user.suspendedReason, null);
      await api.login(target.username);
      assert.ok((await audit()).some((e) => e.action === 'user.unsuspended'));
    });

    it('[AD4] refusals: yourself, an admin, unknown and over-long input', async () => {
      expectError(
        await api.request('POST', `/api/v1/admin/users/${root.id}/suspend`, {
          token: root.token,
          body: {},
        }),
        409,
        'conflict',
      );
      const other = await api.signup(uniqueName('coadm'));
      expectStatus(
        await api.request('PUT', `/api/v1/admin/users/${other.id}/admin`, { token: root.token }),
        200,
      );
      expectError(
        await api.request('POST', `/api/v1/admin/users/${other.id}/suspend`, {
          token: root.token,
          body: {},
        }),
        409,
        'conflict',
      );
      expectError(
        await api.request('POST', '/api/v1/admin/users/01J0000000000000000000NONE/suspend', {
          token: root.token,
          body: {},
        }),
        404,
        'not_found',
      );
      expectError(
        await api.request('POST', `/api/v1/admin/users/${plain.id}/suspend`, {
          token: root.token,
          body: { reason: 'x'.repeat(501) },
        }),
        400,
        'invalid_request',
      );
      expectError(
        await api.request('POST', `/api/v1/admin/users/${plain.id}/suspend`, {
          token: root.token,
          body: { reason: 'two\nlines' },
        }),
        400,
        'invalid_request',
      );
      expectStatus(
        await api.request('DELETE', `/api/v1/admin/users/${other.id}/admin`, { token: root.token }),
        200,
      );
    });

    it('[AD7] grant and revoke; the last admin cannot be revoked; a new admin acts', async () => {
      const second = await api.signup(uniqueName('adm'));
      const granted = await api.request<{ user: AdminUserDto }>(
        'PUT',
        `/api/v1/admin/users/${second.id}/admin`,
        { token: root.token },
      );
      expectStatus(granted, 200);
      assert.equal(granted.body.user.admin, true);
      expectStatus(await api.request('GET', '/api/v1/admin/users', { token: second.token }), 200);
      // The second admin revokes the first's role, then cannot revoke their own (the last).
      expectStatus(
        await api.request('DELETE', `/api/v1/admin/users/${root.id}/admin`, {
          token: second.token,
        }),
        200,
      );
      expectError(
        await api.request('GET', '/api/v1/admin/users', { token: root.token }),
        403,
        'forbidden',
      );
      expectError(
        await api.request('DELETE', `/api/v1/admin/users/${second.id}/admin`, {
          token: second.token,
        }),
        409,
        'conflict',
      );
      expectStatus(
        await api.request('PUT', `/api/v1/admin/users/${root.id}/admin`, { token: second.token }),
        200,
      );
      expectStatus(
        await api.request('DELETE', `/api/v1/admin/users/${second.id}/admin`, {
          token: root.token,
        }),
        200,
      );
      const actions = (await audit())
        .filter((e) => e.targetUser?.userId === second.id || e.actor?.userId === second.id)
        .map((e) => e.action);
      assert.deepEqual(actions, [
        'admin.revoked',
        'admin.granted',
        'admin.revoked',
        'admin.granted',
      ]);
    });

    it('[AD7] two admins revoking each other at once: exactly one succeeds, one admin remains', async () => {
      const [a, b] = [await api.signup(uniqueName('ra')), await api.signup(uniqueName('rb'))];
      for (const u of [a, b])
        expectStatus(
          await api.request('PUT', `/api/v1/admin/users/${u.id}/admin`, { token: root.token }),
          200,
        );
      // Leave a and b as the only admins, then race.
      expectStatus(
        await api.request('DELETE', `/api/v1/admin/users/${root.id}/admin`, { token: a.token }),
        200,
      );
      const results = await Promise.all([
        api.request('DELETE', `/api/v1/admin/users/${b.id}/admin`, { token: a.token }),
        api.request('DELETE', `/api/v1/admin/users/${a.id}/admin`, { token: b.token }),
      ]);
      const statuses = results.map((r) => r.status).sort();
      assert.ok(
        JSON.stringify(statuses) === '[200,409]' || JSON.stringify(statuses) === '[200,403]',
        JSON.stringify(results.map((r) => r.body)),
      );
      const admins = await Promise.all(
        [a, b].map((u) => api.request('GET', '/api/v1/me', { token: u.token })),
      );
      assert.equal(admins.filter((r) => r.body.admin === true).length, 1);
      const survivor = admins[0]!.body.admin === true ? a : b;
      expectStatus(
        await api.request('PUT', `/api/v1/admin/users/${root.id}/admin`, { token: survivor.token }),
        200,
      );
      expectStatus(
        await api.request('DELETE', `/api/v1/admin/users/${survivor.id}/admin`, {
          token: root.token,
        }),
        200,
      );
    });

    it('[AD6] delete keep: messages stay under the deleted account; erase: each is a deletion by the admin', async () => {
      for (const messages of ['keep', 'erase'] as const) {
        const gone = await api.signup(uniqueName(`del${messages}`));
        const witness = await api.signup(uniqueName('wit'));
        const dm = await api.dm(witness, gone.username);
        for (const body of ['one', 'two']) expectStatus(await api.send(gone, dm, body), 201);
        const { client } = await d.open(witness);
        expectStatus(
          await api.request('DELETE', `/api/v1/admin/users/${gone.id}?messages=${messages}`, {
            token: root.token,
          }),
          204,
        );
        expectError(
          await api.request('GET', '/api/v1/me', { token: gone.token }),
          401,
          'unauthorized',
        );
        const history = await api.request<{
          messages: Array<{ body: string; deletedAt: number | null }>;
        }>('GET', `/api/v1/conversations/${dm}/messages`, { token: witness.token });
        expectStatus(history, 200);
        const bodies = history.body.messages.map((m) => m.body);
        if (messages === 'keep') {
          assert.deepEqual(bodies, ['one', 'two']);
        } else {
          assert.deepEqual(bodies, ['', '']);
          assert.ok(history.body.messages.every((m) => m.deletedAt !== null));
          const deleted = await client.next(
            (f) => f.type === 'event' && f.event?.type === 'message.deleted',
          );
          assert.deepEqual(deleted.event.data.by, { userId: root.id, username: root.username });
        }
        await client.close();
        const user = await userOf(gone.id);
        assert.equal(typeof user.deletedAt, 'number');
        const entry = (await audit()).find(
          (e) => e.action === 'user.deleted' && e.targetUser?.userId === gone.id,
        );
        assert.deepEqual(entry?.data, { messages });
        // Again: already deleted, nothing to do.
        expectStatus(
          await api.request('DELETE', `/api/v1/admin/users/${gone.id}?messages=${messages}`, {
            token: root.token,
          }),
          204,
        );
      }
      expectError(
        await api.request('DELETE', `/api/v1/admin/users/${root.id}`, { token: root.token }),
        409,
        'conflict',
      );
      expectError(
        await api.request('DELETE', `/api/v1/admin/users/${plain.id}?messages=burn`, {
          token: root.token,
        }),
        400,
        'invalid_request',
      );
    });

    it('[AD8] the audit log pages newest first with nextBefore', async () => {
      const first = await api.request<{ entries: AuditEntryDto[]; nextBefore: string | null }>(
        'GET',
        '/api/v1/admin/audit?limit=2',
        { token: root.token },
      );
      expectStatus(first, 200);
      assert.equal(first.body.entries.length, 2);
      assert.ok(first.body.entries[0]!.id > first.body.entries[1]!.id);
      assert.ok(first.body.nextBefore);
      const next = await api.request<{ entries: AuditEntryDto[] }>(
        'GET',
        `/api/v1/admin/audit?limit=2&before=${first.body.nextBefore}`,
        { token: root.token },
      );
      expectStatus(next, 200);
      assert.ok(next.body.entries[0]!.id < first.body.entries[1]!.id);
      const all = await audit();
      assert.deepEqual(
        [...all.map((e) => e.id)].sort().reverse(),
        all.map((e) => e.id),
      );
      expectError(
        await api.request('GET', '/api/v1/admin/audit?limit=101', { token: root.token }),
        400,
        'invalid_request',
      );
    });
  });

describe('the --admin flag', () => {
  it('[AD1] makes registered accounts admins at start (audited, no actor); names not registered yet are skipped, never granted later', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'parley-admin-flag-'));
    try {
      const first = await startTestNode({ dataDir });
      const api = new Api(first.url);
      const chosen = await api.signup(uniqueName('chosen'));
      await first.stop();
      const ghost = uniqueName('ghost');
      const node = await startTestNode({
        dataDir,
        config: { admins: ` ${chosen.username.toUpperCase()} ,${ghost}` },
      });
      try {
        const again = new Api(node.url);
        const me = await again.login(chosen.username);
        const res = await again.request('GET', '/api/v1/me', { token: me.token });
        assert.equal(res.body.admin, true);
        const late = await again.signup(ghost);
        const lateMe = await again.request('GET', '/api/v1/me', { token: late.token });
        assert.equal(lateMe.body.admin, false, 'registering a flagged name later grants nothing');
        const audit = await again.request('GET', '/api/v1/admin/audit', { token: me.token });
        expectStatus(audit, 200);
        const entry = (audit.body.entries as AuditEntryDto[]).find(
          (e) => e.action === 'admin.granted',
        );
        assert.equal(entry?.actor, null);
        assert.equal(entry?.targetUser?.username, chosen.username);
      } finally {
        await node.stop();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('[AD1] a malformed --admin list is a configuration error', () => {
    assert.throws(() => parseConfig({ admins: 'ok_name,not a name' }), /admin must be/);
  });
});
