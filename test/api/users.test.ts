import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Api } from '../helpers/api.js';
import { uniqueName, type TestUser } from '../helpers/api.js';
import { startDeployment, testModes, type Deployment } from '../helpers/deployment.js';
import { expectError, expectStatus, tagOf } from './support.js';

for (const mode of testModes())
  describe(`REST: users [${mode}]`, () => {
    let d: Deployment;
    let api: Api;
    let me: TestUser;
    /** A prefix no other test's usernames share, so patterns can be scoped to this test's users. */
    let tag: string;

    before(async () => {
      d = await startDeployment(mode);
      api = d.api;
      me = await api.signup(uniqueName('me'));
      tag = tagOf(uniqueName('t'));
      for (const suffix of [
        'alice',
        'alce',
        'albert',
        'bruce',
        'ace',
        'x_y',
        'xzy',
        'p1',
        'p2',
        'p3',
        'p4',
        'p5',
      ]) {
        await api.request('POST', '/api/v1/auth/register', {
          body: { username: tag + suffix, password: 'correct horse' },
        });
      }
    });
    after(() => d.dispose());

    const search = async (query: Record<string, string>) => {
      const res = await api.request('GET', `/api/v1/users?${new URLSearchParams(query)}`, {
        token: me.token,
      });
      expectStatus(res, 200);
      return res.body as { users: Array<{ username: string }>; next: string | null };
    };
    /** Usernames found for `q`, limited to this test's users, without the tag. */
    const names = async (q: string) =>
      (await search({ q, limit: '100' })).users
        .map((u) => u.username)
        .filter((n) => n.startsWith(tag))
        .map((n) => n.slice(tag.length));

    it('[A7] user entries are public fields with an online flag, sorted by username', async () => {
      const page = await search({ q: tag });
      assert.equal(page.users.length, 12);
      assert.deepEqual(Object.keys(page.users[0]!).sort(), [
        'createdAt',
        'id',
        'online',
        'username',
      ]);
      const sorted = [...page.users.map((u) => u.username)].sort();
      assert.deepEqual(
        page.users.map((u) => u.username),
        sorted,
      );
      assert.equal(page.next, null);
    });

    it('[A7] `*` wildcards: prefix al*, suffix *ce, infix a*e', async () => {
      assert.deepEqual(await names(`${tag}al*`), ['albert', 'alce', 'alice']);
      const suffix = (await search({ q: '*ce', limit: '100' })).users.map((u) => u.username);
      assert.ok(
        suffix.every((n) => n.endsWith('ce')),
        suffix.join(),
      );
      assert.deepEqual(
        suffix.filter((n) => n.startsWith(tag)).map((n) => n.slice(tag.length)),
        ['ace', 'alce', 'alice', 'bruce'],
      );
      assert.deepEqual(await names(`${tag}a*e`), ['ace', 'alce', 'alice']);
      assert.deepEqual(await names(`${tag}*l*e*`), ['albert', 'alce', 'alice']);
      assert.deepEqual(await names(`${tag.toUpperCase()}AL*`), ['albert', 'alce', 'alice']);
    });

    it('[A7] a pattern without * matches usernames containing it; _ and % are literal', async () => {
      assert.deepEqual(await names('lic'), ['alice']);
      assert.deepEqual(await names(`${tag}x_y`), ['x_y']);
      assert.deepEqual(await names('x_y'), ['x_y']);
      assert.deepEqual(await names(`${tag}%`), []);
      assert.deepEqual(await names(`${tag}a%e`), []);
    });

    it('[A7] an empty pattern (or only *) lists everyone', async () => {
      const all = (await search({ limit: '100' })).users.map((u) => u.username);
      assert.ok(all.includes(me.username));
      assert.ok(all.includes(`${tag}alice`));
      assert.deepEqual(
        (await search({ q: '*', limit: '100' })).users.map((u) => u.username),
        all,
      );
      assert.deepEqual(
        (await search({ q: '', limit: '100' })).users.map((u) => u.username),
        all,
      );
    });

    it('[A7] pages follow `after`, and `next` is the last username of a full page', async () => {
      const seen: string[] = [];
      let after: string | null = null;
      const pages: number[] = [];
      do {
        const page: { users: Array<{ username: string }>; next: string | null } = await search({
          q: `${tag}p`,
          limit: '2',
          ...(after === null ? {} : { after }),
        });
        pages.push(page.users.length);
        seen.push(...page.users.map((u) => u.username));
        if (page.next !== null) assert.equal(page.next, page.users.at(-1)?.username);
        after = page.next;
      } while (after !== null);
      assert.deepEqual(pages, [2, 2, 1]);
      assert.deepEqual(
        seen,
        ['p1', 'p2', 'p3', 'p4', 'p5'].map((s) => tag + s),
      );
      const upper = await search({ q: `${tag}p`, after: `${tag}P3`.toUpperCase() });
      assert.deepEqual(
        upper.users.map((u) => u.username),
        [`${tag}p4`, `${tag}p5`],
      );
    });

    it('[A7][S3] limit must be 1-100; bad query values are invalid_request', async () => {
      expectStatus(await api.request('GET', '/api/v1/users?limit=100', { token: me.token }), 200);
      for (const query of [
        'limit=101',
        'limit=0',
        'limit=-1',
        'limit=abc',
        'limit=1.5',
        `q=${'a'.repeat(65)}`,
      ]) {
        expectError(
          await api.request('GET', `/api/v1/users?${query}`, { token: me.token }),
          400,
          'invalid_request',
        );
      }
    });

    it('[A7] deleted users are not listed', async () => {
      const gone = await api.signup(tagOf(uniqueName('gone')));
      assert.deepEqual((await search({ q: gone.username })).users.length, 1);
      expectStatus(
        await api.request('DELETE', '/api/v1/me', {
          token: gone.token,
          body: { password: gone.password },
        }),
        204,
      );
      assert.deepEqual((await search({ q: gone.username })).users, []);
    });

    it('[A7] GET /users/:username finds one user case-insensitively; unknown is not_found', async () => {
      const res = await api.request('GET', `/api/v1/users/${tag.toUpperCase()}ALICE`, {
        token: me.token,
      });
      expectStatus(res, 200);
      assert.equal(res.body.user.username, `${tag}alice`);
      assert.deepEqual(Object.keys(res.body.user).sort(), [
        'createdAt',
        'id',
        'online',
        'username',
      ]);
      assert.equal(res.body.user.online, false);
      expectError(
        await api.request('GET', `/api/v1/users/${tag}nobody`, { token: me.token }),
        404,
        'not_found',
      );
    });

    it('[H4] user routes need a valid token', async () => {
      expectError(await api.request('GET', '/api/v1/users'), 401, 'unauthorized');
      expectError(await api.request('GET', `/api/v1/users/${me.username}`), 401, 'unauthorized');
      expectError(
        await api.request('GET', '/api/v1/users', { token: 'bogus' }),
        401,
        'unauthorized',
      );
    });
  });
