import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Api } from '../helpers/api.js';
import { uniqueName, type TestUser } from '../helpers/api.js';
import { startDeployment, testModes, type Deployment } from '../helpers/deployment.js';
import { expectStatus } from './support.js';

for (const mode of testModes())
  describe(`REST: a direct message opened from both sides at once [${mode}]`, () => {
    let d: Deployment;
    let api: Api;
    let alice: TestUser;
    let bob: TestUser;

    before(async () => {
      d = await startDeployment(mode);
      api = d.api;
      alice = await api.signup(uniqueName('alice'));
      bob = await api.signup(uniqueName('bob'));
    });
    after(() => d.dispose());

    it('[C1] concurrent first requests all get the one DM, created once', async () => {
      const open = (user: TestUser, peer: TestUser) =>
        api.request('POST', '/api/v1/conversations/dm', {
          token: user.token,
          body: { username: peer.username },
        });
      const answers = await Promise.all(
        Array.from({ length: 6 }, (_, i) => (i % 2 ? open(alice, bob) : open(bob, alice))),
      );
      for (const res of answers)
        assert.ok([200, 201].includes(res.status), JSON.stringify(res.body));
      const ids = new Set(answers.map((res) => res.body.conversation.id));
      assert.equal(ids.size, 1, 'one DM between the two users');
      assert.equal(answers.filter((res) => res.status === 201).length, 1, 'created once');
      const listed = await api.request('GET', '/api/v1/conversations', { token: alice.token });
      expectStatus(listed, 200);
      assert.deepEqual(
        listed.body.conversations
          .filter((c: { kind: string }) => c.kind === 'dm')
          .map((c: { id: string }) => c.id),
        [...ids],
      );
    });
  });
