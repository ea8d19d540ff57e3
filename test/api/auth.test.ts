import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Api, ApiResponse } from '../helpers/api.js';
import { uniqueName, type TestUser } from '../helpers/api.js';
import { startDeployment, testModes, type Deployment } from '../helpers/deployment.js';
import { expectError, expectStatus } from './support.js';

const PASSWORD = 'correct horse';

for (const mode of testModes())
  describe(`REST: registration, login, sessions [${mode}]`, () => {
    let d: Deployment;
    let api: Api;

    before(async () => {
      d = await startDeployment(mode);
      api = d.api;
    });
    after(() => d.dispose());

    const register = (username: unknown, password: unknown = PASSWORD) =>
      api.request('POST', '/api/v1/auth/register', { body: { username, password } });
    const login = (username: unknown, password: unknown = PASSWORD) =>
      api.request('POST', '/api/v1/auth/login', { body: { username, password } });

    it('[A1] registration answers 201 with the public user and no secret fields', async () => {
      const name = uniqueName('reg');
      const res = await register(name);
      expectStatus(res, 201);
      assert.deepEqual(Object.keys(res.body.user).sort(), [
        'createdAt',
        'deletedAt',
        'id',
        'username',
      ]);
      assert.equal(res.body.user.username, name);
      assert.equal(res.body.user.deletedAt, null);
      assert.equal(typeof res.body.user.id, 'string');
      assert.equal(typeof res.body.user.createdAt, 'number');
    });

    it("[A1] usernames are trimmed and lowercased: 'Alice' registers 'alice'", async () => {
      const name = uniqueName('alice');
      const res = await register(`  ${name.toUpperCase()} `);
      expectStatus(res, 201);
      assert.equal(res.body.user.username, name);
      const me = await api.login(name.toUpperCase());
      assert.equal(me.username, name);
    });

    it('[A1] usernames are unique case-insensitively (username_taken, 409)', async () => {
      const name = uniqueName('dup');
      expectStatus(await register(name), 201);
      expectError(await register(name), 409, 'username_taken');
      expectError(await register(name.toUpperCase()), 409, 'username_taken');
      expectError(await register(` ${name}`), 409, 'username_taken');
    });

    it('[A1] usernames must be 3-32 characters of a-z 0-9 _ . -', async () => {
      expectStatus(await register(`a${process.pid % 10}b`), 201);
      const long = `${uniqueName('l').replace(/_/g, '-')}.`.padEnd(32, 'z');
      assert.equal(long.length, 32);
      expectStatus(await register(long), 201);
      for (const bad of [
        '',
        'ab',
        '  ab  ',
        long + 'z',
        'al ice',
        'al@ce',
        'ålice',
        'a/b/c',
        'a+b',
      ]) {
        expectError(await register(bad), 400, 'invalid_request');
      }
    });

    it('[A2] passwords must be 8-128 characters (counted in code points)', async () => {
      expectError(await register(uniqueName('pw'), 'x'.repeat(7)), 400, 'invalid_request');
      expectError(await register(uniqueName('pw'), ''), 400, 'invalid_request');
      expectError(await register(uniqueName('pw'), 'x'.repeat(129)), 400, 'invalid_request');
      expectStatus(await register(uniqueName('pw'), 'x'.repeat(8)), 201);
      expectStatus(await register(uniqueName('pw'), 'x'.repeat(128)), 201);
      // 7 emoji are 14 UTF-16 units but 7 characters: too short.
      expectError(await register(uniqueName('pw'), '🔑'.repeat(7)), 400, 'invalid_request');
      const emoji = uniqueName('pw');
      expectStatus(await register(emoji, '🔑'.repeat(8)), 201);
      await api.login(emoji, '🔑'.repeat(8));
    });

    it('[H3][A1] registration with a wrong shape is invalid_request, with broken JSON invalid_json', async () => {
      for (const body of [
        {},
        { username: 'abcdef' },
        { password: PASSWORD },
        { username: 5, password: PASSWORD },
        { username: 'abcdef', password: ['x'] },
        [],
        null,
        'text',
        42,
      ]) {
        expectError(
          await api.request('POST', '/api/v1/auth/register', { body }),
          400,
          'invalid_request',
        );
      }
      expectError(
        await api.request('POST', '/api/v1/auth/register', { raw: '{"username":' }),
        400,
        'invalid_json',
      );
      expectError(
        await api.request('POST', '/api/v1/auth/register', { raw: "{username:'a'}" }),
        400,
        'invalid_json',
      );
    });

    it('[A3] unknown user and wrong password get the same invalid_credentials answer', async () => {
      const name = uniqueName('cred');
      expectStatus(await register(name), 201);
      const wrong = await login(name, 'wrong password');
      const unknown = await login(uniqueName('nobody'), 'wrong password');
      const malformed = await login('x', 'wrong password');
      expectError(wrong, 401, 'invalid_credentials');
      expectError(unknown, 401, 'invalid_credentials');
      expectError(malformed, 401, 'invalid_credentials');
      assert.deepEqual(wrong.body, unknown.body);
      assert.deepEqual(wrong.body, malformed.body);
      assert.equal(wrong.headers.get('set-cookie'), null);
      expectError(await login(name, PASSWORD.toUpperCase()), 401, 'invalid_credentials');
      expectError(
        await api.request('POST', '/api/v1/auth/login', { body: { username: name } }),
        400,
        'invalid_request',
      );
    });

    it('[A4] login returns a 256-bit token and sets an HttpOnly SameSite=Strict cookie', async () => {
      const name = uniqueName('cookie');
      expectStatus(await register(name), 201);
      const res = await login(name.toUpperCase());
      expectStatus(res, 200);
      assert.match(res.body.token, /^[A-Za-z0-9_-]{43}$/);
      assert.equal(res.body.user.username, name);
      const cookie = res.headers.get('set-cookie') ?? '';
      assert.match(cookie, new RegExp(`^parley_session=${res.body.token};`));
      assert.match(cookie, /;\s*HttpOnly/i);
      assert.match(cookie, /;\s*SameSite=Strict/i);
      assert.match(cookie, /;\s*Path=\/(;|$)/);
    });

    it('[A4][H4] the cookie authenticates reads; no, bad or URL tokens are unauthorized', async () => {
      const user = await api.signup(uniqueName('me'));
      const viaBearer = await api.request('GET', '/api/v1/me', { token: user.token });
      expectStatus(viaBearer, 200);
      assert.equal(viaBearer.body.user.id, user.id);
      const viaCookie = await api.request('GET', '/api/v1/me', {
        headers: { cookie: `other=1; parley_session=${user.token}` },
      });
      expectStatus(viaCookie, 200);
      assert.equal(viaCookie.body.user.username, user.username);

      expectError(await api.request('GET', '/api/v1/me'), 401, 'unauthorized');
      expectError(
        await api.request('GET', '/api/v1/me', { token: 'not-a-token' }),
        401,
        'unauthorized',
      );
      expectError(
        await api.request('GET', '/api/v1/me', {
          headers: { authorization: `Basic ${user.token}` },
        }),
        401,
        'unauthorized',
      );
      expectError(
        await api.request('GET', '/api/v1/me', { headers: { cookie: 'parley_session=nope' } }),
        401,
        'unauthorized',
      );
      expectError(await api.request('GET', `/api/v1/me?token=${user.token}`), 401, 'unauthorized');
      expectError(
        await api.request('GET', `/api/v1/me?access_token=${user.token}`),
        401,
        'unauthorized',
      );
    });

    it('[A5] logout revokes that token at once, clears the cookie and keeps other sessions', async () => {
      const first = await api.signup(uniqueName('out'));
      const second = await api.login(first.username);
      const res = await api.request('POST', '/api/v1/auth/logout', { token: first.token });
      expectStatus(res, 204);
      assert.match(res.headers.get('set-cookie') ?? '', /^parley_session=;.*Max-Age=0/i);
      expectError(
        await api.request('GET', '/api/v1/me', { token: first.token }),
        401,
        'unauthorized',
      );
      expectError(
        await api.request('POST', '/api/v1/auth/logout', { token: first.token }),
        401,
        'unauthorized',
      );
      expectStatus(await api.request('GET', '/api/v1/me', { token: second.token }), 200);
      expectError(await api.request('POST', '/api/v1/auth/logout'), 401, 'unauthorized');
    });
  });

for (const mode of testModes())
  describe(`REST: account deletion [${mode}]`, () => {
    let d: Deployment;
    let api: Api;

    before(async () => {
      d = await startDeployment(mode);
      api = d.api;
    });
    after(() => d.dispose());

    const deleteMe = (user: TestUser, password: unknown) =>
      api.request('DELETE', '/api/v1/me', { token: user.token, body: { password } });

    it('[A6] deletion needs the right password (forbidden otherwise) and a valid session', async () => {
      const user = await api.signup(uniqueName('keep'));
      expectError(await deleteMe(user, 'wrong password'), 403, 'forbidden');
      expectError(
        await api.request('DELETE', '/api/v1/me', { token: user.token, body: {} }),
        400,
        'invalid_request',
      );
      expectError(
        await api.request('DELETE', '/api/v1/me', { body: { password: user.password } }),
        401,
        'unauthorized',
      );
      expectStatus(await api.request('GET', '/api/v1/me', { token: user.token }), 200);
    });

    it('[A6] deletion ends sessions, frees the name, keeps messages as [deleted], hands groups on', async () => {
      const gone = await api.signup(uniqueName('gone'));
      const other = await api.login(gone.username);
      const admin = await api.signup(uniqueName('adm'));
      const member = await api.signup(uniqueName('mem'));

      // A group where the admin inherits although the plain member joined first.
      const group = await api.group(gone, uniqueName('g'), [member.username, admin.username]);
      const promote = await api.request(
        'PATCH',
        `/api/v1/conversations/${group}/members/${admin.username}`,
        {
          token: gone.token,
          body: { role: 'admin' },
        },
      );
      expectStatus(promote, 200);
      // A group with only plain members: the member inherits.
      const plain = await api.group(gone, uniqueName('g'), [member.username]);
      const dm = await api.dm(admin, gone.username);
      const inGroup = await api.send(gone, group, 'hello group');
      const inDm = await api.send(gone, dm, 'hello dm');
      expectStatus(inGroup, 201);
      expectStatus(inDm, 201);

      expectStatus(await deleteMe(gone, gone.password), 204);

      expectError(
        await api.request('GET', '/api/v1/me', { token: gone.token }),
        401,
        'unauthorized',
      );
      expectError(
        await api.request('GET', '/api/v1/me', { token: other.token }),
        401,
        'unauthorized',
      );
      const relogin = await api.request('POST', '/api/v1/auth/login', {
        body: { username: gone.username, password: gone.password },
      });
      expectError(relogin, 401, 'invalid_credentials');
      expectError(
        await api.request('GET', `/api/v1/users/${gone.username}`, { token: admin.token }),
        404,
        'not_found',
      );

      const history = await api.history(admin, group);
      expectStatus(history, 200);
      const kept = history.body.messages.find((m: any) => m.id === inGroup.body.message.id);
      assert.equal(kept.senderName, '[deleted]');
      assert.equal(kept.body, 'hello group');

      const members = await api.request('GET', `/api/v1/conversations/${group}/members`, {
        token: admin.token,
      });
      expectStatus(members, 200);
      const roles = Object.fromEntries(members.body.members.map((m: any) => [m.username, m.role]));
      assert.deepEqual(roles, { [admin.username]: 'owner', [member.username]: 'member' });

      const plainGroup = await api.request('GET', `/api/v1/conversations/${plain}`, {
        token: member.token,
      });
      expectStatus(plainGroup, 200);
      assert.equal(plainGroup.body.conversation.role, 'owner');
      assert.equal(plainGroup.body.conversation.memberCount, 1);

      // The DM stays readable to the peer, shows the peer as [deleted], and refuses sends.
      const dmHistory = await api.history(admin, dm);
      expectStatus(dmHistory, 200);
      assert.deepEqual(
        dmHistory.body.messages.map((m: any) => [m.senderName, m.body]),
        [['[deleted]', 'hello dm']],
      );
      const dmView = await api.request('GET', `/api/v1/conversations/${dm}`, {
        token: admin.token,
      });
      assert.equal(dmView.body.conversation.peer, '[deleted]');
      expectError(await api.send(admin, dm, 'anyone there?'), 403, 'forbidden');

      // The name is free again; the new account is a different user and old messages stay [deleted].
      const again = await api.signup(gone.username);
      assert.notEqual(again.id, gone.id);
      const after = await api.history(admin, group);
      assert.equal(
        after.body.messages.find((m: any) => m.id === inGroup.body.message.id).senderName,
        '[deleted]',
      );
      expectError(
        await api.request('GET', `/api/v1/conversations/${group}`, { token: again.token }),
        404,
        'not_found',
      );
    });
  });

for (const mode of testModes())
  describe(`REST: failed password checks are limited per account [${mode}]`, () => {
    let d: Deployment;
    let api: Api;

    before(async () => {
      d = await startDeployment(mode, { config: { passwordFailuresPerAccount: 3 } });
      api = d.api;
    });
    after(() => d.dispose());

    const deleteMe = (user: TestUser, password: string) =>
      api.request('DELETE', '/api/v1/me', { token: user.token, body: { password } });
    const login = (username: string, password: string) =>
      api.request('POST', '/api/v1/auth/login', {
        node: api.homeOf(username),
        body: { username, password },
      });

    it('[S7][A6] wrong passwords for account deletion end in rate_limited, then even the right one', async () => {
      const user = await api.signup(uniqueName('del'));
      const answers: number[] = [];
      for (let i = 0; i < 30; i++) answers.push((await deleteMe(user, `guess ${i}`)).status);
      assert.deepEqual(answers.slice(0, 3), [403, 403, 403]);
      assert.deepEqual(new Set(answers.slice(3)), new Set([429]), 'no more guesses are checked');
      expectError(await deleteMe(user, user.password), 429, 'rate_limited');
      expectStatus(await api.request('GET', '/api/v1/me', { token: user.token }), 200);
    });

    it('[S7][A3][A6] login and account deletion share the account limiter', async () => {
      const user = await api.signup(uniqueName('share'));
      expectError(await login(user.username, 'wrong one'), 401, 'invalid_credentials');
      expectError(await deleteMe(user, 'wrong two'), 403, 'forbidden');
      expectError(await login(user.username, 'wrong three'), 401, 'invalid_credentials');
      expectError(await login(user.username, user.password), 429, 'rate_limited');
      expectError(await deleteMe(user, user.password), 429, 'rate_limited');
      // Other accounts are not affected.
      const other = await api.signup(uniqueName('other'));
      expectStatus(await deleteMe(other, other.password), 204);
    });

    it('[S7][A3] correct passwords do not count; an unknown name is limited exactly like a real one', async () => {
      const user = await api.signup(uniqueName('ok'));
      for (let i = 0; i < 5; i++) expectStatus(await login(user.username, user.password), 200);
      const nobody = uniqueName('nobody');
      const real: ApiResponse[] = [];
      const unknown: ApiResponse[] = [];
      for (let i = 0; i < 4; i++) {
        real.push(await login(user.username, 'wrong password'));
        unknown.push(await login(nobody, 'wrong password'));
      }
      assert.deepEqual(
        real.map((r) => [r.status, r.body]),
        unknown.map((r) => [r.status, r.body]),
      );
      assert.deepEqual(
        real.map((r) => r.status),
        [401, 401, 401, 429],
      );
    });
  });
