import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { uniqueName, type Api, type ApiResponse, type TestUser } from '../helpers/api.js';
import { testModes, useDeploymentWithUsers } from '../helpers/deployment.js';
import { expectError, expectStatus } from './support.js';

/** Strings outside both alphabets of rule S6 (lone surrogates are sent as raw JSON escapes). */
const NEVER = { nul: 'a\u0000b', control: 'a\u0001b', nonchar: 'a\uffffb', fdd0: 'a\ufdd0b' };
/** Strings a message body may hold but a name or id may not. */
const BODY_ONLY = { tab: 'a\tb', newline: 'a\nb', cr: 'a\r\nb', del: 'a\u007fb', c1: 'a\u0085b' };
/** Text both alphabets keep, to be read back unchanged on both engines. */
const TEXT = [
  '😀👍🏽🇫🇷', // 4-byte code points, a skin-tone modifier, a flag (regional indicators)
  'e\u0301 n\u0303 \u0915\u094d\u0937', // combining marks and a Devanagari conjunct
  '\u202eevil\u202c \u2067rtl\u2069 \u200f', // bidirectional overrides, isolates and marks
  '👩\u200d👩\u200d👧 a\u200bb \ufeffbom', // ZWJ sequence, zero-width space, BOM
];

for (const mode of testModes())
  describe(`REST: input alphabet [${mode}]`, () => {
    const world = useDeploymentWithUsers(mode, ['alice', 'bob', 'mallory']);
    let api: Api;
    let alice: TestUser;
    let bob: TestUser;
    let mallory: TestUser;
    before(() => {
      ({ api } = world());
      ({ alice, bob, mallory } = world().users);
    });

    const post = (user: TestUser, path: string, body: unknown) =>
      api.request('POST', path, { token: user.token, body });
    const raw = (user: TestUser, method: string, path: string, json: string) =>
      api.request(method, path, { token: user.token, raw: json });
    const bad = (res: ApiResponse, what: string) => {
      assert.equal(res.status, 400, `${what}: ${res.status} ${JSON.stringify(res.body)}`);
      assert.equal(res.body?.error?.code, 'invalid_request', what);
    };

    it('[S6][M1][M3] a NUL, a stray control, a noncharacter or a lone surrogate in a body is invalid_request, never 500', async () => {
      const id = await api.group(alice, uniqueName('g'), [bob.username]);
      const seq = (await api.send(alice, id, 'to edit')).body.message.seq as number;
      for (const [what, body] of Object.entries(NEVER)) {
        bad(await api.send(alice, id, body), `send ${what}`);
        bad(
          await api.request('PATCH', `/api/v1/conversations/${id}/messages/${seq}`, {
            token: alice.token,
            body: { body },
          }),
          `edit ${what}`,
        );
      }
      for (const escape of ['\\ud800', '\\udfff', 'x\\ud83d']) {
        const json = `{"clientMsgId":"${uniqueName('c')}","body":"${escape}"}`;
        bad(await raw(alice, 'POST', `/api/v1/conversations/${id}/messages`, json), escape);
        bad(
          await raw(
            alice,
            'PATCH',
            `/api/v1/conversations/${id}/messages/${seq}`,
            `{"body":"${escape}"}`,
          ),
          `edit ${escape}`,
        );
      }
      const history = await api.history(bob, id);
      assert.deepEqual(
        history.body.messages.map((m: any) => m.body),
        ['to edit'],
      );
    });

    it('[S6] names and ids refuse every control character, in bodies, queries and paths', async () => {
      const id = await api.group(alice, uniqueName('g'), [bob.username]);
      const seq = (await api.send(alice, id, 'hi')).body.message.seq as number;
      for (const [what, s] of Object.entries({ ...NEVER, ...BODY_ONLY })) {
        const e = encodeURIComponent(s);
        const cases: Array<[string, Promise<ApiResponse>]> = [
          ['group name', post(alice, '/api/v1/groups', { name: s, members: [] })],
          ['group member', post(alice, '/api/v1/groups', { name: 'g', members: [s] })],
          [
            'rename',
            api.request('PATCH', `/api/v1/conversations/${id}`, {
              token: alice.token,
              body: { name: s },
            }),
          ],
          ['clientMsgId', api.send(alice, id, 'body', s)],
          ['dm username', post(alice, '/api/v1/conversations/dm', { username: s })],
          ['add member', post(alice, `/api/v1/conversations/${id}/members`, { username: s })],
          [
            'register',
            api.request('POST', '/api/v1/auth/register', {
              body: { username: s, password: 'correct horse' },
            }),
          ],
          [
            'login',
            api.request('POST', '/api/v1/auth/login', {
              body: { username: s, password: 'correct horse' },
            }),
          ],
          ['search q', api.request('GET', `/api/v1/users?q=${e}`, { token: alice.token })],
          ['search after', api.request('GET', `/api/v1/users?after=${e}`, { token: alice.token })],
          ['user path', api.request('GET', `/api/v1/users/${e}`, { token: alice.token })],
          [
            'conversation path',
            api.request('GET', `/api/v1/conversations/${e}`, { token: alice.token }),
          ],
          [
            'history path',
            api.request('GET', `/api/v1/conversations/${e}/messages`, { token: alice.token }),
          ],
          [
            'send path',
            post(alice, `/api/v1/conversations/${e}/messages`, { clientMsgId: 'x', body: 'x' }),
          ],
          ['read path', post(alice, `/api/v1/conversations/${e}/read`, { seq: 1 })],
          [
            'edit path',
            api.request('PATCH', `/api/v1/conversations/${e}/messages/${seq}`, {
              token: alice.token,
              body: { body: 'x' },
            }),
          ],
          ['leave path', post(alice, `/api/v1/conversations/${e}/leave`, {})],
          [
            'member path',
            api.request('PATCH', `/api/v1/conversations/${id}/members/${e}`, {
              token: alice.token,
              body: { role: 'admin' },
            }),
          ],
          [
            'remove member path',
            api.request('DELETE', `/api/v1/conversations/${id}/members/${e}`, {
              token: alice.token,
            }),
          ],
        ];
        for (const [field, res] of cases) bad(await res, `${field} with ${what}`);
      }
      // Nothing changed: the group keeps its name, members and history.
      const group = await api.request('GET', `/api/v1/conversations/${id}`, { token: bob.token });
      expectStatus(group, 200);
      assert.equal(group.body.conversation.memberCount, 2);
      assert.deepEqual(
        (await api.history(bob, id)).body.messages.map((m: any) => m.body),
        ['hi'],
      );
    });

    it('[S6] lone surrogates in names and ids are invalid_request too', async () => {
      const id = await api.group(alice, uniqueName('g'), []);
      for (const [what, path, json] of [
        ['group name', '/api/v1/groups', '{"name":"\\udc00","members":[]}'],
        ['group member', '/api/v1/groups', '{"name":"g","members":["\\ud800"]}'],
        ['dm', '/api/v1/conversations/dm', '{"username":"a\\ud800"}'],
        [
          'clientMsgId',
          `/api/v1/conversations/${id}/messages`,
          '{"clientMsgId":"\\ud800","body":"x"}',
        ],
      ] as const)
        bad(await raw(alice, 'POST', path, json), what);
    });

    it('[S6][G1] bad sends in a flood fail only themselves: every innocent send of the same moment is stored', async () => {
      const innocent = await api.group(alice, uniqueName('g'), [bob.username]);
      const hostile = await api.group(mallory, uniqueName('g'), []);
      const answers = await Promise.all(
        Array.from({ length: 20 }, (_, i) => [
          api.send(mallory, hostile, `bad\u0000${i}`),
          api.send(mallory, hostile, `good ${i}`),
          api.send(i % 2 ? bob : alice, innocent, `msg ${i}`),
        ]).flat(),
      );
      answers.forEach((res, i) => {
        if (i % 3 === 0) bad(res, `hostile send ${i}`);
        else expectStatus(res, 201);
      });
      const stored = await api.fullHistory(alice, innocent);
      assert.deepEqual(
        stored.map((m: any) => m.body).sort(),
        Array.from({ length: 20 }, (_, i) => `msg ${i}`).sort(),
      );
      assert.equal((await api.fullHistory(mallory, hostile)).length, 20);
    });

    it('[S6] emoji, combining marks and bidirectional controls round-trip unchanged in bodies and names', async () => {
      const name = TEXT.join(' ');
      const created = await post(alice, '/api/v1/groups', { name, members: [bob.username] });
      expectStatus(created, 201);
      const id = created.body.conversation.id as string;
      const bodies = [...TEXT, ...Object.values(BODY_ONLY), '😀'.repeat(4000)];
      for (const body of bodies) expectStatus(await api.send(alice, id, body), 201);
      expectError(await api.send(alice, id, '😀'.repeat(4001)), 400, 'message_too_long');
      const clientMsgId = '😀'.repeat(32); // 64 UTF-16 units, the longest clientMsgId
      expectStatus(await api.send(alice, id, 'max id', clientMsgId), 201);
      assert.equal(
        (await api.send(alice, id, 'max id', clientMsgId)).status,
        200,
        'a retry finds it',
      );
      const seen = await api.fullHistory(bob, id);
      assert.deepEqual(
        seen.map((m: any) => m.body),
        [...bodies, 'max id'],
      );
      assert.equal(seen.at(-1).clientMsgId, clientMsgId);
      const group = await api.request('GET', `/api/v1/conversations/${id}`, { token: bob.token });
      assert.equal(group.body.conversation.name, name.trim());
      const renamed = TEXT[2]!;
      expectStatus(
        await api.request('PATCH', `/api/v1/conversations/${id}`, {
          token: alice.token,
          body: { name: renamed },
        }),
        200,
      );
      const after = await api.request('GET', `/api/v1/conversations/${id}`, { token: bob.token });
      assert.equal(after.body.conversation.name, renamed.trim());
    });
  });
