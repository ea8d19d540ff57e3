import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openSqliteStore, sqlitePath } from '../../src/adapters/sqlite/sqlite-store.js';
import { RestApi } from '../../src/client/rest.js';
import type { Store } from '../../src/ports/store.js';
import type { TimelineEventDto, TimelineItemDto } from '../../src/protocol/schemas.js';
import { Api as TestApi, uniqueName, type Api, type TestUser } from '../helpers/api.js';
import { testModes, useDeploymentWithUsers, type Deployment } from '../helpers/deployment.js';
import { startTestNode, type TestNode } from '../helpers/node.js';
import { expectError, expectStatus } from './support.js';

const seqOf = (entry: TimelineItemDto) =>
  entry.kind === 'message' ? entry.message.seq : entry.event.seq;
const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

for (const mode of testModes())
  describe(`REST: the timeline [${mode}]`, () => {
    const world = useDeploymentWithUsers(mode, ['alice', 'bob', 'carol', 'dave', 'erin']);
    let d: Deployment;
    let api: Api;
    let alice: TestUser;
    let bob: TestUser;
    let carol: TestUser;
    let dave: TestUser;
    let erin: TestUser;
    before(() => {
      ({ deployment: d, api } = world());
      ({ alice, bob, carol, dave, erin } = world().users);
    });

    const path = (id: string, rest = '') => `/api/v1/conversations/${id}${rest}`;
    const timeline = (user: TestUser | null, id: string, query = '') =>
      api.request('GET', path(id, `/timeline${query}`), user ? { token: user.token } : {});
    /** The client library against the user's own node. */
    const client = (user: TestUser) => new RestApi({ baseUrl: d.urlOf(user), token: user.token });
    const call = async (user: TestUser, method: string, at: string, body?: unknown) => {
      const res = await api.request(method, at, { token: user.token, body });
      assert.ok(res.status < 300, `${method} ${at}: ${res.status} ${JSON.stringify(res.body)}`);
      return res;
    };
    const send = async (user: TestUser, id: string, body: string): Promise<number> => {
      const res = await api.send(user, id, body);
      expectStatus(res, 201);
      return res.body.message.seq as number;
    };

    /**
     * A group whose timeline holds every kind of entry, each at a known seq (18 in all):
     * carol is removed at 9, dave joins at 17 and leaves at 18.
     */
    const busyGroup = async () => {
      const id = await api.group(alice, uniqueName('audit'), [bob.username]); // 1
      const one = await send(alice, id, 'one'); // 2
      const two = await send(bob, id, 'two'); // 3
      await call(alice, 'POST', path(id, '/members'), { username: carol.username }); // 4
      await send(carol, id, 'three'); // 5
      await call(alice, 'PATCH', path(id, `/members/${bob.username}`), { role: 'admin' }); // 6
      await call(alice, 'PATCH', path(id), { name: uniqueName('renamed') }); // 7
      await call(alice, 'PATCH', path(id, `/messages/${one}`), { body: 'one, edited' }); // 8
      await call(alice, 'DELETE', path(id, `/members/${carol.username}`)); // 9
      for (let i = 0; i < 6; i++) await send(i % 2 ? bob : alice, id, `more ${i}`); // 10-15
      await call(bob, 'DELETE', path(id, `/messages/${two}`)); // 16
      await call(alice, 'POST', path(id, '/members'), { username: dave.username }); // 17
      await call(dave, 'POST', path(id, '/leave')); // 18
      return { id, one, two };
    };

    it('[M6][G2] paging with after=nextAfter reads the whole timeline, messages and events, 1..lastSeq with no gap', async () => {
      const { id, one, two } = await busyGroup();
      const pages: Array<{ after: number; body: any }> = [];
      for (let after: number | null = 0; after !== null;) {
        const res = await timeline(bob, id, `?after=${after}&limit=5`);
        expectStatus(res, 200);
        assert.deepEqual(Object.keys(res.body).sort(), ['entries', 'nextAfter']);
        pages.push({ after, body: res.body });
        after = res.body.nextAfter;
      }
      assert.deepEqual(
        pages.map((p) => [p.after, p.body.entries.map(seqOf), p.body.nextAfter]),
        [
          [0, [1, 2, 3, 4, 5], 5],
          [5, [6, 7, 8, 9, 10], 10],
          [10, [11, 12, 13, 14, 15], 15],
          [15, [16, 17, 18], null],
        ],
      );
      const entries: TimelineItemDto[] = pages.flatMap((p) => p.body.entries);
      const conversation = (await call(bob, 'GET', path(id))).body.conversation;
      assert.equal(conversation.lastSeq, 18);
      assert.deepEqual(entries.map(seqOf), range(1, conversation.lastSeq));

      const events = new Map<number, TimelineEventDto>();
      for (const e of entries) if (e.kind === 'event') events.set(e.event.seq, e.event);
      assert.deepEqual(
        [...events].map(([seq, e]) => `${seq} ${e.type}`),
        [
          '1 conversation.created',
          '4 member.added',
          '6 member.role_changed',
          '7 conversation.renamed',
          '8 message.edited',
          '9 member.removed',
          '16 message.deleted',
          '17 member.added',
          '18 member.left',
        ],
      );
      for (const event of events.values()) assert.equal(event.conversationId, id);
      const actors = new Map([...events].map(([seq, e]) => [seq, e.actor]));
      assert.deepEqual(
        [...actors.values()],
        [alice, alice, alice, alice, alice, alice, bob, alice, dave].map((u) => u.id),
      );
      const [added, removed, edited, deleted, left] = [4, 9, 8, 16, 18].map((s) => events.get(s));
      assert.ok(added?.type === 'member.added' && removed?.type === 'member.removed');
      assert.equal(added.data.userId, carol.id);
      assert.equal(removed.data.userId, carol.id);
      assert.ok(edited?.type === 'message.edited');
      assert.deepEqual(edited.data, {
        seq: one,
        body: 'one, edited',
        editedAt: edited.data.editedAt,
        mentions: [],
        mentionsAll: false,
      });
      assert.equal(typeof edited.data.editedAt, 'number');
      assert.ok(deleted?.type === 'message.deleted' && left?.type === 'member.left');
      assert.equal(deleted.data.seq, two);
      assert.equal(left.data.userId, dave.id);

      const messages = entries.flatMap((e) => (e.kind === 'message' ? [e.message] : []));
      assert.deepEqual(
        messages.map((m) => [m.seq, m.body]),
        [
          [2, 'one, edited'],
          [3, ''],
          [5, 'three'],
          [10, 'more 0'],
          [11, 'more 1'],
          [12, 'more 2'],
          [13, 'more 3'],
          [14, 'more 4'],
          [15, 'more 5'],
        ],
      );
      // The same messages as history, field for field.
      assert.deepEqual(messages, (await api.history(bob, id, '?limit=100')).body.messages);
    });

    it('[M6][G4] the entries are the very message and event objects a WebSocket replay sends', async () => {
      const { id } = await busyGroup();
      const entries = await client(bob).fullTimeline(id);
      const { client: socket } = await d.open(bob);
      try {
        socket.send({ type: 'sync', cursors: { [id]: 0 } });
        await socket.next((f) => f.type === 'synced');
        const replayed = socket.frames.filter(
          (f) =>
            (f.type === 'message' && f.message.conversationId === id) ||
            (f.type === 'event' && f.event.conversationId === id && 'seq' in f.event),
        );
        assert.deepEqual(
          replayed,
          entries.map((e) =>
            e.kind === 'message'
              ? { type: 'message', message: e.message }
              : { type: 'event', event: e.event },
          ),
        );
      } finally {
        await socket.close();
      }
    });

    it('[M6] nextAfter: the last seq of a full page (even when nothing follows), null past the end; after defaults to 0 and limit to 100', async () => {
      const id = await api.group(alice, uniqueName('g'), []);
      for (let i = 0; i < 3; i++) await send(alice, id, `m${i}`);
      const full = await timeline(alice, id, '?limit=4');
      expectStatus(full, 200);
      assert.deepEqual(full.body.entries.map(seqOf), [1, 2, 3, 4]);
      assert.equal(full.body.nextAfter, 4);
      const end = await timeline(alice, id, '?after=4&limit=4');
      assert.deepEqual(end.body, { entries: [], nextAfter: null });
      const beyond = await timeline(alice, id, '?after=1000000');
      assert.deepEqual(beyond.body, { entries: [], nextAfter: null });
      const middle = await timeline(alice, id, '?after=2');
      assert.deepEqual(middle.body.entries.map(seqOf), [3, 4]);
      assert.equal(middle.body.nextAfter, null);
      const defaults = await timeline(alice, id);
      assert.deepEqual(defaults.body.entries.map(seqOf), [1, 2, 3, 4]);
      assert.equal(defaults.body.nextAfter, null);

      for (let i = 0; i < 100; i++) await send(alice, id, `bulk ${i}`);
      const page = await client(alice).timeline(id);
      assert.deepEqual(page.entries.map(seqOf), range(1, 100));
      assert.equal(page.nextAfter, 100);
      const rest = await client(alice).timeline(id, { after: page.nextAfter });
      assert.deepEqual(rest.entries.map(seqOf), range(101, 104));
      assert.equal(rest.nextAfter, null);
      const max = await client(alice).timeline(id, { limit: 1000 });
      assert.deepEqual(max.entries.map(seqOf), range(1, 104));
      const all = await client(alice).fullTimeline(id, { limit: 7 });
      assert.deepEqual(all, max.entries);
    });

    it('[M6][M4] a deleted message appears as in history (deletedAt, empty body) and its edit events are erased', async () => {
      const id = await api.group(alice, uniqueName('g'), [bob.username]);
      const seq = await send(alice, id, 'secret');
      await call(alice, 'PATCH', path(id, `/messages/${seq}`), { body: 'secret, edited' });
      await call(alice, 'DELETE', path(id, `/messages/${seq}`));
      const entries = await client(bob).fullTimeline(id);
      assert.deepEqual(
        entries.map((e) => (e.kind === 'message' ? 'message' : e.event.type)),
        ['conversation.created', 'message', 'message.edited', 'message.deleted'],
      );
      const [, message, edited, deleted] = entries;
      assert.ok(message?.kind === 'message');
      assert.equal(message.message.body, '');
      assert.equal(typeof message.message.deletedAt, 'number');
      assert.deepEqual([message.message], (await api.history(bob, id)).body.messages);
      assert.ok(edited?.kind === 'event');
      assert.deepEqual(edited.event.data, { seq, body: '' });
      assert.ok(deleted?.kind === 'event');
      assert.deepEqual(deleted.event.data, { seq, deletedAt: message.message.deletedAt });
      assert.ok(!JSON.stringify(entries).includes('secret'));
    });

    it('[M6][S3] limit outside 1-1000, a negative after and numbers that are not integers are invalid_request', async () => {
      const id = await api.group(alice, uniqueName('g'), []);
      for (const query of [
        '?limit=0',
        '?limit=1001',
        '?limit=-1',
        '?limit=abc',
        '?limit=1.5',
        '?limit=',
        '?after=-1',
        '?after=x',
        '?after=2.5',
        '?after=1e400',
      ]) {
        const res = await timeline(alice, id, query);
        expectError(res, 400, 'invalid_request');
      }
      expectStatus(await timeline(alice, id, '?limit=1000'), 200);
      const one = await timeline(alice, id, '?limit=1');
      assert.deepEqual(one.body.entries.map(seqOf), [1]);
      assert.equal(one.body.nextAfter, 1);
    });

    it('[M6][G6] non-members and unknown ids get not_found, like every conversation route', async () => {
      const id = await api.group(alice, uniqueName('g'), [bob.username]);
      await send(alice, id, 'members only');
      expectError(await timeline(erin, id), 404, 'not_found');
      expectError(await timeline(erin, 'NOSUCHCONVERSATION'), 404, 'not_found');
      expectError(
        await timeline(alice, 'NOSUCHCONVERSATION', '?after=0&limit=10'),
        404,
        'not_found',
      );
      const dm = await api.dm(alice, bob.username);
      await send(alice, dm, 'just us');
      expectError(await timeline(erin, dm), 404, 'not_found');
      const mine = await client(bob).fullTimeline(dm);
      assert.deepEqual(
        mine.map(seqOf),
        [1],
        'a DM has no conversation.created: seq 1 is the message',
      );
    });

    it('[M6][G6][C7][C9] a removed member and one who left get not_found; the others still read', async () => {
      const id = await api.group(alice, uniqueName('g'), [bob.username, carol.username]);
      await send(carol, id, 'before');
      expectStatus(await timeline(carol, id), 200);
      await call(alice, 'DELETE', path(id, `/members/${carol.username}`));
      expectError(await timeline(carol, id), 404, 'not_found');
      await call(bob, 'POST', path(id, '/leave'));
      expectError(await timeline(bob, id), 404, 'not_found');
      const entries = await client(alice).fullTimeline(id);
      assert.deepEqual(
        entries.map((e) => (e.kind === 'message' ? 'message' : e.event.type)),
        ['conversation.created', 'message', 'member.removed', 'member.left'],
      );
    });

    it('[M6][H4] without a valid token: unauthorized', async () => {
      const id = await api.group(alice, uniqueName('g'), []);
      expectError(await timeline(null, id), 401, 'unauthorized');
      const forged = { ...alice, token: 'not-a-session-token' };
      expectError(await timeline(forged, id), 401, 'unauthorized');
    });

    it('[M6][G2] reads during concurrent sends, edits and membership changes are gap-free', async () => {
      const id = await api.group(alice, uniqueName('g'), [bob.username, carol.username]);
      let writing = true;
      const writers = (async () => {
        try {
          for (let round = 0; round < 10; round++) {
            const seqs = await Promise.all([
              ...range(1, 4).map((i) => send(alice, id, `a${round}.${i}`)),
              ...range(1, 4).map((i) => send(bob, id, `b${round}.${i}`)),
            ]);
            await Promise.all([
              call(alice, 'PATCH', path(id, `/messages/${seqs[0]}`), { body: 'edited' }),
              call(bob, 'DELETE', path(id, `/messages/${seqs[4]}`)),
              round % 2
                ? call(alice, 'DELETE', path(id, `/members/${dave.username}`))
                : call(alice, 'POST', path(id, '/members'), { username: dave.username }),
            ]);
          }
        } finally {
          writing = false;
        }
      })();
      let reads = 0;
      while (writing || reads < 3) {
        const entries = await client(carol).fullTimeline(id, { limit: 7 });
        assert.deepEqual(entries.map(seqOf), range(1, entries.length), `read ${reads}`);
        reads += 1;
      }
      await writers;
      const lastSeq = (await call(carol, 'GET', path(id))).body.conversation.lastSeq;
      assert.equal(lastSeq, 1 + 10 * 11);
      const entries = await client(carol).fullTimeline(id, { limit: 1000 });
      assert.deepEqual(entries.map(seqOf), range(1, lastSeq));
    });

    it('[M6][H1] the OpenAPI document describes the route, its query bounds and its page', async () => {
      const doc = (await api.request('GET', '/api/v1/openapi.json')).body;
      const op = doc.paths['/api/v1/conversations/{id}/timeline']?.get;
      assert.ok(op, 'GET /api/v1/conversations/{id}/timeline is documented');
      assert.match(op.summary, /nextAfter/);
      const params = Object.fromEntries(op.parameters.map((p: any) => [p.name, p]));
      assert.equal(params.id.in, 'path');
      assert.equal(params.after.in, 'query');
      assert.equal(params.after.schema.minimum, 0);
      assert.equal(params.limit.schema.minimum, 1);
      assert.equal(params.limit.schema.maximum, 1000);
      for (const status of ['200', '400', '401', '404']) assert.ok(op.responses[status], status);
      const schemas = doc.components.schemas;
      const page = JSON.stringify(op.responses['200'].content['application/json'].schema);
      assert.match(page, /#\/components\/schemas\/TimelinePage/);
      assert.deepEqual([...schemas.TimelinePage.required].sort(), ['entries', 'nextAfter']);
      const item = JSON.stringify(schemas.TimelineItem);
      assert.match(item, /#\/components\/schemas\/Message"/);
      assert.match(item, /#\/components\/schemas\/TimelineEvent"/);
    });
  });

/** Commits to land around the next timeline read of the store: just before it, just after it. */
interface Race {
  before?: () => Promise<void>;
  after?: () => Promise<void>;
}

/**
 * A store whose next timeline read runs `race.before` first and `race.after` once it has read.
 * The store reads the timeline in one statement (see SqlOps.listTimeline), so these are the
 * only two points where a commit can land relative to it; the contract suite checks the
 * statement itself under concurrent writers on every engine.
 */
function storeWithCommitsAroundRead(store: Store, race: Race): Store {
  const listTimeline = async (conversationId: string, afterSeq: number, limit: number) => {
    const { before, after } = race;
    race.before = race.after = undefined;
    await before?.();
    const entries = await store.listTimeline(conversationId, afterSeq, limit);
    await after?.();
    return entries;
  };
  return new Proxy(store, {
    get(target, property) {
      if (property === 'listTimeline') return listTimeline;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
    },
  });
}

// The commits are forced through a wrapped SQLite store; what is tested is the route's page
// around the store's read, which is the same for every engine, so this runs embedded only.
describe('REST: the timeline while commits land around its read [embedded]', () => {
  const race: Race = {};
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-timeline-'));
  let node: TestNode | undefined;
  let api: TestApi;
  before(async () => {
    const store = storeWithCommitsAroundRead(await openSqliteStore(sqlitePath(dataDir)), race);
    node = await startTestNode({ dataDir, overrides: { store } });
    api = new TestApi(node.url);
  });
  after(async () => {
    await node?.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('[M6][W5][G2] an event and a message committed after the membership check or during the response never show as a gap, nor cut the page short', async () => {
    const alice = await api.signup(uniqueName('alice'));
    const id = await api.group(alice, uniqueName('g'), []);
    const sent = await api.send(alice, id, 'first');
    expectStatus(sent, 201);
    const rest = new RestApi({ baseUrl: api.baseUrl, token: alice.token });
    const editAndSend = (clientMsgId: string) => async () => {
      await rest.editMessage(id, sent.body.message.seq, `edited for ${clientMsgId}`); // an event
      await rest.request('POST', `/api/v1/conversations/${id}/messages`, {
        clientMsgId,
        body: clientMsgId,
      }); // a message
    };

    race.before = editAndSend('before'); // seqs 3 and 4
    const landedBefore = await rest.timeline(id, { limit: 3 });
    assert.equal(race.before, undefined, 'the wrapped read ran');
    assert.deepEqual(landedBefore.entries.map(seqOf), [1, 2, 3], 'a full page, no gap');
    assert.equal(landedBefore.nextAfter, 3);

    race.after = editAndSend('after'); // seqs 5 and 6
    const landedAfter = await rest.timeline(id, { after: 3 });
    assert.equal(race.after, undefined, 'the wrapped read ran');
    assert.deepEqual(landedAfter.entries.map(seqOf), [4], 'the timeline as read');
    assert.equal(landedAfter.nextAfter, null);
    assert.deepEqual((await rest.fullTimeline(id)).map(seqOf), range(1, 6));
  });
});
