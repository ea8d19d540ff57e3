import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Api } from '../helpers/api.js';
import { uniqueName, type TestUser } from '../helpers/api.js';
import { startDeployment, testModes, type Deployment } from '../helpers/deployment.js';
import { WsClient } from '../helpers/ws.js';
import { grantAdmin } from './registration-support.js';
import { startSmtpSink, type SmtpSink } from './smtp-sink.js';
import { expectError, expectStatus } from './support.js';

const PASSWORD = 'correct horse';

/** The reset token of a link `<base>/reset/<token>`. */
function tokenOf(url: string): string {
  const match = /\/reset\/([A-Za-z0-9_-]+)$/.exec(url);
  assert.ok(match, url);
  return match[1]!;
}

for (const mode of testModes())
  describe(`REST: passwords and email [${mode}]`, () => {
    let d: Deployment;
    let api: Api;
    let admin: TestUser;

    before(async () => {
      d = await startDeployment(mode);
      api = d.api;
      admin = await api.signup(uniqueName('adm'));
      await grantAdmin(d, admin.username);
    });
    after(() => d.dispose());

    const login = (username: string, password: string) =>
      api.request('POST', '/api/v1/auth/login', { body: { username, password } });
    const me = (token: string) => api.request('GET', '/api/v1/me', { token });

    it('[RG6] changing the password ends the other sessions (their sockets close on every node), this one stays', async () => {
      const user = await api.signup(uniqueName('pw'));
      const second = await api.login(user.username);
      // The other session's socket, on the last node (in cluster mode not the one answering).
      const socket = await WsClient.open(d.nodes[d.nodes.length - 1]!.url, second.token);
      const change = (body: object) =>
        api.request('POST', '/api/v1/me/password', { token: user.token, body });
      expectError(
        await change({ currentPassword: 'wrong password', newPassword: 'new horse battery' }),
        403,
        'forbidden',
      );
      expectError(
        await change({ currentPassword: PASSWORD, newPassword: 'short' }),
        400,
        'invalid_request',
      );
      expectError(
        await change({ currentPassword: PASSWORD, newPassword: 'x'.repeat(129) }),
        400,
        'invalid_request',
      );
      expectError(await change({ currentPassword: PASSWORD }), 400, 'invalid_request');
      expectStatus(await me(second.token), 200);
      expectStatus(
        await change({ currentPassword: PASSWORD, newPassword: 'new horse battery' }),
        204,
      );
      assert.equal(await socket.client.closed(), 4004);
      expectError(await me(second.token), 401, 'unauthorized');
      expectStatus(await me(user.token), 200);
      expectError(await login(user.username, PASSWORD), 401, 'invalid_credentials');
      expectStatus(await login(user.username, 'new horse battery'), 200);
    });

    it('[RG6] a wrong current password counts as a failed password check (rate_limited once too many)', async () => {
      const limited = await startDeployment('embedded', {
        config: { passwordFailuresPerAccount: 2, passwordFailuresPerIp: 1000 },
      });
      try {
        const user = await limited.api.signup(uniqueName('lim'));
        const change = (currentPassword: string) =>
          limited.api.request('POST', '/api/v1/me/password', {
            token: user.token,
            body: { currentPassword, newPassword: 'new horse battery' },
          });
        expectError(await change('wrong one'), 403, 'forbidden');
        expectError(await change('wrong two'), 403, 'forbidden');
        expectError(await change(PASSWORD), 429, 'rate_limited');
      } finally {
        await limited.dispose();
      }
    });

    it('[RG10] email is a private setting: validated, shown only to its owner', async () => {
      const user = await api.signup(uniqueName('em'));
      const patch = (email: unknown) =>
        api.request('PATCH', '/api/v1/me/settings', { token: user.token, body: { email } });
      const got = await api.request('GET', '/api/v1/me/settings', { token: user.token });
      assert.equal(got.body.settings.email, null);
      for (const bad of [
        'no-at',
        'two@@x',
        'a@b@c',
        'sp ace@x.org',
        'tab\t@x.org',
        'nl\n@x.org',
        `${'a'.repeat(250)}@x.org`,
        42,
        '',
      ])
        expectError(await patch(bad), 400, 'invalid_request');
      const ok = await patch('Ada.Lovelace+chat@example.org');
      expectStatus(ok, 200);
      assert.equal(ok.body.settings.email, 'Ada.Lovelace+chat@example.org');
      assert.equal(
        (await api.request('GET', '/api/v1/me/settings', { token: user.token })).body.settings
          .email,
        'Ada.Lovelace+chat@example.org',
      );
      const found = await api.request('GET', `/api/v1/users?q=${user.username}`, {
        token: admin.token,
      });
      assert.ok(!JSON.stringify(found.body).includes('example.org'));
      expectStatus(await patch(null), 200);
      assert.equal(
        (await api.request('GET', '/api/v1/me/settings', { token: user.token })).body.settings
          .email,
        null,
      );
    });

    it('[RG8] an admin issues a one-time reset link; using it sets the password and ends every session', async () => {
      const user = await api.signup(uniqueName('rs'));
      const other = await api.signup(uniqueName('rs'));
      const issue = (who: TestUser, id: string, body: object = {}) =>
        api.request('POST', `/api/v1/admin/users/${id}/password-reset`, { token: who.token, body });
      expectError(await issue(other, user.id), 403, 'forbidden');
      expectError(await issue(admin, '01J0000000000000000000NONE'), 404, 'not_found');
      expectError(await issue(admin, user.id, { send: 'yes' }), 400, 'invalid_request');
      const before = Date.now();
      const issued = await issue(admin, user.id, { send: true });
      expectStatus(issued, 201);
      // No SMTP configured: shown to the admin only.
      assert.equal(issued.body.sent, false);
      assert.ok(
        issued.body.url.startsWith(`${d.nodes[0]!.url}/reset/`) ||
          issued.body.url.startsWith('http://'),
      );
      assert.ok(
        issued.body.expiresAt >= before + 3_600_000 &&
          issued.body.expiresAt <= Date.now() + 3_600_000,
      );
      const token = tokenOf(issued.body.url);
      const socket = await d.open(user);
      const reset = (body: object) => api.request('POST', '/api/v1/auth/password-reset', { body });
      expectError(await reset({ token, password: 'short' }), 400, 'invalid_request');
      expectError(
        await reset({ token: 'not-a-token', password: 'brand new pass' }),
        400,
        'reset_invalid',
      );
      expectError(await reset({ password: 'brand new pass' }), 400, 'invalid_request');
      expectStatus(await reset({ token, password: 'brand new pass' }), 204);
      assert.equal(await socket.client.closed(), 4004);
      expectError(await me(user.token), 401, 'unauthorized');
      expectError(await reset({ token, password: 'another new pass' }), 400, 'reset_invalid');
      expectStatus(await login(user.username, 'brand new pass'), 200);
      const audit = await api.request('GET', '/api/v1/admin/audit?limit=100', {
        token: admin.token,
      });
      const entry = (
        audit.body.entries as Array<{ action: string; targetUser: { userId: string } | null }>
      ).find((e) => e.action === 'password.reset_issued');
      assert.equal(entry?.targetUser?.userId, user.id);
    });

    it('[RG8] two uses of one reset link racing: exactly one sets the password', async () => {
      const user = await api.signup(uniqueName('rr'));
      const issued = await api.request('POST', `/api/v1/admin/users/${user.id}/password-reset`, {
        token: admin.token,
        body: {},
      });
      const token = tokenOf(issued.body.url);
      const results = await Promise.all(
        ['first new pass', 'second new pass', 'third new pass'].map((password) =>
          api.request('POST', '/api/v1/auth/password-reset', { body: { token, password } }),
        ),
      );
      assert.deepEqual(results.map((r) => r.status).sort(), [204, 400, 400]);
    });

    it('[RG9] forgot password answers 202 for any name and sends nothing without SMTP', async () => {
      for (const username of [admin.username, 'nobody-here', '', 'x'.repeat(300)]) {
        const res = await api.request('POST', '/api/v1/auth/forgot', { body: { username } });
        expectStatus(res, 202);
      }
      expectError(
        await api.request('POST', '/api/v1/auth/forgot', { body: {} }),
        400,
        'invalid_request',
      );
      expectError(
        await api.request('POST', '/api/v1/auth/forgot', { body: { username: 'x'.repeat(1025) } }),
        400,
        'invalid_request',
      );
    });
  });

for (const mode of testModes())
  describe(`REST: reset links by mail through a real SMTP server [${mode}]`, () => {
    let sink: SmtpSink;
    let d: Deployment;
    let admin: TestUser;
    const publicUrl = 'https://chat.example.org';

    before(async () => {
      sink = await startSmtpSink('parley', 's3cret');
      d = await startDeployment(mode, {
        config: { smtpUrl: sink.url, mailFrom: 'Parley <parley@example.org>', publicUrl },
      });
      admin = await d.api.signup(uniqueName('adm'));
      await grantAdmin(d, admin.username);
    });
    after(async () => {
      await d.dispose();
      await sink.stop();
    });

    const setEmail = (user: TestUser, email: string) =>
      d.api.request('PATCH', '/api/v1/me/settings', { token: user.token, body: { email } });
    const forgot = (username: string) =>
      d.api.request('POST', '/api/v1/auth/forgot', { body: { username } });

    it('[RG9] forgot password mails a one-hour link to the address on file; nothing for unknown names or no address', async () => {
      const user = await d.api.signup(uniqueName('fg'));
      const bare = await d.api.signup(uniqueName('fg'));
      expectStatus(await setEmail(user, 'grace@example.net'), 200);
      // These send nothing, so the first mail to arrive is the one asked for last.
      expectStatus(await forgot('nobody-here'), 202);
      expectStatus(await forgot(bare.username), 202);
      expectStatus(await forgot(user.username.toUpperCase()), 202);
      const mail = await sink.next();
      assert.equal(mail.user, 'parley');
      assert.equal(mail.from, 'parley@example.org');
      assert.deepEqual(mail.to, ['grace@example.net']);
      assert.match(mail.data, /^Subject: Reset your Parley password/m);
      const link = new RegExp(`${publicUrl}/reset/([A-Za-z0-9_-]+)`).exec(
        mail.data.replace(/=\r?\n/g, ''),
      );
      assert.ok(link, mail.data);
      expectStatus(
        await d.api.request('POST', '/api/v1/auth/password-reset', {
          body: { token: link[1], password: 'mailed new pass' },
        }),
        204,
      );
      expectStatus(
        await d.api.request('POST', '/api/v1/auth/login', {
          body: { username: user.username, password: 'mailed new pass' },
        }),
        200,
      );
      assert.equal(sink.pending, 0);
    });

    it('[RG8] [RG9] an admin-issued link is mailed with send: true, and its url uses --public-url', async () => {
      const user = await d.api.signup(uniqueName('ad'));
      expectStatus(await setEmail(user, 'ada@example.net'), 200);
      const issued = await d.api.request('POST', `/api/v1/admin/users/${user.id}/password-reset`, {
        token: admin.token,
        body: { send: true },
      });
      expectStatus(issued, 201);
      assert.equal(issued.body.sent, true);
      assert.ok(issued.body.url.startsWith(`${publicUrl}/reset/`));
      const mail = await sink.next();
      assert.deepEqual(mail.to, ['ada@example.net']);
      assert.ok(mail.data.replace(/=\r?\n/g, '').includes(issued.body.url));
      // Without send, nothing is mailed.
      const quiet = await d.api.request('POST', `/api/v1/admin/users/${user.id}/password-reset`, {
        token: admin.token,
        body: {},
      });
      assert.equal(quiet.body.sent, false);
    });

    it('[RG9] at most 3 mailed links per account per hour, and 10 forgot requests per address per hour', async () => {
      const user = await d.api.signup(uniqueName('lm'));
      expectStatus(await setEmail(user, 'lim@example.net'), 200);
      for (let i = 0; i < 3; i++) {
        expectStatus(await forgot(user.username), 202);
        assert.deepEqual((await sink.next()).to, ['lim@example.net']);
      }
      // The fourth is answered alike but mails nothing: the next mail is the other user's.
      expectStatus(await forgot(user.username), 202);
      const next = await d.api.signup(uniqueName('lm'));
      expectStatus(await setEmail(next, 'next@example.net'), 200);
      expectStatus(await forgot(next.username), 202);
      assert.deepEqual((await sink.next()).to, ['next@example.net']);
      // Earlier tests of this file made 8 requests from this address (one node's count in cluster mode).
      let refused = 0;
      for (let i = 0; i < 12; i++) {
        const res = await forgot('nobody-here');
        if (res.status === 429) {
          expectError(res, 429, 'rate_limited');
          refused++;
        } else expectStatus(res, 202);
      }
      assert.ok(refused > 0);
    });
  });
