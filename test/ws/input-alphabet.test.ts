import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { uniqueName, type Api, type TestUser } from '../helpers/api.js';
import { startDeployment, testModes, type Deployment } from '../helpers/deployment.js';
import { WsClient } from '../helpers/ws.js';

/** Strings outside rule S6's alphabets: refused in every field of every frame. */
const REFUSED = ['a\u0000b', 'a\u0001b', 'a\uffffb', 'a\ufdd0b'];

for (const mode of testModes())
  describe(`WebSocket: input alphabet [${mode}]`, () => {
    let d: Deployment;
    let api: Api;
    let alice: TestUser;
    let bob: TestUser;
    let dm: string;

    before(async () => {
      d = await startDeployment(mode);
      api = d.api;
      alice = await api.signup(uniqueName('alice'));
      bob = await api.signup(uniqueName('bob'));
      dm = await api.dm(alice, bob.username);
    });
    after(() => d.dispose());

    it('[S6][W3] NUL, controls and noncharacters in send, read, typing and sync frames are invalid_request; the socket stays open', async () => {
      const { client } = await d.open(alice);
      try {
        const refused = async (frame: Record<string, unknown>, what: string) => {
          client.send(frame);
          const error = await client.next((f) => f.type === 'error');
          assert.equal(error.code, 'invalid_request', `${what}: ${JSON.stringify(error)}`);
          return error;
        };
        for (const s of REFUSED) {
          const body = await refused(
            { type: 'send', conversationId: dm, clientMsgId: uniqueName('c'), body: s },
            `body ${JSON.stringify(s)}`,
          );
          assert.ok(typeof body.ref === 'string', 'the error names the send');
          await refused(
            { type: 'send', conversationId: dm, clientMsgId: s, body: 'x' },
            `clientMsgId ${JSON.stringify(s)}`,
          );
          await refused(
            { type: 'send', conversationId: s, clientMsgId: uniqueName('c'), body: 'x' },
            `conversationId ${JSON.stringify(s)}`,
          );
          await refused({ type: 'read', conversationId: s, seq: 1 }, 'read');
          await refused({ type: 'typing', conversationId: s }, 'typing');
          await refused({ type: 'sync', cursors: { [s]: 0 } }, 'sync cursor key');
        }
        for (const raw of [
          `{"type":"send","conversationId":"${dm}","clientMsgId":"lone","body":"\\ud800"}`,
          '{"type":"sync","cursors":{"\\udc00":0}}',
        ]) {
          client.sendRaw(raw);
          assert.equal((await client.next((f) => f.type === 'error')).code, 'invalid_request', raw);
        }
        // Tabs and newlines are text in a body, and the socket still sends.
        client.send({ type: 'send', conversationId: dm, clientMsgId: 'ok', body: 'a\tb\r\nc' });
        const ack = await client.next((f) => f.type === 'ack');
        assert.equal(ack.message.body, 'a\tb\r\nc');
        assert.equal(client.closeCode, null);
      } finally {
        await client.close();
      }
      const history = await api.fullHistory(bob, dm);
      assert.deepEqual(
        history.map((m: any) => m.body),
        ['a\tb\r\nc'],
      );
    });

    it('[S6][W1] a hello whose cursor keys hold NUL is invalid_request', async () => {
      const client = await WsClient.connect(d.urlOf(alice));
      try {
        client.send({ type: 'hello', protocol: 1, token: alice.token, cursors: { 'a\u0000': 0 } });
        assert.equal((await client.next((f) => f.type === 'error')).code, 'invalid_request');
      } finally {
        await client.close();
      }
    });

    it('[S6][G4] emoji, combining marks and bidirectional controls arrive live and on resync unchanged', async () => {
      const bodies = [
        '😀👍🏽🇫🇷',
        'e\u0301\u0915\u094d\u0937',
        '\u202eevil\u202c \u2067x\u2069',
        '😀'.repeat(4000),
      ];
      const { client: reader } = await d.open(bob);
      const { client: writer } = await d.open(alice);
      try {
        for (const [i, body] of bodies.entries())
          writer.send({ type: 'send', conversationId: dm, clientMsgId: `text-${i}`, body });
        const live = [];
        for (const body of bodies)
          live.push(await reader.waitFor((f) => f.type === 'message' && f.message.body === body));
        assert.equal(live.length, bodies.length);
      } finally {
        await writer.close();
        await reader.close();
      }
      const { client: again } = await d.open(bob, { [dm]: 0 });
      try {
        await again.waitFor((f) => f.type === 'synced');
        const replayed = again.all('message').map((f) => f.message.body as string);
        assert.deepEqual(replayed.slice(-bodies.length), bodies);
      } finally {
        await again.close();
      }
    });
  });
