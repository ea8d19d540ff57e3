import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { uniqueName, type Api, type TestUser } from '../helpers/api.js';
import { testModes, useDeploymentWithUsers } from '../helpers/deployment.js';
import { SEARCH_RATE } from '../../src/services/search.js';
import { expectError, expectStatus, tagOf } from './support.js';
import type { SearchHitDto, SearchPageDto } from '../../src/protocol/schemas.js';

for (const mode of testModes())
  describe(`REST: message search [${mode}]`, () => {
    const world = useDeploymentWithUsers(mode, ['alice', 'bob', 'carol']);
    let api: Api;
    let alice: TestUser;
    let bob: TestUser;
    let carol: TestUser;
    before(() => {
      ({ api } = world());
      ({ alice, bob, carol } = world().users);
    });

    /** A word no other test's messages contain: one search token. */
    const word = (prefix = 'w') => tagOf(uniqueName(prefix));
    const search = (user: TestUser, params: Record<string, string | number>) =>
      api.request(
        'GET',
        `/api/v1/search?${new URLSearchParams(
          Object.entries(params).map(([k, v]) => [k, String(v)]),
        ).toString()}`,
        { token: user.token },
      );
    const bodies = (res: { body: SearchPageDto }) =>
      res.body.results.map((r: SearchHitDto) => r.message.body);
    const base = (id: string) => `/api/v1/conversations/${id}`;

    it('[Q2] finds the members’ messages with every term as a word prefix, decorated, with a snippet', async () => {
      const w = word();
      const group = await api.group(alice, uniqueName('g'), [bob.username]);
      const dm = await api.dm(alice, carol.username);
      const other = await api.group(bob, uniqueName('g'), [carol.username]);
      expectStatus(await api.send(alice, group, `We **deploy** ${w} on Friday`), 201);
      expectStatus(await api.send(bob, group, `${w} deployment went fine`), 201);
      expectStatus(await api.send(carol, dm, `Café ${w}`), 201);
      expectStatus(await api.send(bob, other, `${w} elsewhere`), 201);

      const found = await search(alice, { q: `${w.toUpperCase()} dep` });
      expectStatus(found, 200);
      assert.deepEqual(bodies(found), [
        `${w} deployment went fine`,
        `We **deploy** ${w} on Friday`,
      ]);
      assert.equal(found.body.nextCursor, null);
      const [first, second] = found.body.results;
      assert.equal(first.message.conversationId, group);
      assert.equal(first.message.senderName, bob.username);
      assert.deepEqual(first.message.reactions, []);
      assert.deepEqual(first.message.attachments, []);
      assert.equal(second.snippet.text, `We deploy ${w} on Friday`, 'plain text, markup gone');
      assert.deepEqual(
        second.snippet.highlights.map(([a, b]: [number, number]) =>
          second.snippet.text.slice(a, b),
        ),
        ['dep', w],
      );
      assert.deepEqual(bodies(await search(alice, { q: `cafe ${w}` })), [`Café ${w}`]);
      assert.deepEqual(bodies(await search(carol, { q: w })), [`${w} elsewhere`, `Café ${w}`]);
    });

    it('[Q2] filters by conversation and by sender name; unknown names and other conversations find nothing', async () => {
      const w = word();
      const group = await api.group(alice, uniqueName('g'), [bob.username]);
      const dm = await api.dm(alice, bob.username);
      const other = await api.group(bob, uniqueName('g'), [carol.username]);
      await api.send(alice, group, `${w} one`);
      await api.send(bob, group, `${w} two`);
      await api.send(bob, dm, `${w} three`);
      await api.send(bob, other, `${w} four`);
      assert.deepEqual(bodies(await search(alice, { q: w, conversation: group })), [
        `${w} two`,
        `${w} one`,
      ]);
      assert.deepEqual(bodies(await search(alice, { q: w, sender: bob.username.toUpperCase() })), [
        `${w} three`,
        `${w} two`,
      ]);
      assert.deepEqual(
        bodies(await search(alice, { q: w, sender: bob.username, conversation: dm })),
        [`${w} three`],
      );
      const none = [
        await search(alice, { q: w, sender: 'nobody-here' }),
        await search(alice, { q: w, conversation: other }),
        await search(alice, { q: w, conversation: 'c-does-not-exist' }),
      ];
      for (const res of none) {
        expectStatus(res, 200);
        assert.deepEqual(res.body, { results: [], nextCursor: null });
      }
    });

    it('[Q5] an edit re-indexes and a delete un-indexes at once; a removed member finds nothing', async () => {
      const [before_, after_, kept] = [word('a'), word('b'), word('k')];
      const group = await api.group(alice, uniqueName('g'), [bob.username]);
      const sent = await api.send(alice, group, `${before_} ${kept}`);
      const seq = sent.body.message.seq;
      assert.equal((await search(bob, { q: before_ })).body.results.length, 1);
      const edited = await api.request('PATCH', `${base(group)}/messages/${seq}`, {
        token: alice.token,
        body: { body: `${after_} ${kept}` },
      });
      expectStatus(edited, 200);
      assert.deepEqual(bodies(await search(bob, { q: before_ })), []);
      assert.deepEqual(bodies(await search(bob, { q: after_ })), [`${after_} ${kept}`]);

      const removed = await api.request('DELETE', `${base(group)}/members/${bob.username}`, {
        token: alice.token,
      });
      assert.ok(removed.status < 300, JSON.stringify(removed.body));
      assert.deepEqual(bodies(await search(bob, { q: kept })), [], 'removed: nothing');
      assert.deepEqual(bodies(await search(alice, { q: kept })), [`${after_} ${kept}`]);

      const deleted = await api.request('DELETE', `${base(group)}/messages/${seq}`, {
        token: alice.token,
      });
      assert.ok(deleted.status < 300, JSON.stringify(deleted.body));
      assert.deepEqual(bodies(await search(alice, { q: kept })), []);
    });

    it('[Q3] pages by nextCursor in both orders, without duplicates or gaps, null at the end', async () => {
      const w = word();
      const group = await api.group(alice, uniqueName('g'), [bob.username]);
      const ids: string[] = [];
      for (let i = 0; i < 7; i++) {
        ids.push((await api.send(i % 2 ? bob : alice, group, `${w} item ${i}`)).body.message.id);
      }
      for (const order of ['newest', 'relevance']) {
        const seen: string[] = [];
        let cursor: string | null = null;
        const sizes: number[] = [];
        do {
          const params: Record<string, string | number> = { q: w, order, limit: 3 };
          if (cursor) params.cursor = cursor;
          const page = await search(alice, params);
          expectStatus(page, 200);
          sizes.push(page.body.results.length);
          seen.push(...page.body.results.map((r: SearchHitDto) => r.message.id));
          cursor = page.body.nextCursor;
        } while (cursor);
        assert.deepEqual(sizes, [3, 3, 1], order);
        if (order === 'newest') assert.deepEqual(seen, [...ids].reverse());
        else assert.deepEqual([...seen].sort(), [...ids].sort());
      }
      const exact = await search(alice, { q: w, limit: 7 });
      assert.equal(exact.body.nextCursor, null, 'a full last page says it is the last');
    });

    it('[Q2] refuses queries without words, with too many or too long, bad limits and cursors', async () => {
      const w = word();
      const cases: Array<[Record<string, string | number>, string]> = [
        [{ q: '' }, 'empty'],
        [{ q: '!!! ... ---' }, 'punctuation only'],
        [{ q: '🎉 🎉' }, 'emoji only'],
        [{ q: 'a b c d e f g h i j k' }, '11 terms'],
        [{ q: 'x'.repeat(201) }, '201 characters'],
        [{ q: w, limit: 51 }, 'limit 51'],
        [{ q: w, limit: 0 }, 'limit 0'],
        [{ q: w, order: 'oldest' }, 'order'],
        [{ q: w, cursor: 'not a cursor!' }, 'cursor alphabet'],
        [{ q: w, cursor: Buffer.from('n:').toString('base64url') }, 'empty id'],
        [{ q: w, cursor: Buffer.from('r:5').toString('base64url') }, 'relevance cursor, newest'],
        [
          { q: w, order: 'relevance', cursor: Buffer.from('n:x').toString('base64url') },
          'newest cursor, relevance',
        ],
        [
          { q: w, order: 'relevance', cursor: Buffer.from('r:-1').toString('base64url') },
          'negative',
        ],
      ];
      for (const [params, what] of cases) {
        const res = await search(alice, params);
        assert.equal(res.status, 400, `${what}: ${JSON.stringify(res.body)}`);
        assert.equal(res.body.error.code, 'invalid_request', what);
      }
      const missing = await api.request('GET', '/api/v1/search', { token: alice.token });
      expectError(missing, 400, 'invalid_request');
      // At the limits: ten terms (duplicates count once) and 200 characters are fine.
      expectStatus(await search(alice, { q: `${w} b c d e f g h i j ${w}` }), 200);
      expectStatus(await search(alice, { q: `${w} ${'x'.repeat(199 - w.length)}` }), 200);
      expectStatus(await search(alice, { q: w, limit: 50 }), 200);
      expectError(await api.request('GET', `/api/v1/search?q=${w}`), 401, 'unauthorized');
    });

    it('[Q2] searches are rate limited per user', async () => {
      const user = await api.signup(uniqueName('s'));
      const other = await api.signup(uniqueName('s'));
      let allowed = 0;
      let refused: Awaited<ReturnType<typeof search>> | null = null;
      for (let i = 0; i < SEARCH_RATE.burst + 20 && !refused; i++) {
        const res = await search(user, { q: 'anything' });
        if (res.status === 200) allowed += 1;
        else refused = res;
      }
      assert.ok(refused, 'refused past the burst');
      expectError(refused, 429, 'rate_limited');
      // The bucket refills while the loop runs (2 a second): a token or two more may pass.
      assert.ok(allowed >= SEARCH_RATE.burst && allowed <= SEARCH_RATE.burst + 10, `${allowed}`);
      expectStatus(await search(other, { q: 'anything' }), 200);
    });
  });
