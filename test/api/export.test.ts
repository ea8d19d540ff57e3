import assert from 'node:assert/strict';
import type { ConversationDto, MemberDto, MessageDto } from '../../src/protocol/schemas.js';
import { before, describe, it } from 'node:test';
import sharp from 'sharp';
import type { Api, TestUser } from '../helpers/api.js';
import { uniqueName } from '../helpers/api.js';
import { testModes, useDeploymentWithUsers } from '../helpers/deployment.js';
import { expectError, expectStatus } from './support.js';

/** The user export archive as rule EX7 describes it (the parts this test reads). */
interface UserArchive {
  format: string;
  version: number;
  account: { id: string; username: string; createdAt: number };
  settings: unknown;
  conversations: {
    conversation: ConversationDto;
    members: MemberDto[];
    messages: MessageDto[];
    myFiles: { id: string; url: string }[];
  }[];
}

for (const mode of testModes())
  describe(`REST: a user's own data export [${mode}]`, () => {
    const world = useDeploymentWithUsers(mode, ['alice', 'bob', 'dave', 'erin']);
    let api: Api;
    let alice: TestUser;
    let bob: TestUser;
    let dave: TestUser;
    let erin: TestUser;
    before(() => {
      ({ api } = world());
      ({ alice, bob, dave, erin } = world().users);
    });

    const download = (user: TestUser) =>
      fetch(`${api.urlFor(user.token)}/api/v1/me/export`, {
        headers: { authorization: `Bearer ${user.token}` },
      });

    it('[EX7][EX8] streams a JSON attachment of the account, conversations, readable messages and own files; once a minute', async () => {
      const res0 = await api.request('POST', '/api/v1/groups', {
        token: alice.token,
        body: { name: uniqueName('g'), members: [bob.username], history: 'joined' },
      });
      expectStatus(res0, 201);
      const group = res0.body.conversation.id as string;
      const early = await api.send(alice, group, 'before dave joined');
      expectStatus(early, 201);
      expectStatus(
        await api.request('POST', `/api/v1/conversations/${group}/members`, {
          token: alice.token,
          body: { username: dave.username },
        }),
        201,
      );
      expectStatus(await api.send(bob, group, 'welcome dave'), 201);
      const png = await sharp({
        create: { width: 40, height: 30, channels: 3, background: '#0a0' },
      })
        .png()
        .toBuffer();
      const up = await fetch(`${api.urlFor(dave.token)}/api/v1/files?name=pic.png`, {
        method: 'POST',
        headers: { authorization: `Bearer ${dave.token}`, 'content-type': 'image/png' },
        body: new Uint8Array(png),
      });
      assert.equal(up.status, 201);
      const fileId = ((await up.json()) as { file: { id: string } }).file.id;
      expectStatus(
        await api.request('POST', `/api/v1/conversations/${group}/messages`, {
          token: dave.token,
          body: { clientMsgId: crypto.randomUUID(), body: 'my picture', attachments: [fileId] },
        }),
        201,
      );
      const dm = await api.dm(dave, erin.username);
      expectStatus(await api.send(erin, dm, 'hi dave'), 201);

      const res = await download(dave);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-disposition') ?? '', /^attachment; filename="parley-/);
      assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
      const archive = (await res.json()) as UserArchive;
      assert.equal(archive.format, 'parley-user-export');
      assert.equal(archive.version, 1);
      assert.deepEqual(Object.keys(archive.account).sort(), ['createdAt', 'id', 'username']);
      assert.equal(archive.account.username, dave.username);
      assert.ok(!JSON.stringify(archive).includes('argon2'), 'no password hash');
      assert.ok(archive.settings);
      const byId = new Map(archive.conversations.map((c) => [c.conversation.id, c]));
      assert.equal(byId.size, 2);
      const g = byId.get(group)!;
      // The history bound applies (rule PG5): dave reads only from his joining on.
      assert.deepEqual(
        g.messages.map((m) => m.body),
        ['welcome dave', 'my picture'],
      );
      assert.deepEqual(
        g.members.map((m) => m.username).sort(),
        [alice.username, bob.username, dave.username].sort(),
      );
      assert.equal(g.myFiles.length, 1);
      const [mine] = g.myFiles as [{ id: string; url: string }];
      assert.equal(mine.id, fileId);
      assert.equal(mine.url, `/api/v1/files/${fileId}`);
      const file = await fetch(`${api.urlFor(dave.token)}${mine.url}`, {
        headers: { authorization: `Bearer ${dave.token}` },
      });
      assert.deepEqual(Buffer.from(await file.arrayBuffer()).length > 0, true);
      assert.deepEqual(
        byId.get(dm)!.messages.map((m) => m.body),
        ['hi dave'],
      );

      // One export a minute per user (EX8); others are not affected.
      const again = await api.request('GET', '/api/v1/me/export', { token: dave.token });
      expectError(again, 429, 'rate_limited');
      const other = await download(erin);
      assert.equal(other.status, 200);
      const erinArchive = await other.json();
      assert.equal(erinArchive.conversations.length, 1);
    });

    it('[EX7] needs a session', async () => {
      const res = await api.request('GET', '/api/v1/me/export');
      assert.equal(res.status, 401);
    });
  });
