import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Api, TestUser } from '../helpers/api.js';
import { uniqueName } from '../helpers/api.js';
import { testModes, useDeploymentWithUsers, type Deployment } from '../helpers/deployment.js';
import { WsClient, type Frame } from '../helpers/ws.js';

/** The node's open-socket gauge (rule O6), read from its own /metrics. */
async function connections(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('parley_connections '));
  return Number(line?.split(' ')[1]);
}

for (const mode of testModes())
  describe(`WebSocket handshake: one principal per socket [${mode}]`, () => {
    const world = useDeploymentWithUsers(mode, ['owner']);
    let d: Deployment;
    let api: Api;
    let owner: TestUser;

    before(() => {
      ({
        deployment: d,
        api,
        users: { owner },
      } = world());
    });

    /** A member of a new group of `owner`'s, and a second account of the same person. */
    async function attacker() {
      const member = await api.signup(uniqueName('mallory'));
      const other = await api.signup(uniqueName('eve'));
      const group = await api.group(owner, uniqueName('g'), [member.username]);
      const dm = await api.dm(owner, member.username);
      return { member, other, group, dm };
    }

    async function raced(first: TestUser, second: TestUser, how: 'same-write' | 'after-ready') {
      const client = await WsClient.connect(d.urlOf(first));
      const hello = (user: TestUser) => ({ type: 'hello', protocol: 1, token: user.token });
      if (how === 'same-write') client.sendTogether([hello(first), hello(second)]);
      else client.send(hello(first));
      const ready = await client.next((f) => f.type === 'ready');
      if (how === 'after-ready') client.send(hello(second));
      const refused = await client.waitFor((f) => f.type === 'error');
      await client.roundTrip();
      return { client, ready, refused };
    }

    for (const how of ['same-write', 'after-ready'] as const)
      it(`[W1][G6] a second hello (${how}) is refused and the socket stays the first user's: removal, sync, logout, presence, gauge`, async () => {
        const { member, other, group, dm } = await attacker();
        const url = d.urlOf(member);
        const watcher = (await d.open(owner)).client;
        const before = await connections(url);
        const { client, ready, refused } = await raced(member, other, how);
        assert.equal(ready.user.id, member.id, 'the first hello decides the principal');
        assert.equal(refused.code, 'invalid_request');
        assert.equal(client.all('ready').length, 1, 'exactly one ready');
        assert.ok(group in ready.cursors && dm in ready.cursors, 'the member’s conversations');
        assert.equal(await connections(url), before + 1, 'one socket, counted once');

        // Removed from the group: the socket hears the removal, then nothing more of the group.
        const removed = await api.request(
          'DELETE',
          `/api/v1/conversations/${group}/members/${member.username}`,
          { token: owner.token },
        );
        assert.equal(removed.status, 204, JSON.stringify(removed.body));
        await client.next((f) => f.type === 'event' && f.event.type === 'member.removed');
        await api.send(owner, group, 'after the removal');
        const marker = await api.send(owner, dm, 'marker');
        await client.next((f) => f.type === 'message' && f.message.id === marker.body.message.id);
        assert.ok(
          !client.all('message').some((f: Frame) => f.message.body === 'after the removal'),
          'no live delivery of a group the user left',
        );
        client.send({ type: 'sync', cursors: { [group]: 0 } });
        const gone = await client.next((f) => f.type === 'event' || f.type === 'message');
        assert.deepEqual(gone.event, { type: 'conversation.removed', conversationId: group });

        // Logout ends the socket, and with it the user's presence and the gauge's count.
        const logout = await api.request('POST', '/api/v1/auth/logout', { token: member.token });
        assert.equal(logout.status, 204);
        assert.equal(await client.closed(), 4004);
        const offline = await watcher.next(
          (f) => f.type === 'presence' && f.userId === member.id && f.online === false,
        );
        assert.equal(offline.online, false);
        const seen = await api.request('GET', `/api/v1/users/${member.username}`, {
          token: owner.token,
        });
        assert.equal(seen.body.user.online, false, 'no ghost online flag');
        assert.equal(await connections(url), before, 'the gauge is back where it was');
        const otherSeen = await api.request('GET', `/api/v1/users/${other.username}`, {
          token: owner.token,
        });
        assert.equal(otherSeen.body.user.online, false, 'the second token never came online');
        await watcher.close();
      });

    it('[W1] a hello racing the first one’s authentication is refused; the socket works as the first user', async () => {
      const { member, other, dm } = await attacker();
      const client = await WsClient.connect(d.urlOf(member));
      client.send({ type: 'hello', protocol: 1, token: member.token });
      client.send({ type: 'hello', protocol: 1, token: other.token });
      const ready = await client.next((f) => f.type === 'ready');
      assert.equal(ready.user.id, member.id);
      const refused = await client.waitFor((f) => f.type === 'error');
      assert.equal(refused.code, 'invalid_request');
      client.send({ type: 'send', conversationId: dm, clientMsgId: 'c1', body: 'hi' });
      const ack = await client.next((f) => f.type === 'ack');
      assert.equal(ack.message.sender, member.id, 'sends as the first user');
      await client.close();
    });
  });
