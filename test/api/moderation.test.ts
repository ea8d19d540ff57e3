import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { locationOf, setAdminAt } from '../../src/cli/admin-local.js';
import type { AuditEntryDto } from '../../src/protocol/admin-schemas.js';
import type { MemberDto, TimelinePageDto } from '../../src/protocol/schemas.js';
import type { Api } from '../helpers/api.js';
import { uniqueName, type TestUser } from '../helpers/api.js';
import { startDeployment, testModes, type Deployment } from '../helpers/deployment.js';
import { WsClient, type Frame } from '../helpers/ws.js';
import { expectError, expectStatus } from './support.js';

for (const mode of testModes())
  describe(`REST: moderation in groups [${mode}]`, () => {
    let d: Deployment;
    let api: Api;
    let owner: TestUser;
    let admin: TestUser;
    let member: TestUser;
    let other: TestUser;
    let root: TestUser;

    before(async () => {
      d = await startDeployment(mode);
      api = d.api;
      owner = await api.signup(uniqueName('owner'));
      admin = await api.signup(uniqueName('admin'));
      member = await api.signup(uniqueName('member'));
      other = await api.signup(uniqueName('other'));
      root = await api.signup(uniqueName('root'));
      await setAdminAt(locationOf(d.nodes[0]!.config), root.username, true);
    });
    after(() => d.dispose());

    const path = (id: string, rest = '') => `/api/v1/conversations/${id}${rest}`;
    const team = async () => {
      const id = await api.group(owner, uniqueName('team'), [
        admin.username,
        member.username,
        other.username,
      ]);
      expectStatus(
        await api.request('PATCH', path(id, `/members/${admin.username}`), {
          token: owner.token,
          body: { role: 'admin' },
        }),
        200,
      );
      return id;
    };
    const sent = async (user: TestUser, id: string, body: string) => {
      const res = await api.send(user, id, body);
      expectStatus(res, 201);
      return res.body.message.seq as number;
    };
    const remove = (user: TestUser, id: string, seq: number) =>
      api.request('DELETE', path(id, `/messages/${seq}`), { token: user.token });
    const read = async (id: string, seq: number) =>
      (await api.request('GET', path(id, `/messages/${seq}`), { token: owner.token })).body.message;
    const deletedEvent = async (id: string, seq: number) => {
      const res = await api.request('GET', path(id, '/timeline'), { token: owner.token });
      for (const e of (res.body as TimelinePageDto).entries)
        if (e.kind === 'event' && e.event.type === 'message.deleted' && e.event.data.seq === seq)
          return e.event;
      assert.fail(`no message.deleted event for #${seq}`);
    };

    it('[PG8][M4] a sender deletes their own: deletedBy null, no by', async () => {
      const id = await team();
      const seq = await sent(member, id, 'mine');
      expectStatus(await remove(member, id, seq), 204);
      assert.equal((await read(id, seq)).deletedBy, null);
      const event = await deletedEvent(id, seq);
      assert.equal(event.data.by, undefined);
    });

    it('[PG8] owners and admins remove lower roles’ messages; by and deletedBy name them', async () => {
      const id = await team();
      const a = await sent(member, id, 'rude');
      expectStatus(await remove(owner, id, a), 204);
      const removed = await read(id, a);
      assert.equal(removed.deletedBy, owner.id);
      assert.equal(removed.body, '');
      assert.deepEqual((await deletedEvent(id, a)).data.by, {
        userId: owner.id,
        username: owner.username,
      });
      const b = await sent(member, id, 'rude again');
      expectStatus(await remove(admin, id, b), 204);
      assert.equal((await read(id, b)).deletedBy, admin.id);
      // Idempotent.
      expectStatus(await remove(admin, id, b), 204);
      // Rank rules: an admin cannot remove the owner's message; the owner removes an admin's.
      const ownerSeq = await sent(owner, id, 'from the owner');
      expectError(await remove(admin, id, ownerSeq), 403, 'forbidden');
      const adminSeq = await sent(admin, id, 'from the admin');
      expectStatus(await remove(owner, id, adminSeq), 204);
      // Members remove only their own.
      const otherSeq = await sent(other, id, 'from other');
      expectError(await remove(member, id, otherSeq), 403, 'forbidden');
      expectError(await remove(root, id, 999_999), 404, 'not_found');
    });

    it('[PG9] a server admin removes a message anywhere, member or not; audited as message.removed', async () => {
      const id = await team();
      const seq = await sent(member, id, 'reported');
      expectStatus(await remove(root, id, seq), 204);
      assert.equal((await read(id, seq)).deletedBy, root.id);
      assert.deepEqual((await deletedEvent(id, seq)).data.by, {
        userId: root.id,
        username: root.username,
      });
      const audit = await api.request('GET', '/api/v1/admin/audit?limit=100', {
        token: root.token,
      });
      expectStatus(audit, 200);
      const entry = (audit.body.entries as AuditEntryDto[]).find(
        (e) => e.action === 'message.removed' && e.targetConversationId === id,
      );
      assert.ok(entry, JSON.stringify(audit.body.entries));
      assert.equal(entry.actor?.userId, root.id);
      assert.equal(entry.targetUser?.userId, member.id);
      assert.deepEqual(entry.data, { seq });
      // A non-member who is not a server admin learns nothing.
      const outsider = await api.signup(uniqueName('outsider'));
      expectError(await remove(outsider, id, seq), 404, 'not_found');
    });

    it('[PG10][PG11] a muted member cannot send over REST or WebSocket; the list shows mutedUntil; unmute', async () => {
      const id = await team();
      const mute = (user: TestUser, username: string, body: unknown) =>
        api.request('PUT', path(id, `/members/${username}/mute`), { token: user.token, body });
      expectError(await mute(owner, member.username, { minutes: 0 }), 400, 'invalid_request');
      expectError(await mute(owner, member.username, { minutes: 43_201 }), 400, 'invalid_request');
      expectError(await mute(owner, member.username, { minutes: 1.5 }), 400, 'invalid_request');
      expectError(await mute(admin, owner.username, { minutes: 5 }), 403, 'forbidden');
      expectError(await mute(member, other.username, { minutes: 5 }), 403, 'forbidden');
      expectError(await mute(owner, owner.username, { minutes: 5 }), 403, 'forbidden');
      const before = Date.now();
      const muted = await mute(admin, member.username, { minutes: 10 });
      expectStatus(muted, 200);
      const until = muted.body.member.mutedUntil as number;
      assert.ok(until >= before + 10 * 60_000 && until <= Date.now() + 10 * 60_000);

      const refused = await api.send(member, id, 'let me talk');
      expectError(refused, 403, 'member_muted');
      assert.equal(refused.body.error.details.mutedUntil, until);
      const { client } = await WsClient.open(d.urlOf(member), member.token);
      client.send({ type: 'send', conversationId: id, clientMsgId: uniqueName('c'), body: 'ws' });
      const error = await client.next((f: Frame) => f.type === 'error');
      assert.equal(error.code, 'member_muted');
      assert.deepEqual(error.details, { mutedUntil: until }, 'the same details as REST');
      await client.close();

      // Everyone sees the mute in the member list; the event names the member and the time.
      const list = await api.request('GET', path(id, '/members'), { token: other.token });
      const members = list.body.members as MemberDto[];
      const row = members.find((m) => m.userId === member.id);
      assert.equal(row?.mutedUntil, until);
      assert.ok(members.every((m) => m.userId === member.id || m.mutedUntil === null));
      const timeline = await api.request('GET', path(id, '/timeline'), { token: owner.token });
      const mutes = (page: TimelinePageDto) =>
        page.entries.flatMap((e) =>
          e.kind === 'event' && e.event.type === 'member.muted' ? [e.event.data] : [],
        );
      const events = mutes(timeline.body as TimelinePageDto);
      assert.deepEqual(events, [{ userId: member.id, username: member.username, until }]);

      const unmuted = await api.request('DELETE', path(id, `/members/${member.username}/mute`), {
        token: owner.token,
      });
      expectStatus(unmuted, 200);
      assert.equal(unmuted.body.member.mutedUntil, null);
      await sent(member, id, 'thanks');
      // Unmuting again writes no second event.
      expectStatus(
        await api.request('DELETE', path(id, `/members/${member.username}/mute`), {
          token: owner.token,
        }),
        200,
      );
      const after = await api.request('GET', path(id, '/timeline'), { token: owner.token });
      assert.equal(mutes(after.body as TimelinePageDto).length, 2);
    });
  });
