import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { searchTokens } from '../../../src/domain/search.js';
import type { Conversation, Message, User } from '../../../src/domain/model.js';
import type { SearchQuery } from '../../../src/ports/store.js';
import { useStore, type Fixture, type OpenStore } from './fixture.js';

/** Full-text search (SearchStore, rules Q1-Q3, Q5), alike on every engine. */
export function searchContract(open: OpenStore): void {
  describe('search', () => {
    const fx = useStore(open);

    /** The store's answer for `terms` (tokenized as the service does), newest first by default. */
    function search(
      f: Fixture,
      user: User,
      terms: string,
      options: Partial<SearchQuery> = {},
    ): Promise<Message[]> {
      const order = options.order ?? 'newest';
      return f.store.searchMessages(user.id, {
        prefixes: searchTokens(terms),
        conversationId: null,
        senderId: null,
        order,
        position:
          order === 'newest' ? { kind: 'newest', beforeId: null } : { kind: 'offset', offset: 0 },
        limit: 50,
        ...options,
      });
    }
    const bodies = (messages: Message[]) => messages.map((m) => m.body);

    async function setup(f: Fixture): Promise<{
      alice: User;
      bob: User;
      carol: User;
      group: Conversation;
      dm: Conversation;
      elsewhere: Conversation;
    }> {
      const [alice, bob, carol] = [await f.user(), await f.user(), await f.user()];
      const group = await f.group(alice, [bob]);
      const dm = await f.dm(alice, carol);
      const elsewhere = await f.group(bob, [carol]);
      return { alice, bob, carol, group, dm, elsewhere };
    }

    it('[Q1] every term matches as a token prefix, all of them (AND), never inside a token', async () => {
      const f = fx();
      const { alice, bob, group } = await setup(f);
      await f.send(group, alice, 'We deploy the release on Friday');
      await f.send(group, bob, 'deployment went fine');
      await f.send(group, bob, 'redeploy tomorrow, friday is busy');
      assert.deepEqual(bodies(await search(f, alice, 'dep')), [
        'deployment went fine',
        'We deploy the release on Friday',
      ]);
      assert.deepEqual(bodies(await search(f, alice, 'deploy fri')), [
        'We deploy the release on Friday',
      ]);
      assert.deepEqual(bodies(await search(f, alice, 'fri dep')), [
        'We deploy the release on Friday',
      ]);
      assert.deepEqual(bodies(await search(f, alice, 'ploy')), [], 'not inside a token');
      assert.deepEqual(bodies(await search(f, alice, 'deploy nothing')), []);
      assert.deepEqual(bodies(await search(f, bob, 'deployment')), ['deployment went fine']);
    });

    it('[Q1] case, diacritics and compatibility forms fold alike in bodies and queries', async () => {
      const f = fx();
      const { alice, group } = await setup(f);
      await f.send(group, alice, 'Café CRÈME at the Hôtel');
      await f.send(group, alice, 'the ﬁle is ＡＢＣ１２３');
      await f.send(group, alice, 'nai\u0308ve decomposed');
      for (const q of ['cafe', 'CAFÉ', 'café crème', 'hotel', 'HÔT']) {
        assert.deepEqual(bodies(await search(f, alice, q)), ['Café CRÈME at the Hôtel'], q);
      }
      assert.deepEqual(bodies(await search(f, alice, 'file abc123')), ['the ﬁle is ＡＢＣ１２３']);
      assert.deepEqual(bodies(await search(f, alice, 'naïve')), ['nai\u0308ve decomposed']);
      assert.deepEqual(bodies(await search(f, alice, 'NAIVE')), ['nai\u0308ve decomposed']);
    });

    it('[Q1] non-Latin scripts: Cyrillic, Greek, CJK runs; emoji are no tokens', async () => {
      const f = fx();
      const { alice, group } = await setup(f);
      await f.send(group, alice, 'Привет, мир! Ёлка');
      await f.send(group, alice, 'Καλημέρα κόσμε');
      await f.send(group, alice, '東京タワーに行きました');
      await f.send(group, alice, '🎉🎉 party');
      await f.send(group, alice, '🎉');
      assert.deepEqual(bodies(await search(f, alice, 'прив')), ['Привет, мир! Ёлка']);
      assert.deepEqual(bodies(await search(f, alice, 'МИР ёлка')), ['Привет, мир! Ёлка']);
      assert.deepEqual(bodies(await search(f, alice, 'καλημερα')), ['Καλημέρα κόσμε']);
      assert.deepEqual(bodies(await search(f, alice, '東京')), ['東京タワーに行きました']);
      assert.deepEqual(bodies(await search(f, alice, 'タワー')), [], 'a CJK run is one token');
      assert.deepEqual(bodies(await search(f, alice, 'party')), ['🎉🎉 party']);
      assert.deepEqual(searchTokens('🎉'), [], 'an emoji-only query has no terms');
      assert.deepEqual(await search(f, alice, '🎉'), [], 'no prefixes, nothing found');
    });

    it('[Q1] quotes, backslashes and query syntax in a body are plain separators', async () => {
      const f = fx();
      const { alice, group } = await setup(f);
      await f.send(group, alice, `it's "quoted" \\path\\to & a|b !not (x) *star* NEAR:y`);
      for (const q of ['it s', 'quoted', 'path to', 'a b', 'not', 'x star near y']) {
        assert.equal((await search(f, alice, q)).length, 1, q);
      }
      // Prefixes the tokenizer never makes still reach the engine safely (quoted, escaped).
      for (const p of [`'`, `"`, '\\', `it's`, `"quoted"`, `a' | 'b`, 'NEAR(', '*']) {
        assert.deepEqual(await search(f, alice, '', { prefixes: [p] }), [], p);
      }
    });

    it('[Q1] a repeated token and a token past the longest kept still index', async () => {
      const f = fx();
      const { alice, group } = await setup(f);
      const long = 'x'.repeat(70);
      await f.send(group, alice, `echo echo ECHO ${long}`);
      assert.equal((await search(f, alice, 'echo')).length, 1);
      assert.equal((await search(f, alice, long)).length, 1, 'cut alike in body and query');
      assert.equal((await search(f, alice, 'x'.repeat(64))).length, 1);
    });

    it('[Q5] an edit re-indexes at once; a deleted message is never found', async () => {
      const f = fx();
      const { alice, group } = await setup(f);
      const m = await f.send(group, alice, 'first draft about llamas');
      await f.store.editMessage(group.id, m.seq, 'final text about alpacas', f.tick(), {
        mentions: [],
        mentionsAll: false,
      });
      assert.deepEqual(await search(f, alice, 'llamas'), []);
      assert.deepEqual(bodies(await search(f, alice, 'alpacas')), ['final text about alpacas']);
      const found = (await search(f, alice, 'about'))[0];
      assert.equal(found?.seq, m.seq);
      assert.notEqual(found?.editedAt, null);
      await f.store.deleteMessage(group.id, m.seq, f.tick());
      assert.deepEqual(await search(f, alice, 'alpacas'), []);
      assert.deepEqual(await search(f, alice, 'about'), []);
    });

    it('[Q2] only the conversations the user is a member of now; a removed member finds nothing', async () => {
      const f = fx();
      const { alice, bob, carol, group, dm, elsewhere } = await setup(f);
      await f.send(group, alice, 'zebra in the group');
      await f.send(dm, carol, 'zebra in the dm');
      await f.send(elsewhere, bob, 'zebra elsewhere');
      assert.deepEqual(bodies(await search(f, alice, 'zebra')), [
        'zebra in the dm',
        'zebra in the group',
      ]);
      assert.deepEqual(bodies(await search(f, bob, 'zebra')), [
        'zebra elsewhere',
        'zebra in the group',
      ]);
      assert.deepEqual(bodies(await search(f, carol, 'zebra')), [
        'zebra elsewhere',
        'zebra in the dm',
      ]);
      await f.store.removeMember(group.id, bob.id);
      assert.deepEqual(bodies(await search(f, bob, 'zebra')), ['zebra elsewhere']);
      assert.deepEqual(await search(f, bob, 'zebra', { conversationId: group.id }), []);
      const stranger = await f.user();
      assert.deepEqual(await search(f, stranger, 'zebra'), []);
    });

    it('[Q2] filters: one conversation, one sender, both', async () => {
      const f = fx();
      const { alice, bob, carol, group, dm, elsewhere } = await setup(f);
      await f.send(group, alice, 'kiwi from alice');
      await f.send(group, bob, 'kiwi from bob');
      await f.send(dm, carol, 'kiwi from carol');
      await f.send(dm, alice, 'kiwi to carol');
      const q = (options: Partial<SearchQuery>) => search(f, alice, 'kiwi', options);
      assert.deepEqual(bodies(await q({ conversationId: group.id })), [
        'kiwi from bob',
        'kiwi from alice',
      ]);
      assert.deepEqual(bodies(await q({ senderId: alice.id })), [
        'kiwi to carol',
        'kiwi from alice',
      ]);
      assert.deepEqual(bodies(await q({ conversationId: dm.id, senderId: carol.id })), [
        'kiwi from carol',
      ]);
      assert.deepEqual(await q({ conversationId: dm.id, senderId: bob.id }), []);
      assert.deepEqual(await q({ conversationId: elsewhere.id }), [], 'not a member');
      assert.deepEqual(await q({ senderId: 'u-nobody' }), []);
    });

    it('[Q3] newest: pages by id resume after the last without duplicates or gaps', async () => {
      const f = fx();
      const { alice, bob, carol, group, dm } = await setup(f);
      const sent: Message[] = [];
      for (let i = 0; i < 23; i++) {
        const where = i % 3 === 0 ? dm : group;
        const who = where === dm ? carol : i % 2 ? bob : alice;
        sent.push(await f.send(where, who, `mango number ${i}`));
        if (i % 4 === 0) await f.send(group, bob, `papaya ${i}`);
      }
      const all = await search(f, alice, 'mango');
      assert.deepEqual(
        all.map((m) => m.id),
        sent.map((m) => m.id).reverse(),
      );
      const paged: string[] = [];
      let beforeId: string | null = null;
      for (let page = 0; page < 10; page++) {
        const got: Message[] = await search(f, alice, 'mango', {
          limit: 5,
          position: { kind: 'newest', beforeId },
        });
        paged.push(...got.map((m) => m.id));
        if (got.length < 5) break;
        beforeId = got.at(-1)!.id;
      }
      assert.deepEqual(paged, sent.map((m) => m.id).reverse());
    });

    it('[Q3] relevance: the same messages as newest, a shorter message first, ties newest first, offset pages', async () => {
      const f = fx();
      const { alice, group } = await setup(f);
      const short = await f.send(group, alice, 'walrus');
      const long = await f.send(
        group,
        alice,
        'a walrus was seen near the harbour today by several people walking their dogs',
      );
      const twins = [
        await f.send(group, alice, 'walrus twin body'),
        await f.send(group, alice, 'walrus twin body'),
        await f.send(group, alice, 'walrus twin body'),
      ];
      const ranked = await search(f, alice, 'walrus', { order: 'relevance' });
      const newest = await search(f, alice, 'walrus');
      assert.deepEqual(ranked.map((m) => m.id).sort(), newest.map((m) => m.id).sort());
      const at = (m: Message) => ranked.findIndex((r) => r.id === m.id);
      assert.ok(at(short) < at(long), 'the shorter message ranks first');
      assert.deepEqual(
        ranked.filter((m) => m.body === 'walrus twin body').map((m) => m.id),
        twins.map((m) => m.id).reverse(),
        'equal scores: newest first',
      );
      const paged: string[] = [];
      for (let offset = 0; offset < ranked.length; offset += 2) {
        const page = await search(f, alice, 'walrus', {
          order: 'relevance',
          limit: 2,
          position: { kind: 'offset', offset },
        });
        paged.push(...page.map((m) => m.id));
      }
      assert.deepEqual(
        paged,
        ranked.map((m) => m.id),
      );
    });

    it('[Q2] results are decorated like every read: reply preview, reply count, reactions', async () => {
      const f = fx();
      const { alice, bob, group } = await setup(f);
      const root = await f.send(group, alice, 'quokka root');
      await f.send(group, bob, 'quokka reply', f.id('m'), {
        replyTo: root.seq,
        threadRoot: root.seq,
      });
      await f.store.addReaction({
        conversationId: group.id,
        seq: root.seq,
        emoji: '👍',
        userId: bob.id,
        createdAt: f.tick(),
      });
      const [reply, found] = await search(f, alice, 'quokka');
      assert.equal(found?.replyCount, 1);
      assert.deepEqual(found?.reactions, [
        { emoji: '👍', users: [{ userId: bob.id, username: bob.username }] },
      ]);
      assert.equal(reply?.reply?.seq, root.seq);
      assert.equal(reply?.senderName, bob.username);
    });
  });
}
