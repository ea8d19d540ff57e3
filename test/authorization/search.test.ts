// Authorization matrix for message search (rules Q2, G6): every actor of world.ts searches for
// a word only the shared group's messages hold, across all conversations and within the group.
// Who is not a member now (outsider, removed member) finds nothing, not even the removed
// member's own message, and naming the group answers exactly as naming no conversation.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { uniqueName } from '../helpers/api.js';
import { testModes } from '../helpers/deployment.js';
import { tagOf } from '../api/support.js';
import {
  MISSING,
  actorRules,
  cite,
  expectError,
  expectStatus,
  userOf,
  type Actor,
  type World,
  setUp,
} from './world.js';
import type { SearchHitDto } from '../../src/protocol/schemas.js';

/** What each actor's search shows of the shared group: its messages, nothing, or 401. */
// prettier-ignore
const SEARCH: Array<[Actor, 'finds' | 'nothing' | 401]> = [
  ['anonymous', 401], ['non-member', 'nothing'], ['member', 'finds'], ['admin', 'finds'],
  ['owner', 'finds'], ['removed member', 'nothing'], ['deleted user', 401],
];

for (const mode of testModes())
  describe(`authorization matrix: search [${mode}]`, () => {
    let world: World;
    /** A word in two messages of the shared group: the other member's and the removed one's. */
    let word: string;
    let ids: string[];
    before(async () => {
      world = await setUp(mode);
      word = tagOf(uniqueName('needle'));
      const { api, cast, shared } = world;
      const sent = await api.send(cast.other, shared.id, `the ${word} is here`);
      expectStatus(sent, 201);
      // "hello from <removed>" was sent before the removal: it holds the removed member's name.
      const hello = await api.request(
        'GET',
        `/api/v1/search?q=${encodeURIComponent(`hello ${cast.removed.username}`)}&conversation=${shared.id}`,
        { token: cast.owner.token },
      );
      expectStatus(hello, 200);
      ids = [sent.body.message.id, ...hello.body.results.map((r: SearchHitDto) => r.message.id)];
      assert.equal(ids.length, 2, 'the removed member’s own message is in the group');
    });
    after(() => world.deployment.dispose());

    for (const [actor, outcome] of SEARCH) {
      const what =
        outcome === 401
          ? 'cannot search (401)'
          : `${outcome === 'finds' ? 'finds' : 'finds nothing of'} the group’s messages, with or without naming it`;
      it(`${cite([...actorRules(actor), 'Q2'])} ${actor} ${what}`, async () => {
        const me = userOf(world.cast, actor);
        const { cast, shared } = world;
        const search = (query: string) =>
          world.api.request('GET', `/api/v1/search?${query}`, { token: me?.token });
        const q = (terms: string) => `q=${encodeURIComponent(terms)}`;
        const anywhere = await search(q(word));
        const inGroup = await search(
          `${q(`hello ${cast.removed.username}`)}&conversation=${shared.id}`,
        );
        if (outcome === 401) {
          for (const res of [anywhere, inGroup]) expectError(res, 401);
          return;
        }
        for (const res of [anywhere, inGroup]) expectStatus(res, 200);
        const found = [anywhere, inGroup].flatMap((res) =>
          res.body.results.map((r: SearchHitDto) => r.message.id),
        );
        if (outcome === 'finds') {
          assert.deepEqual(found, ids);
          return;
        }
        assert.deepEqual(found, []);
        const missing = await search(
          `${q(`hello ${cast.removed.username}`)}&conversation=${MISSING}`,
        );
        assert.deepEqual(
          { status: missing.status, body: missing.body },
          { status: inGroup.status, body: inGroup.body },
          'the group answers as no conversation does',
        );
      });
    }
  });
