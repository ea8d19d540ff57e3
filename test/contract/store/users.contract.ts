import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { rejectsDuplicate, useStore, type OpenStore } from './fixture.js';

/** Accounts and user search (UsersStore). */
export function usersContract(open: OpenStore): void {
  accountsContract(open);
  searchContract(open);
}

function accountsContract(open: OpenStore): void {
  describe('users', () => {
    const fx = useStore(open);

    it('[A1] createUser returns the account, found by id and by username', async () => {
      const { store } = fx();
      const input = {
        id: fx().id('u'),
        username: 'alice',
        passwordHash: '$argon2id$v=19$fake',
        createdAt: 1_700_000_000_123,
        deletedAt: null,
      };
      const user = await store.createUser(input);
      const expected = {
        id: input.id,
        username: 'alice',
        createdAt: input.createdAt,
        deletedAt: null,
      };
      assert.deepEqual(user, expected);
      assert.deepEqual(await store.getUserById(input.id), expected);
      assert.deepEqual(await store.getUserByUsername('alice'), expected);
      assert.deepEqual(await store.getUserSecretByUsername('alice'), input);
      assert.deepEqual(await store.getUserSecretById(input.id), input);
    });

    it('[A1] a second live account with a taken username is a duplicate username', async () => {
      const { store } = fx();
      const first = await fx().user();
      await rejectsDuplicate(fx().user(first.username), 'username');
      assert.deepEqual(await store.getUserByUsername(first.username), first);
    });

    it('[Store] lookups of unknown users answer null', async () => {
      const { store } = fx();
      assert.equal(await store.getUserById('no-such-id'), null);
      assert.equal(await store.getUserByUsername('nobody'), null);
      assert.equal(await store.getUserSecretByUsername('nobody'), null);
      assert.equal(await store.getUserSecretById('no-such-id'), null);
    });

    it('[A6] a deleted account keeps its id, is not found by username, and frees the name', async () => {
      const { store } = fx();
      const old = await fx().user();
      const at = fx().tick();
      await store.markUserDeleted(old.id, at);

      assert.deepEqual(await store.getUserById(old.id), { ...old, deletedAt: at });
      assert.equal(await store.getUserByUsername(old.username), null);
      assert.equal(await store.getUserSecretByUsername(old.username), null);

      const reborn = await fx().user(old.username);
      assert.notEqual(reborn.id, old.id);
      assert.deepEqual(await store.getUserByUsername(old.username), reborn);
      assert.equal((await store.getUserById(old.id))?.deletedAt, at);
    });
  });
}

function searchContract(open: OpenStore): void {
  describe('user search', () => {
    const fx = useStore(open);
    const live = ['a%b', 'a_b', 'alice', 'alicia', 'axb', 'bob', 'carol', 'dave'];

    before(async () => {
      for (const username of live) await fx().user(username);
      const gone = await fx().user('alina');
      await fx().store.markUserDeleted(gone.id, fx().tick());
    });

    const search = async (like: string | null, limit = 100, afterUsername: string | null = null) =>
      (await fx().store.searchUsers({ like, limit, afterUsername })).map((u) => u.username);

    it('[A7] without a pattern every live user is listed, ordered by username', async () => {
      assert.deepEqual(await search(null), live);
    });

    it('[A7] a LIKE pattern matches anywhere it says, deleted users never', async () => {
      assert.deepEqual(await search('al%'), ['alice', 'alicia']);
      assert.deepEqual(await search('%ce'), ['alice']);
      assert.deepEqual(await search('%li%'), ['alice', 'alicia']);
      assert.deepEqual(await search('a%e'), ['alice']);
      assert.deepEqual(await search('zz%'), []);
    });

    it('[A7] `_` and `%` escaped with a backslash match themselves only', async () => {
      assert.deepEqual(await search('a_b'), ['a%b', 'a_b', 'axb']);
      assert.deepEqual(await search('a\\_b'), ['a_b']);
      assert.deepEqual(await search('%\\%%'), ['a%b']);
      assert.deepEqual(await search('%\\_%'), ['a_b']);
    });

    it('[A7] keyset pages by afterUsername cover every match once, in order', async () => {
      const pages: string[][] = [];
      let afterUsername: string | null = null;
      for (;;) {
        const page = await search(null, 3, afterUsername);
        if (page.length === 0) break;
        assert.ok(page.length <= 3);
        pages.push(page);
        afterUsername = page.at(-1) ?? null;
      }
      assert.deepEqual(pages, [
        ['a%b', 'a_b', 'alice'],
        ['alicia', 'axb', 'bob'],
        ['carol', 'dave'],
      ]);
      assert.deepEqual(await search('al%', 1, 'alice'), ['alicia']);
    });
  });
}
