import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import sharp from 'sharp';
import type { Api } from '../helpers/api.js';
import { type TestUser } from '../helpers/api.js';
import { testModes, useDeploymentWithUsers } from '../helpers/deployment.js';
import { expectError, expectStatus } from './support.js';

/** A 600x400 JPEG carrying EXIF (a camera make) that must not survive. */
function jpegWithExif(): Promise<Buffer> {
  return sharp({ create: { width: 600, height: 400, channels: 3, background: '#39c' } })
    .jpeg()
    .withExif({ IFD0: { Make: 'ParleyCam' } })
    .toBuffer();
}

for (const mode of testModes())
  describe(`REST: profiles [${mode}]`, () => {
    const world = useDeploymentWithUsers(mode, ['alice', 'bob', 'carol']);
    let api: Api;
    let alice: TestUser;
    let bob: TestUser;
    let carol: TestUser;
    before(() => {
      ({ api } = world());
      ({ alice, bob, carol } = world().users);
    });

    const patch = (user: TestUser, body: unknown) =>
      api.request('PATCH', '/api/v1/me/profile', { token: user.token, body });
    const profileOf = (viewer: TestUser, username: string) =>
      api.request('GET', `/api/v1/users/${username}/profile`, { token: viewer.token });

    async function putAvatar(user: TestUser, data: Uint8Array | string, type = 'image/jpeg') {
      const res = await fetch(`${api.urlFor(user.token)}/api/v1/me/avatar`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${user.token}`, 'content-type': type },
        body: typeof data === 'string' ? data : new Uint8Array(data),
      });
      const text = await res.text();
      return {
        status: res.status,
        body: text ? JSON.parse(text) : undefined,
        headers: res.headers,
      };
    }

    async function getBytes(user: TestUser, path: string) {
      const res = await fetch(`${api.urlFor(user.token)}${path}`, {
        headers: { authorization: `Bearer ${user.token}` },
      });
      return {
        status: res.status,
        headers: res.headers,
        bytes: Buffer.from(await res.arrayBuffer()),
      };
    }

    it('[PR1][PR2][PR3] a fresh profile is empty; display name and status are set, trimmed, read by others, cleared', async () => {
      const fresh = await profileOf(bob, alice.username);
      expectStatus(fresh, 200);
      assert.deepEqual(
        { ...fresh.body.profile, lastSeenAt: null },
        {
          userId: alice.id,
          username: alice.username,
          displayName: null,
          statusText: null,
          avatarUrl: null,
          lastSeenAt: null,
          online: false,
        },
      );
      const set = await patch(alice, {
        displayName: '  Alice Liddell ',
        statusText: 'In Wonderland 🐇',
      });
      expectStatus(set, 200);
      assert.equal(set.body.profile.displayName, 'Alice Liddell');
      assert.equal(set.body.profile.statusText, 'In Wonderland 🐇');
      const seen = await profileOf(bob, alice.username);
      assert.equal(seen.body.profile.displayName, 'Alice Liddell');
      // A field left out keeps its value; null or blank clears.
      const cleared = await patch(alice, { statusText: '   ' });
      assert.equal(cleared.body.profile.displayName, 'Alice Liddell');
      assert.equal(cleared.body.profile.statusText, null);
      const both = await patch(alice, { displayName: null });
      assert.equal(both.body.profile.displayName, null);
      expectError(await profileOf(bob, 'nobody-here'), 404, 'not_found');
    });

    it('[PR3] limits: 64 code points for the display name, 140 for the status, one line, no controls', async () => {
      const emoji64 = '😀'.repeat(64);
      expectStatus(await patch(carol, { displayName: emoji64 }), 200);
      const long = await patch(carol, { displayName: '😀'.repeat(65) });
      expectError(long, 400, 'invalid_request');
      assert.deepEqual(long.body.error.details, {
        field: 'displayName',
        reason: 'too_long',
        max: 64,
      });
      expectStatus(await patch(carol, { statusText: 'x'.repeat(140) }), 200);
      const status = await patch(carol, { statusText: 'x'.repeat(141) });
      expectError(status, 400, 'invalid_request');
      assert.deepEqual(status.body.error.details, {
        field: 'statusText',
        reason: 'too_long',
        max: 140,
      });
      const lines = await patch(carol, { displayName: 'two\nlines' });
      expectError(lines, 400, 'invalid_request');
      assert.equal(lines.body.error.details.reason, 'multiline');
      const control = await patch(carol, { statusText: 'bell\u0007' });
      expectError(control, 400, 'invalid_request');
      assert.equal(control.body.error.details.reason, 'alphabet');
      expectError(await patch(carol, { displayName: 42 }), 400, 'invalid_request');
      // Nothing refused was stored.
      const now = await profileOf(alice, carol.username);
      assert.equal(now.body.profile.displayName, emoji64);
      assert.equal(now.body.profile.statusText, 'x'.repeat(140));
    });

    it('[PR4] an avatar is re-encoded to a 256x256 WebP without metadata, served cacheable, replaced and removed', async () => {
      const up = await putAvatar(bob, await jpegWithExif());
      expectStatus(up, 200);
      const url: string = up.body.profile.avatarUrl;
      assert.match(url, new RegExp(`^/api/v1/users/${bob.id}/avatar\\?v=[0-9a-z]+$`));
      const got = await getBytes(alice, url);
      assert.equal(got.status, 200);
      assert.equal(got.headers.get('content-type'), 'image/webp');
      assert.equal(got.headers.get('cache-control'), 'private, max-age=31536000, immutable');
      assert.equal(got.headers.get('x-content-type-options'), 'nosniff');
      const meta = await sharp(got.bytes).metadata();
      assert.deepEqual([meta.format, meta.width, meta.height], ['webp', 256, 256]);
      assert.equal(meta.exif, undefined);
      assert.equal(got.bytes.includes(Buffer.from('ParleyCam')), false);
      // Without the current version the answer is not cached for ever.
      const bare = await getBytes(alice, `/api/v1/users/${bob.id}/avatar`);
      assert.equal(bare.headers.get('cache-control'), 'private, no-cache');
      // The profile batch carries the same URL.
      const batch = await api.request('GET', `/api/v1/profiles?ids=${bob.id},${alice.id}`, {
        token: carol.token,
      });
      expectStatus(batch, 200);
      assert.deepEqual(
        batch.body.profiles.map((p: { userId: string; avatarUrl: string | null }) => [
          p.userId,
          p.avatarUrl,
        ]),
        [
          [bob.id, url],
          [alice.id, null],
        ],
      );
      // A PNG replaces it under a new URL.
      const png = await sharp({
        create: { width: 90, height: 300, channels: 4, background: '#0a0' },
      })
        .png()
        .toBuffer();
      const second = await putAvatar(bob, png, 'application/octet-stream');
      expectStatus(second, 200);
      assert.notEqual(second.body.profile.avatarUrl, url);
      const again = await getBytes(alice, second.body.profile.avatarUrl);
      const meta2 = await sharp(again.bytes).metadata();
      assert.deepEqual([meta2.format, meta2.width, meta2.height], ['webp', 256, 256]);
      // Removed: the profile shows none and the image is gone.
      const removed = await api.request('DELETE', '/api/v1/me/avatar', { token: bob.token });
      expectStatus(removed, 200);
      assert.equal(removed.body.profile.avatarUrl, null);
      assert.equal((await getBytes(alice, url)).status, 404);
      assert.equal((await getBytes(alice, `/api/v1/users/${alice.id}/avatar`)).status, 404);
    });

    it('[PR4] refused avatars: not an image, an image that does not decode, empty, over 5 MiB; unauthenticated reads', async () => {
      expectError(
        await putAvatar(carol, 'just some text', 'text/plain'),
        415,
        'unsupported_media_type',
      );
      const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#000' } })
        .png()
        .toBuffer();
      expectError(await putAvatar(carol, png.subarray(0, 40)), 415, 'unsupported_media_type');
      expectError(await putAvatar(carol, new Uint8Array(0)), 400, 'invalid_request');
      const big = Buffer.alloc(5 * 1024 * 1024 + 1, 7);
      big.set(png.subarray(0, 16));
      const tooBig = await putAvatar(carol, big);
      expectError(tooBig, 413, 'payload_too_large');
      assert.equal(tooBig.body.error.details.max, 5 * 1024 * 1024);
      const profile = await profileOf(carol, carol.username);
      assert.equal(profile.body.profile.avatarUrl, null);
      const anon = await fetch(`${api.urlFor(carol.token)}/api/v1/users/${carol.id}/avatar`);
      assert.equal(anon.status, 401);
    });

    it('[PR1][PR4] a deleted account takes its profile along: [deleted], no name, no picture', async () => {
      const erin = await api.signup(`erin${Date.now().toString(36)}`);
      expectStatus(await patch(erin, { displayName: 'Erin', statusText: 'Leaving soon' }), 200);
      const png = await sharp({
        create: { width: 20, height: 20, channels: 3, background: '#f0f' },
      })
        .png()
        .toBuffer();
      const up = await putAvatar(erin, png);
      expectStatus(up, 200);
      const url: string = up.body.profile.avatarUrl;
      const gone = await api.request('DELETE', '/api/v1/me', {
        token: erin.token,
        body: { password: 'correct horse' },
      });
      expectStatus(gone, 204);
      const batch = await api.request('GET', `/api/v1/profiles?ids=${erin.id}`, {
        token: alice.token,
      });
      assert.deepEqual(batch.body.profiles, [
        {
          userId: erin.id,
          username: '[deleted]',
          displayName: null,
          statusText: null,
          avatarUrl: null,
          lastSeenAt: null,
          online: false,
        },
      ]);
      expectError(await profileOf(alice, erin.username), 404, 'not_found');
      assert.equal((await getBytes(alice, url)).status, 404);
    });

    it('[PR2] every profile route needs a session', async () => {
      const routes: Array<[string, string]> = [
        ['GET', `/api/v1/users/${alice.username}/profile`],
        ['GET', `/api/v1/profiles?ids=${alice.id}`],
        ['PATCH', '/api/v1/me/profile'],
        ['PUT', '/api/v1/me/avatar'],
        ['DELETE', '/api/v1/me/avatar'],
        ['GET', `/api/v1/users/${alice.id}/avatar`],
      ];
      for (const [method, path] of routes) {
        const res = await api.request(method, path, method === 'PATCH' ? { body: {} } : {});
        expectError(res, 401, 'unauthorized');
      }
    });

    it('[PR2] batches: at most 100 ids, in the order asked, unknown ids left out', async () => {
      const ids = [carol.id, 'no-such-user', alice.id, carol.id];
      const got = await api.request('GET', `/api/v1/profiles?ids=${ids.join(',')}`, {
        token: bob.token,
      });
      expectStatus(got, 200);
      assert.deepEqual(
        got.body.profiles.map((p: { username: string }) => p.username),
        [carol.username, alice.username],
      );
      const many = Array.from({ length: 101 }, (_, i) => `id${i}`).join(',');
      const over = await api.request('GET', `/api/v1/profiles?ids=${many}`, { token: bob.token });
      expectError(over, 400, 'invalid_request');
      assert.equal(over.body.error.details.max, 100);
      expectError(
        await api.request('GET', '/api/v1/profiles?ids=', { token: bob.token }),
        400,
        'invalid_request',
      );
      expectError(
        await api.request('GET', `/api/v1/profiles?ids=a,,b`, { token: bob.token }),
        400,
        'invalid_request',
      );
    });

    it('[PR5][PR6] last seen: set at login and when the last socket closes; hidden when the user does not share it', async () => {
      const dave = await api.signup(`dave${Date.now().toString(36)}`);
      await api.dm(dave, alice.username);
      const loggedIn = await api.login(dave.username);
      const atLogin = (await profileOf(alice, dave.username)).body.profile.lastSeenAt;
      assert.equal(typeof atLogin, 'number');

      const d = world().deployment;
      const watcher = (await d.open(alice)).client;
      const socket = (await d.open(loggedIn)).client;
      const online = await watcher.next((f) => f.type === 'presence' && f.userId === dave.id);
      assert.equal(online.online, true);
      assert.equal((await profileOf(alice, dave.username)).body.profile.online, true);
      await socket.close();
      const offline = await watcher.next(
        (f) => f.type === 'presence' && f.userId === dave.id && f.online === false,
      );
      assert.equal(offline.online, false);
      const after = (await profileOf(alice, dave.username)).body.profile;
      assert.equal(after.online, false);
      assert.ok(after.lastSeenAt >= atLogin, `${after.lastSeenAt} >= ${atLogin}`);

      // The privacy setting: others read null, the user themselves still sees it.
      const settings = await api.request('PATCH', '/api/v1/me/settings', {
        token: dave.token,
        body: { shareLastSeen: false },
      });
      expectStatus(settings, 200);
      assert.equal(settings.body.settings.shareLastSeen, false);
      assert.equal((await profileOf(alice, dave.username)).body.profile.lastSeenAt, null);
      assert.equal(
        (await profileOf(dave, dave.username)).body.profile.lastSeenAt,
        after.lastSeenAt,
      );
      const batch = await api.request('GET', `/api/v1/profiles?ids=${dave.id}`, {
        token: alice.token,
      });
      assert.equal(batch.body.profiles[0].lastSeenAt, null);
      await api.request('PATCH', '/api/v1/me/settings', {
        token: dave.token,
        body: { shareLastSeen: true },
      });
      assert.equal(
        (await profileOf(alice, dave.username)).body.profile.lastSeenAt,
        after.lastSeenAt,
      );
      await watcher.close();
    });
  });
