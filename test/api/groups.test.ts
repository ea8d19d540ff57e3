import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Api } from '../helpers/api.js';
import { uniqueName, type TestUser } from '../helpers/api.js';
import { startDeployment, testModes, type Deployment } from '../helpers/deployment.js';
import { expectError, expectStatus } from './support.js';

for (const mode of testModes())
  describe(`REST: groups and membership [${mode}]`, () => {
    let d: Deployment;
    let api: Api;
    let owner: TestUser;
    let admin: TestUser;
    let member: TestUser;
    let other: TestUser;
    let outsider: TestUser;

    before(async () => {
      d = await startDeployment(mode);
      api = d.api;
      owner = await api.signup(uniqueName('owner'));
      admin = await api.signup(uniqueName('admin'));
      member = await api.signup(uniqueName('member'));
      other = await api.signup(uniqueName('other'));
      outsider = await api.signup(uniqueName('outsider'));
    });
    after(() => d.dispose());

    const path = (id: string, rest = '') => `/api/v1/conversations/${id}${rest}`;
    const createGroup = (user: TestUser, body: unknown) =>
      api.request('POST', '/api/v1/groups', { token: user.token, body });
    const setRole = (user: TestUser, id: string, username: string, role: unknown) =>
      api.request('PATCH', path(id, `/members/${username}`), { token: user.token, body: { role } });
    const add = (user: TestUser, id: string, username: unknown) =>
      api.request('POST', path(id, '/members'), { token: user.token, body: { username } });
    const remove = (user: TestUser, id: string, username: string) =>
      api.request('DELETE', path(id, `/members/${username}`), { token: user.token });
    const roles = async (user: TestUser, id: string) => {
      const res = await api.request('GET', path(id, '/members'), { token: user.token });
      expectStatus(res, 200);
      return Object.fromEntries(res.body.members.map((m: any) => [m.username, m.role])) as Record<
        string,
        string
      >;
    };
    /** A group of owner, admin (promoted), member and other. */
    const team = async () => {
      const id = await api.group(owner, uniqueName('team'), [
        admin.username,
        member.username,
        other.username,
      ]);
      expectStatus(await setRole(owner, id, admin.username, 'admin'), 200);
      return id;
    };

    it('[C2] creating a group: 201, caller is owner, name trimmed, first entry is seq 1', async () => {
      const name = uniqueName('Team Name');
      const res = await createGroup(owner, {
        name: `  ${name}  `,
        members: [admin.username, admin.username.toUpperCase(), owner.username, member.username],
      });
      expectStatus(res, 201);
      const c = res.body.conversation;
      assert.equal(c.kind, 'group');
      assert.equal(c.name, name);
      assert.equal(c.role, 'owner');
      assert.equal(c.createdBy, owner.id);
      assert.equal(c.memberCount, 3);
      assert.equal(c.lastSeq, 1);
      assert.equal(c.peer, null);
      assert.deepEqual(await roles(member, c.id), {
        [owner.username]: 'owner',
        [admin.username]: 'member',
        [member.username]: 'member',
      });
      const alone = await createGroup(owner, { name: 'solo' });
      expectStatus(alone, 201);
      assert.equal(alone.body.conversation.memberCount, 1);
    });

    it('[C2][S3] group names are 1-100 characters after trimming; shapes are validated', async () => {
      for (const name of ['', '   ', 'x'.repeat(101), '😀'.repeat(101)]) {
        expectError(await createGroup(owner, { name, members: [] }), 400, 'invalid_request');
      }
      expectStatus(await createGroup(owner, { name: 'x'.repeat(100) }), 201);
      expectStatus(await createGroup(owner, { name: '😀'.repeat(100) }), 201);
      for (const body of [
        {},
        { name: 5 },
        { name: 'ok', members: 'bob' },
        { name: 'ok', members: [1] },
        null,
      ]) {
        expectError(await createGroup(owner, body), 400, 'invalid_request');
      }
      expectError(
        await api.request('POST', '/api/v1/groups', { token: owner.token, raw: '{"name":"x",}' }),
        400,
        'invalid_json',
      );
      expectError(
        await api.request('POST', '/api/v1/groups', { body: { name: 'x' } }),
        401,
        'unauthorized',
      );
    });

    it('[C2] an unknown initial member is not_found and no group is created', async () => {
      const creator = await api.signup(uniqueName('creator'));
      const res = await createGroup(creator, {
        name: 'g',
        members: [member.username, uniqueName('ghost')],
      });
      expectError(res, 404, 'not_found');
      const list = await api.request('GET', '/api/v1/conversations', { token: creator.token });
      assert.deepEqual(list.body.conversations, []);
    });

    it('[C4] owner and admin rename; members get forbidden; bad names invalid_request', async () => {
      const id = await team();
      const byOwner = await api.request('PATCH', path(id), {
        token: owner.token,
        body: { name: ' Renamed ' },
      });
      expectStatus(byOwner, 200);
      assert.equal(byOwner.body.conversation.name, 'Renamed');
      const byAdmin = await api.request('PATCH', path(id), {
        token: admin.token,
        body: { name: 'By admin' },
      });
      expectStatus(byAdmin, 200);
      assert.equal(byAdmin.body.conversation.name, 'By admin');
      assert.ok(byAdmin.body.conversation.lastSeq > byOwner.body.conversation.lastSeq);
      expectError(
        await api.request('PATCH', path(id), { token: member.token, body: { name: 'nope' } }),
        403,
        'forbidden',
      );
      for (const body of [
        { name: '' },
        { name: ' ' },
        { name: 'y'.repeat(101) },
        {},
        { name: null },
      ]) {
        expectError(
          await api.request('PATCH', path(id), { token: owner.token, body }),
          400,
          'invalid_request',
        );
      }
      const seen = await api.request('GET', path(id), { token: member.token });
      assert.equal(seen.body.conversation.name, 'By admin');
    });

    it('[C5] only the owner deletes a group; afterwards it is gone for everyone', async () => {
      const id = await team();
      await api.send(member, id, 'soon gone');
      expectError(await api.request('DELETE', path(id), { token: member.token }), 403, 'forbidden');
      expectError(await api.request('DELETE', path(id), { token: admin.token }), 403, 'forbidden');
      expectStatus(await api.request('DELETE', path(id), { token: owner.token }), 204);
      for (const user of [owner, admin, member]) {
        expectError(await api.request('GET', path(id), { token: user.token }), 404, 'not_found');
        expectError(await api.history(user, id), 404, 'not_found');
        const list = await api.request('GET', '/api/v1/conversations', { token: user.token });
        assert.ok(!list.body.conversations.some((c: any) => c.id === id));
      }
      expectError(await api.request('DELETE', path(id), { token: owner.token }), 404, 'not_found');
    });

    it('[C6][C3] owner and admin add members, who then read the history from before they joined', async () => {
      const id = await api.group(owner, uniqueName('g'), [admin.username, member.username]);
      expectStatus(await setRole(owner, id, admin.username, 'admin'), 200);
      const early = await api.send(owner, id, 'before you came');
      const added = await add(admin, id, other.username.toUpperCase());
      expectStatus(added, 201);
      assert.equal(added.body.member.username, other.username);
      assert.equal(added.body.member.userId, other.id);
      assert.equal(added.body.member.role, 'member');
      assert.equal(added.body.member.conversationId, id);
      assert.equal(typeof added.body.member.online, 'boolean');
      const history = await api.history(other, id);
      expectStatus(history, 200);
      assert.deepEqual(
        history.body.messages.map((m: any) => m.id),
        [early.body.message.id],
      );
      const late = await api.signup(uniqueName('late'));
      expectStatus(await add(owner, id, late.username), 201);
      assert.equal(
        (await api.request('GET', path(id), { token: late.token })).body.conversation.memberCount,
        5,
      );
    });

    it('[C6] adding: members forbidden, existing members conflict, unknown users not_found', async () => {
      const id = await team();
      expectError(await add(member, id, outsider.username), 403, 'forbidden');
      expectError(await add(owner, id, member.username), 409, 'conflict');
      expectError(await add(owner, id, owner.username), 409, 'conflict');
      expectError(await add(admin, id, admin.username), 409, 'conflict');
      expectError(await add(owner, id, uniqueName('ghost')), 404, 'not_found');
      expectError(await add(outsider, id, outsider.username), 404, 'not_found');
      expectError(await add(owner, id, undefined), 400, 'invalid_request');
      assert.equal(Object.keys(await roles(owner, id)).length, 4);
    });

    it('[C7] the owner removes admins and members; an admin removes plain members only', async () => {
      const id = await team();
      const second = await api.signup(uniqueName('admin2'));
      expectStatus(await add(owner, id, second.username), 201);
      expectStatus(await setRole(owner, id, second.username, 'admin'), 200);

      expectError(await remove(member, id, other.username), 403, 'forbidden');
      expectError(await remove(admin, id, second.username), 403, 'forbidden');
      expectError(await remove(admin, id, owner.username), 403, 'forbidden');
      expectError(await remove(admin, id, outsider.username), 404, 'not_found');
      expectError(await remove(admin, id, uniqueName('ghost')), 404, 'not_found');

      expectStatus(await remove(admin, id, other.username.toUpperCase()), 204);
      expectError(await api.request('GET', path(id), { token: other.token }), 404, 'not_found');
      expectError(await api.send(other, id, 'still here?'), 404, 'not_found');
      expectStatus(await remove(owner, id, second.username), 204);
      assert.deepEqual(await roles(owner, id), {
        [owner.username]: 'owner',
        [admin.username]: 'admin',
        [member.username]: 'member',
      });
      expectStatus(await remove(owner, id, admin.username), 204);
      expectError(await remove(owner, id, admin.username), 404, 'not_found');
    });

    it('[C7][C9] removing yourself is leaving', async () => {
      const id = await team();
      expectStatus(await remove(member, id, member.username), 204);
      expectError(await api.request('GET', path(id), { token: member.token }), 404, 'not_found');
      expectStatus(await remove(owner, id, owner.username), 204);
      const left = await roles(admin, id);
      assert.equal(left[admin.username], 'owner');
      assert.equal(left[owner.username], undefined);
    });

    it('[C8] only the owner changes roles; making someone owner transfers ownership', async () => {
      const id = await team();
      const made = await setRole(owner, id, member.username, 'admin');
      expectStatus(made, 200);
      assert.equal(made.body.member.role, 'admin');
      expectStatus(await setRole(owner, id, member.username, 'admin'), 200);
      expectStatus(await setRole(owner, id, member.username, 'member'), 200);
      expectError(await setRole(admin, id, member.username, 'admin'), 403, 'forbidden');
      expectError(await setRole(member, id, other.username, 'admin'), 403, 'forbidden');
      expectError(await setRole(owner, id, owner.username, 'member'), 400, 'invalid_request');
      expectError(await setRole(owner, id, member.username, 'king'), 400, 'invalid_request');
      expectError(await setRole(owner, id, outsider.username, 'admin'), 404, 'not_found');
      expectError(await setRole(outsider, id, member.username, 'admin'), 404, 'not_found');

      const transfer = await setRole(owner, id, other.username, 'owner');
      expectStatus(transfer, 200);
      assert.equal(transfer.body.member.role, 'owner');
      assert.deepEqual(await roles(member, id), {
        [owner.username]: 'admin',
        [admin.username]: 'admin',
        [member.username]: 'member',
        [other.username]: 'owner',
      });
      expectError(await setRole(owner, id, member.username, 'admin'), 403, 'forbidden');
      expectStatus(await api.request('DELETE', path(id), { token: other.token }), 204);
    });

    it('[C9] a member leaves; leaving twice or as a non-member is not_found', async () => {
      const id = await team();
      expectStatus(await api.request('POST', path(id, '/leave'), { token: other.token }), 204);
      expectError(
        await api.request('POST', path(id, '/leave'), { token: other.token }),
        404,
        'not_found',
      );
      expectError(
        await api.request('POST', path(id, '/leave'), { token: outsider.token }),
        404,
        'not_found',
      );
      expectError(await api.request('GET', path(id), { token: other.token }), 404, 'not_found');
      assert.equal(Object.keys(await roles(owner, id)).length, 3);
    });

    it('[C9] an owner leaving hands ownership to the longest-standing admin, even over older members', async () => {
      const boss = await api.signup(uniqueName('boss'));
      const oldMember = await api.signup(uniqueName('aaold'));
      const firstAdmin = await api.signup(uniqueName('hfirst'));
      const laterAdmin = await api.signup(uniqueName('hlater'));
      const id = await api.group(boss, uniqueName('g'), [oldMember.username]);
      for (const user of [firstAdmin, laterAdmin]) {
        expectStatus(await add(boss, id, user.username), 201);
        expectStatus(await setRole(boss, id, user.username, 'admin'), 200);
      }
      expectStatus(await api.request('POST', path(id, '/leave'), { token: boss.token }), 204);
      assert.deepEqual(await roles(oldMember, id), {
        [oldMember.username]: 'member',
        [firstAdmin.username]: 'owner',
        [laterAdmin.username]: 'admin',
      });
    });

    it('[C9] without admins the longest-standing member inherits; the last one out deletes the group', async () => {
      const boss = await api.signup(uniqueName('boss'));
      const first = await api.signup(uniqueName('mfirst'));
      const second = await api.signup(uniqueName('msecond'));
      const id = await api.group(boss, uniqueName('g'), []);
      expectStatus(await add(boss, id, first.username), 201);
      expectStatus(await add(boss, id, second.username), 201);
      expectStatus(await api.request('POST', path(id, '/leave'), { token: boss.token }), 204);
      assert.deepEqual(await roles(second, id), {
        [first.username]: 'owner',
        [second.username]: 'member',
      });
      expectStatus(await api.request('POST', path(id, '/leave'), { token: first.token }), 204);
      assert.deepEqual(await roles(second, id), { [second.username]: 'owner' });
      expectStatus(await api.request('POST', path(id, '/leave'), { token: second.token }), 204);
      for (const user of [boss, first, second]) {
        expectError(await api.request('GET', path(id), { token: user.token }), 404, 'not_found');
      }
      // A former member cannot be re-added: the group no longer exists.
      expectError(await add(second, id, first.username), 404, 'not_found');
    });
  });

for (const mode of testModes())
  describe(`REST: group member limit [${mode}]`, () => {
    let d: Deployment;
    let api: Api;
    const users: TestUser[] = [];

    before(async () => {
      d = await startDeployment(mode, { config: { maxGroupMembers: 3 } });
      api = d.api;
      for (let i = 0; i < 4; i++) users.push(await api.signup(uniqueName('lim')));
    });
    after(() => d.dispose());

    it('[C2][C6][S3] past the member limit (counting the owner) create and add are group_full', async () => {
      const [a, b, c, d] = users as [TestUser, TestUser, TestUser, TestUser];
      const tooMany = await api.request('POST', '/api/v1/groups', {
        token: a.token,
        body: { name: 'full', members: [b.username, c.username, d.username] },
      });
      expectError(tooMany, 409, 'group_full');
      const id = await api.group(a, 'full', [
        b.username,
        c.username,
        c.username.toUpperCase(),
        a.username,
      ]);
      const add = () =>
        api.request('POST', `/api/v1/conversations/${id}/members`, {
          token: a.token,
          body: { username: d.username },
        });
      expectError(await add(), 409, 'group_full');
      expectStatus(
        await api.request('POST', `/api/v1/conversations/${id}/leave`, { token: c.token }),
        204,
      );
      expectStatus(await add(), 201);
      expectError(
        await api.request('POST', `/api/v1/conversations/${id}/members`, {
          token: a.token,
          body: { username: c.username },
        }),
        409,
        'group_full',
      );
    });
  });
