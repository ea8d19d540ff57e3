// Authorization matrix, WebSocket half: who gets a group's live events, who may send to it and
// who may sync it over a socket. Negatives are proven deterministically: once a member's socket
// has the entry, a ping/pong round trip on the actor's socket flushes anything the node had
// queued for it, and no frame about the group may be among them.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestUser } from '../helpers/api.js';
import { WsClient, type Frame } from '../helpers/ws.js';
import {
  MISSING,
  actorRules,
  cite,
  expectHelloRefused,
  framesAbout,
  isMessage,
  lastSeq,
  rowsOf,
  sceneFor,
  setUp,
  userOf,
  type Outcome,
  type Scene,
  type World,
} from './world.js';
import { testModes } from '../helpers/deployment.js';

/** One socket action. 401 rows always mean: `hello` refused with `unauthorized`, close 4001. */
interface WsAction {
  what: string;
  rules: string[];
  /** How each outcome reads in a test name. */
  shows: { ok: string; 404: string };
  /** Runs the action for an actor whose hello succeeds (`expect` is 'ok' or 404). */
  run(w: World, s: Scene, me: TestUser, expect: 'ok' | 404): Promise<void>;
}

async function withSockets(
  w: World,
  tokens: string[],
  fn: (clients: WsClient[]) => Promise<void>,
): Promise<void> {
  const clients: WsClient[] = [];
  try {
    for (const token of tokens)
      clients.push((await WsClient.open(w.deployment.urlOf(token), token)).client);
    await fn(clients);
  } finally {
    for (const client of clients) await client.close();
  }
}

const A = {
  live: {
    what: 'receive live events',
    rules: ['G6', 'W6'],
    shows: { ok: 'message frame', 404: 'nothing' },
    async run(w, s, me, expect) {
      const { client, ready } = await WsClient.open(w.deployment.urlOf(me.token), me.token);
      // The witness is a member of every scene: when it has the message, so would the actor.
      await withSockets(w, [w.cast.other.token], async ([witness]) => {
        assert.equal(s.id in ready.cursors, expect === 'ok', 'ready.cursors lists member groups');
        const res = await w.api.send(w.cast.owner, s.id, 'live news');
        const seq: number = res.body.message.seq;
        await witness!.next(isMessage(s.id, seq));
        if (expect === 'ok') {
          await client.next(isMessage(s.id, seq));
        } else {
          await client.roundTrip();
          assert.deepEqual(framesAbout(client, s.id), []);
        }
      }).finally(() => client.close());
    },
  },
  send: {
    what: 'send over the socket',
    rules: ['G6', 'W4'],
    shows: { ok: 'ack', 404: 'not_found' },
    async run(w, s, me, expect) {
      await withSockets(w, [me.token], async ([client]) => {
        const attempt = async (conversationId: string) => {
          const clientMsgId = crypto.randomUUID();
          client!.send({ type: 'send', conversationId, clientMsgId, body: 'by socket' });
          return client!.next(
            (f) => (f.type === 'ack' && f.clientMsgId === clientMsgId) || f.ref === clientMsgId,
          );
        };
        const before = await lastSeq(w, s);
        const answer = await attempt(s.id);
        if (expect === 'ok') {
          assert.equal(answer.type, 'ack', JSON.stringify(answer));
          assert.equal(answer.created, true);
          assert.equal(answer.message.seq, before + 1);
          return;
        }
        assert.equal(answer.type, 'error', JSON.stringify(answer));
        assert.equal(answer.code, 'not_found');
        assert.equal(await lastSeq(w, s), before, 'a refused send stores nothing');
        const missing = await attempt(MISSING);
        assert.deepEqual({ ...missing, ref: '' }, { ...answer, ref: '' }, 'same as no group');
      });
    },
  },
  sync: {
    what: 'sync the group',
    rules: ['G6', 'G4'],
    shows: { ok: 'full timeline', 404: 'conversation.removed' },
    async run(w, s, me, expect) {
      await withSockets(w, [me.token], async ([client]) => {
        const from = client!.frames.length;
        client!.send({ type: 'sync', cursors: { [s.id]: 0 } });
        const synced = await client!.next((f) => f.type === 'synced');
        const entries = client!.frames
          .slice(from)
          .filter(
            (f) =>
              (f.type === 'message' && f.message.conversationId === s.id) ||
              (f.type === 'event' && f.event.conversationId === s.id && 'seq' in f.event),
          )
          .map((f) => (f.type === 'message' ? f.message.seq : f.event.seq));
        if (expect === 'ok') {
          const last = await lastSeq(w, s);
          assert.equal(synced.cursors[s.id], last);
          assert.deepEqual(
            entries,
            Array.from({ length: last }, (_, i) => i + 1),
          );
          return;
        }
        assert.deepEqual(entries, [], 'no timeline entries of the group');
        assert.equal(s.id in synced.cursors, false);
        assert.ok(
          client!.frames.some(
            (f) =>
              f.type === 'event' &&
              f.event.type === 'conversation.removed' &&
              f.event.conversationId === s.id,
          ),
          'conversation.removed',
        );
      });
    },
  },
  typing: {
    what: 'signal typing',
    rules: ['G6', 'G7'],
    shows: { ok: 'members see it', 404: 'not_found' },
    async run(w, s, me, expect) {
      await withSockets(w, [me.token, w.cast.other.token], async ([client, witness]) => {
        const fromMe = (f: Frame) =>
          f.type === 'typing' && f.conversationId === s.id && f.userId === me.id;
        client!.send({ type: 'typing', conversationId: s.id });
        if (expect === 'ok') {
          await witness!.next(fromMe);
          return;
        }
        const refused = await client!.next((f) => f.type === 'error');
        assert.equal(refused.code, 'not_found');
        client!.send({ type: 'typing', conversationId: MISSING });
        const missing = await client!.next((f) => f.type === 'error');
        assert.deepEqual(missing, refused, 'same as no group');
        await witness!.roundTrip();
        assert.equal(witness!.frames.filter(fromMe).length, 0, 'members see nothing');
      });
    },
  },
} satisfies Record<string, WsAction>;

// prettier-ignore
const MATRIX: Array<[WsAction, Outcome[]]> = [
  //       anonymous non-member member admin owner removed deleted
  [A.live, [401,     404,       'ok',  'ok', 'ok', 404,    401]],
  [A.send, [401,     404,       'ok',  'ok', 'ok', 404,    401]],
  [A.sync, [401,     404,       'ok',  'ok', 'ok', 404,    401]],
  [A.typing, [401,   404,       'ok',  'ok', 'ok', 404,    401]],
];

for (const mode of testModes())
  describe(`authorization matrix: WebSocket [${mode}]`, () => {
    let world: World;
    before(async () => {
      world = await setUp(mode);
    });
    after(() => world.deployment.dispose());

    for (const { actor, action, expect } of rowsOf(MATRIX)) {
      const rules = cite([
        ...actorRules(actor),
        ...action.rules,
        ...(expect === 401 ? ['W1'] : []),
      ]);
      const shows =
        expect === 401 ? 'hello refused, 4001' : action.shows[expect === 'ok' ? 'ok' : 404];
      const verb = expect === 'ok' ? 'can' : 'cannot';
      it(`${rules} ${actor} ${verb} ${action.what} (${shows})`, async () => {
        const me = userOf(world.cast, actor);
        if (expect === 401) {
          if (!me) {
            // Before any hello, a frame other than ping is refused without closing the socket.
            const client = await WsClient.connect(world.deployment.url);
            client.send({
              type: 'send',
              conversationId: world.shared.id,
              clientMsgId: 'x',
              body: 'x',
            });
            const refused = await client.next((f) => f.type === 'error');
            assert.equal(refused.code, 'unauthorized');
            await client.roundTrip();
            await client.close();
          }
          return expectHelloRefused(world, me?.token);
        }
        assert.ok(me && expect !== 403);
        await action.run(world, await sceneFor(world, actor, false), me, expect);
      });
    }
  });
