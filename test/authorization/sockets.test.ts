// Authorization of sockets that are already open when membership or the session changes:
// removal and leaving cut a socket off the group at once (G6, C7, C9), logout closes exactly
// that session's sockets (A5), account deletion closes all of them (A6), group deletion tells
// members (C5), and an addition starts delivery (C6).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ApiResponse, TestUser } from '../helpers/api.js';
import { uniqueName } from '../helpers/api.js';
import { WsClient, type Frame } from '../helpers/ws.js';
import {
  closeCodeOf,
  expectError,
  expectHelloRefused,
  expectStatus,
  framesAbout,
  isMessage,
  makeScene,
  setUp,
  type Scene,
  type World,
} from './world.js';
import { testModes } from '../helpers/deployment.js';

const conv = (s: Scene) => `/api/v1/conversations/${s.id}`;

async function openAll(w: World, tokens: string[]): Promise<WsClient[]> {
  const clients: WsClient[] = [];
  for (const token of tokens)
    clients.push((await WsClient.open(w.deployment.urlOf(token), token)).client);
  return clients;
}

async function closeAll(clients: WsClient[]): Promise<void> {
  for (const client of clients) await client.close();
}

const isEvent =
  (conversationId: string, type: string, userId?: string) =>
  (f: Frame): boolean =>
    f.type === 'event' &&
    f.event.conversationId === conversationId &&
    f.event.type === type &&
    (userId === undefined || f.event.data?.userId === userId);

/** Ways a member leaves a group; afterwards their open sockets must get nothing more of it. */
const DEPARTURES: Array<{
  rules: string;
  how: string;
  event: string;
  depart: (w: World, s: Scene) => Promise<ApiResponse>;
}> = [
  {
    rules: '[G6][C7]',
    how: 'removed by the owner',
    event: 'member.removed',
    depart: (w, s) =>
      w.api.request('DELETE', `${conv(s)}/members/${w.cast.member.username}`, {
        token: w.cast.owner.token,
      }),
  },
  {
    rules: '[G6][C7]',
    how: 'removed by an admin',
    event: 'member.removed',
    depart: (w, s) =>
      w.api.request('DELETE', `${conv(s)}/members/${w.cast.member.username}`, {
        token: w.cast.admin.token,
      }),
  },
  {
    rules: '[G6][C9]',
    how: 'leaving',
    event: 'member.left',
    depart: (w, s) => w.api.request('POST', `${conv(s)}/leave`, { token: w.cast.member.token }),
  },
];

for (const mode of testModes())
  describe(`authorization of open sockets [${mode}]`, () => {
    let world: World;
    before(async () => {
      world = await setUp(mode);
    });
    after(() => world.deployment.dispose());

    for (const { rules, how, event, depart } of DEPARTURES) {
      it(`${rules} a member's open sockets get ${event} about themselves, then nothing more of the group (${how})`, async () => {
        const { api, cast } = world;
        const s = await makeScene(api, cast);
        const [gone1, gone2, other, admin] = await openAll(world, [
          cast.member.token,
          cast.member.token,
          cast.other.token,
          cast.admin.token,
        ]);
        try {
          expectStatus(await depart(world, s), 204);
          const marks: Array<[WsClient, number]> = [];
          for (const gone of [gone1!, gone2!]) {
            const frame = await gone.next(isEvent(s.id, event, cast.member.id));
            marks.push([gone, gone.frames.indexOf(frame) + 1]);
          }

          // A typing signal, a message and an event after the departure reach the remaining
          // members; once they have all three, a round trip flushes the departed sockets.
          other!.send({ type: 'typing', conversationId: s.id });
          await admin!.next((f) => f.type === 'typing' && f.conversationId === s.id);
          const sent = await api.send(cast.owner, s.id, 'after you left');
          expectStatus(sent, 201);
          await other!.next(isMessage(s.id, sent.body.message.seq));
          expectStatus(
            await api.request('PATCH', conv(s), { token: cast.owner.token, body: { name: 'new' } }),
            200,
          );
          await other!.next(isEvent(s.id, 'conversation.renamed'));
          for (const [gone, mark] of marks) {
            await gone.roundTrip();
            assert.deepEqual(framesAbout(gone, s.id, mark), [], 'nothing after the departure');
            assert.equal(gone.closeCode, null, 'the socket itself stays open');
          }

          // The socket cannot act on the group any more either.
          gone1!.send({ type: 'send', conversationId: s.id, clientMsgId: 'late', body: 'hello?' });
          const refused = await gone1!.next((f) => f.ref === 'late');
          assert.equal(refused.code, 'not_found');
          expectError(await api.request('GET', conv(s), { token: cast.member.token }), 404);
        } finally {
          await closeAll([gone1!, gone2!, other!, admin!]);
        }
      });
    }

    it("[G6][C6][W6] an added user's open socket gets conversation.added, then the group live", async () => {
      const { api, cast } = world;
      const s = await makeScene(api, cast);
      const [joiner, other] = await openAll(world, [cast.candidate.token, cast.other.token]);
      try {
        const added = await api.request('POST', `${conv(s)}/members`, {
          token: cast.admin.token,
          body: { username: cast.candidate.username },
        });
        expectStatus(added, 201);
        await joiner!.next(isEvent(s.id, 'conversation.added'));
        await joiner!.next(isEvent(s.id, 'member.added', cast.candidate.id));
        const sent = await api.send(cast.other, s.id, 'welcome');
        await joiner!.next(isMessage(s.id, sent.body.message.seq));
        await other!.next(isMessage(s.id, sent.body.message.seq));
      } finally {
        await closeAll([joiner!, other!]);
      }
    });

    it("[G6][A5][W8] logout closes that session's sockets with 4004; another session stays open and receiving", async () => {
      const { api, cast } = world;
      const s = await makeScene(api, cast);
      const ending = await api.login(cast.member.username, cast.member.password);
      const staying = await api.login(cast.member.username, cast.member.password);
      const [a1, a2, b] = await openAll(world, [ending.token, ending.token, staying.token]);
      try {
        const out = await api.request('POST', '/api/v1/auth/logout', { token: ending.token });
        expectStatus(out, 204);
        assert.equal(await closeCodeOf(a1!), 4004);
        assert.equal(await closeCodeOf(a2!), 4004);

        const sent = await api.send(cast.owner, s.id, 'still there?');
        await b!.next(isMessage(s.id, sent.body.message.seq));
        await b!.roundTrip();
        assert.equal(b!.closeCode, null);

        // The ended token stops working at once, over REST and WebSocket; the other one works.
        expectError(await api.request('GET', '/api/v1/me', { token: ending.token }), 401);
        expectError(await api.request('GET', conv(s), { token: ending.token }), 401);
        await expectHelloRefused(world, ending.token);
        expectStatus(await api.request('GET', '/api/v1/me', { token: staying.token }), 200);
      } finally {
        await closeAll([a1!, a2!, b!]);
      }
    });

    it('[G6][A6][W8] account deletion closes every socket of the user with 4004 and ends every session', async () => {
      const { api, cast } = world;
      const leaver: TestUser = await api.signup(uniqueName('leaver'));
      const second = await api.login(leaver.username, leaver.password);
      const s = await makeScene(api, cast, [leaver]);
      const [l1, l2, other] = await openAll(world, [leaver.token, second.token, cast.other.token]);
      try {
        // A wrong password is refused and ends nothing.
        const wrong = await api.request('DELETE', '/api/v1/me', {
          token: leaver.token,
          body: { password: 'not the password' },
        });
        expectError(wrong, 403);
        await l1!.roundTrip();
        await l2!.roundTrip();
        assert.equal(l1!.closeCode ?? l2!.closeCode, null);

        const gone = await api.request('DELETE', '/api/v1/me', {
          token: second.token,
          body: { password: leaver.password },
        });
        expectStatus(gone, 204);
        assert.equal(await closeCodeOf(l1!), 4004);
        assert.equal(await closeCodeOf(l2!), 4004);
        const left = await other!.next(isEvent(s.id, 'member.left', leaver.id));
        assert.equal(left.event.data.reason, 'account_deleted');

        for (const token of [leaver.token, second.token]) {
          expectError(await api.request('GET', '/api/v1/me', { token }), 401);
          expectError(await api.request('GET', conv(s), { token }), 401);
          await expectHelloRefused(world, token);
        }
      } finally {
        await closeAll([l1!, l2!, other!]);
      }
    });

    it("[G6][C5][W6] deleting the group sends conversation.deleted to members' sockets, nothing to others", async () => {
      const { api, cast } = world;
      const s = await makeScene(api, cast);
      const [member, admin, outsider, removed] = await openAll(world, [
        cast.member.token,
        cast.admin.token,
        cast.outsider.token,
        cast.removed.token,
      ]);
      try {
        expectStatus(await api.request('DELETE', conv(s), { token: cast.owner.token }), 204);
        for (const client of [member!, admin!]) {
          await client.next(isEvent(s.id, 'conversation.deleted'));
        }
        for (const client of [outsider!, removed!]) {
          await client.roundTrip();
          assert.deepEqual(framesAbout(client, s.id), []);
        }
        expectError(await api.request('GET', conv(s), { token: cast.member.token }), 404);
        member!.send({ type: 'send', conversationId: s.id, clientMsgId: 'gone', body: 'hello?' });
        assert.equal((await member!.next((f) => f.ref === 'gone')).code, 'not_found');
      } finally {
        await closeAll([member!, admin!, outsider!, removed!]);
      }
    });

    it("[G6][C7][R4][R9] a removed member's open socket gets no more reactions or read receipts of the group", async () => {
      const { api, cast } = world;
      const s = await makeScene(api, cast);
      const react = (user: TestUser, emoji: string, method = 'PUT') =>
        api.request(
          method,
          `${conv(s)}/messages/${s.seqs[cast.other.id]}/reactions/${encodeURIComponent(emoji)}`,
          { token: user.token },
        );
      const [gone, admin] = await openAll(world, [cast.member.token, cast.admin.token]);
      try {
        // While a member, the socket gets reactions live.
        expectStatus(await react(cast.owner, '👍'), 200);
        await gone!.next(isEvent(s.id, 'reaction.added', cast.owner.id));
        expectStatus(
          await api.request('DELETE', `${conv(s)}/members/${cast.member.username}`, {
            token: cast.owner.token,
          }),
          204,
        );
        const removedFrame = await gone!.next(isEvent(s.id, 'member.removed', cast.member.id));
        const mark = gone!.frames.indexOf(removedFrame) + 1;

        expectStatus(await react(cast.owner, '🎉'), 200);
        expectStatus(await react(cast.owner, '👍', 'DELETE'), 200);
        await admin!.next(isEvent(s.id, 'reaction.removed', cast.owner.id));
        const read = await api.request('POST', `${conv(s)}/read`, {
          token: cast.other.token,
          body: { seq: s.seqs[cast.other.id] },
        });
        expectStatus(read, 200);
        await admin!.next(
          (f) =>
            f.type === 'event' && f.event.type === 'receipt' && f.event.userId === cast.other.id,
        );
        await gone!.roundTrip();
        assert.deepEqual(framesAbout(gone!, s.id, mark), [], 'nothing after the removal');
        // Nor can the removed member react any more.
        expectError(await react(cast.member, '👍'), 404);
      } finally {
        await closeAll([gone!, admin!]);
      }
    });
  });
