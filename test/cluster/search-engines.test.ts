import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openPostgresStore } from '../../src/adapters/postgres/postgres-store.js';
import { openSqliteStore, sqlitePath } from '../../src/adapters/sqlite/sqlite-store.js';
import type { Conversation, User } from '../../src/domain/model.js';
import { snippetOf } from '../../src/format/snippet.js';
import type { Store } from '../../src/ports/store.js';
import { SearchService, type SearchPage, type SearchRequest } from '../../src/services/search.js';
import { startPostgres, type PostgresServer } from '../../src/supervisor/postgres-server.js';

/** A small deterministic generator (mulberry32), so both stores get the same history. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Words of several scripts and forms, some sharing prefixes, some only differing in marks. */
const WORDS = [
  'deploy',
  'deployment',
  'Deployed',
  'release',
  'relay',
  'café',
  'CAFE',
  'cafés',
  'naïve',
  'naive',
  'Straße',
  'strasse',
  'ﬁle',
  'files',
  'ＡＢＣ',
  'abc',
  'Привет',
  'привычка',
  'мир',
  'Ёлка',
  'елка',
  'Καλημέρα',
  'κόσμος',
  '東京',
  '東京タワー',
  'こんにちは',
  '北京',
  'x²',
  'x2',
  'build',
  'builder',
  'bug',
  'bugfix',
  "O'Brien",
  'e-mail',
  'email',
  '#channel',
  '@mention',
  '**bold**',
  '`code`',
  'über',
  'Uber',
  '🎉',
  '👍🏽',
  '2024',
  '2024-12-01',
  'v1.2.3',
];
/** Queries that hit many, few and no messages, with prefixes, AND and folding. */
const QUERIES = [
  'dep',
  'deploy',
  'DEPLOYMENT',
  'rel',
  'cafe',
  'café',
  'naive',
  'NAÏVE',
  'strasse',
  'straße',
  'file',
  'ﬁ',
  'abc',
  'прив',
  'мир ёлка',
  'елка',
  'καλη',
  'κοσμος',
  '東京',
  '北',
  'x2',
  'x',
  'bug fix',
  'bugfix',
  'o brien',
  'e mail',
  'email',
  'channel',
  'mention',
  'bold code',
  'uber',
  '2024',
  '2024 12',
  'v1',
  'deploy cafe',
  'zzz',
  'b',
  'c',
];

const USERS = ['alice', 'bob', 'carol', 'dave', 'erin'];

/**
 * Writes the same history into a store: five users, five conversations, a few hundred messages
 * of mixed words, edits, deletes, and a member removed afterwards.
 */
async function seed(store: Store): Promise<{ users: User[]; conversations: Conversation[] }> {
  const rand = random(15);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
  let time = 1_700_000_000_000;
  const tick = () => (time += 1000);
  const users: User[] = [];
  for (const name of USERS) {
    users.push(
      await store.createUser({
        id: `u-${name}`,
        username: name,
        passwordHash: 'hash',
        createdAt: tick(),
        deletedAt: null,
      }),
    );
  }
  const [alice, bob, carol, dave, erin] = users as [User, User, User, User, User];
  const layout: Array<[string, 'group' | 'dm', User[]]> = [
    ['c-team', 'group', [alice, bob, carol, dave]],
    ['c-ops', 'group', [bob, carol, erin]],
    ['c-ab', 'dm', [alice, bob]],
    ['c-ce', 'dm', [carol, erin]],
    ['c-all', 'group', [alice, bob, carol, dave, erin]],
  ];
  const conversations: Conversation[] = [];
  for (const [id, kind, members] of layout) {
    const at = tick();
    const conversation: Conversation = {
      id,
      kind,
      name: kind === 'group' ? id : null,
      createdBy: members[0]!.id,
      createdAt: at,
      lastSeq: 0,
      lastMessageAt: at,
      allMentions: 'members',
      visibility: 'private',
      history: 'all',
    };
    await store.createConversation(
      conversation,
      kind === 'dm'
        ? members
            .map((m) => m.id)
            .sort()
            .join(':')
        : null,
    );
    for (const [i, user] of members.entries()) {
      await store.addMember({
        conversationId: id,
        userId: user.id,
        role: kind === 'group' && i === 0 ? 'owner' : 'member',
        joinedAt: at,
        lastReadSeq: 0,
      });
    }
    conversations.push(conversation);
  }
  const sent: Array<{ conversationId: string; seq: number }> = [];
  for (let i = 0; i < 400; i++) {
    const [conversationId, , members] = pick(layout);
    const sender = pick(members);
    const words = Array.from({ length: 1 + Math.floor(rand() * 12) }, () => pick(WORDS));
    const createdAt = tick();
    const seq = await store.transaction(async (tx) => {
      await tx.lockConversation(conversationId);
      const next = await tx.nextSeq(conversationId, createdAt, true);
      await tx.insertMessage({
        id: `m-${String(i).padStart(5, '0')}`,
        conversationId,
        seq: next,
        sender: sender.id,
        clientMsgId: `client-${i}`,
        body: words.join(rand() < 0.2 ? '\n' : ' '),
        createdAt,
        editedAt: null,
        deletedAt: null,
        replyTo: null,
        threadRoot: null,
        mentions: [],
        mentionsAll: false,
      });
      return next;
    });
    sent.push({ conversationId, seq });
  }
  // Every 13th message edited, every 17th deleted.
  for (const [i, m] of sent.entries()) {
    if (i % 13 === 0) {
      const body = `edited ${pick(WORDS)} ${pick(WORDS)}`;
      await store.editMessage(m.conversationId, m.seq, body, tick(), {
        mentions: [],
        mentionsAll: false,
      });
    }
    if (i % 17 === 0) await store.deleteMessage(m.conversationId, m.seq, tick());
  }
  await store.removeMember('c-team', dave.id);
  return { users, conversations };
}

/** Every page of a search, following nextCursor. */
async function allPages(service: SearchService, user: User, request: SearchRequest) {
  const pages: SearchPage[] = [];
  let cursor: string | undefined;
  do {
    const page = await service.search(user, { ...request, limit: 25, cursor });
    pages.push(page);
    cursor = page.nextCursor ?? undefined;
  } while (cursor && pages.length < 100);
  return pages;
}

describe('search on SQLite and PostgreSQL (rule Q3): the same history gives the same results', () => {
  let server: PostgresServer;
  let dir: string;
  let sqlite: Store;
  let postgres: Store;
  let users: User[];
  let conversations: Conversation[];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'parley-search-'));
    server = await startPostgres({});
    sqlite = await openSqliteStore(sqlitePath(dir));
    postgres = await openPostgresStore(
      await server.createDatabase('search', { icuLocale: 'en-US' }),
      {
        poolSize: 4,
      },
    );
    ({ users, conversations } = await seed(sqlite));
    await seed(postgres);
  });
  after(async () => {
    await sqlite?.close();
    await postgres?.close();
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const services = () =>
    [sqlite, postgres].map((store) => new SearchService({ store }, { snippet: snippetOf }));

  it('[Q3] order=newest: identical pages (messages, snippets, cursors) for every query, user and filter', async () => {
    const [onSqlite, onPostgres] = services() as [SearchService, SearchService];
    let found = 0;
    let compared = 0;
    for (const user of users) {
      for (const q of QUERIES) {
        const requests: SearchRequest[] = [
          { q },
          { q, conversationId: 'c-team' },
          { q, sender: 'bob' },
        ];
        for (const request of requests) {
          const a = await allPages(onSqlite, user, request);
          const b = await allPages(onPostgres, user, request);
          assert.deepEqual(b, a, `${user.username}: ${JSON.stringify(request)}`);
          found += a.reduce((n, page) => n + page.results.length, 0);
          compared += 1;
        }
      }
    }
    assert.ok(compared === USERS.length * QUERIES.length * 3);
    assert.ok(found > 2000, `the queries found things (${found} results)`);
  });

  it('[Q3] order=relevance: the same set of messages on both engines, each page in score order', async () => {
    const [onSqlite, onPostgres] = services() as [SearchService, SearchService];
    for (const user of users) {
      for (const q of QUERIES) {
        const ids = async (service: SearchService) =>
          (await allPages(service, user, { q, order: 'relevance' })).flatMap((page) =>
            page.results.map((r) => r.message.id),
          );
        const a = await ids(onSqlite);
        const b = await ids(onPostgres);
        assert.equal(new Set(a).size, a.length, 'no duplicates across pages');
        assert.deepEqual([...b].sort(), [...a].sort(), `${user.username}: ${q}`);
        const newest = (await allPages(onSqlite, user, { q })).flatMap((p) =>
          p.results.map((r) => r.message.id),
        );
        assert.deepEqual([...a].sort(), [...newest].sort(), 'relevance finds what newest finds');
      }
    }
  });

  it('[Q2] sanity: removed members, deleted and edited messages, as seeded', async () => {
    const [onSqlite] = services() as [SearchService];
    const dave = users.find((u) => u.username === 'dave')!;
    const daves = (await allPages(onSqlite, dave, { q: 'dep' })).flatMap((p) => p.results);
    assert.ok(daves.length > 0);
    assert.ok(
      daves.every((r) => r.message.conversationId === 'c-all'),
      'dave left c-team',
    );
    const alice = users.find((u) => u.username === 'alice')!;
    const edited = (await allPages(onSqlite, alice, { q: 'edited' })).flatMap((p) => p.results);
    assert.ok(edited.length > 5);
    assert.ok(edited.every((r) => r.message.editedAt !== null && r.message.deletedAt === null));
    assert.ok(conversations.length === 5);
  });
});
