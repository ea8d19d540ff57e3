import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import {
  ParleyClient,
  type TimelineItem,
  type WebSocketFactory,
  type WebSocketLike,
} from '../../src/client/index.js';
import { GroupsApi } from '../../src/client/groups.js';
import { RestApi } from '../../src/client/rest.js';
import {
  TIMELINE_EVENT_TYPES,
  TimelineEventSchema,
  type MessageDto,
  type TimelineEventDto,
} from '../../src/protocol/schemas.js';
import { ServerFrameSchema } from '../../src/protocol/frames.js';
import { startTestNode, type TestNode } from '../helpers/node.js';

/**
 * The protocol's schemas against what a real node produces (services on the SQLite store, over
 * REST and WebSocket): every timeline event type, and every frame on a socket, each parsed
 * without losing a field.
 */
describe('protocol: the wire schemas against a real node', () => {
  let node: TestNode;
  const clients: ParleyClient[] = [];
  before(async () => {
    node = await startTestNode();
  });
  after(async () => {
    for (const c of clients) c.close();
    await node.dispose();
  });

  const user = async (name: string): Promise<RestApi> => {
    const api = new RestApi({ baseUrl: node.url, token: null });
    await api.register(name, 'password-123');
    await api.login(name, 'password-123');
    return api;
  };
  const send = async (api: RestApi, id: string, body: string): Promise<MessageDto> => {
    const path = `/api/v1/conversations/${id}/messages`;
    const sent = await api.request<{ message: MessageDto }>('POST', path, {
      clientMsgId: `m-${body}`,
      body,
    });
    return sent.message;
  };

  /** Strict: the schema accepts the event and keeps every field it carried. */
  const parses = (event: TimelineEventDto, where: string) => {
    const parsed = TimelineEventSchema.safeParse(event);
    assert.ok(parsed.success, `${where} ${event.type}: ${parsed.error?.message}`);
    assert.deepEqual(parsed.data, event, `${where} ${event.type}: a field is not in the schema`);
  };

  it('[M6][W2] every event a group goes through, live and replayed, matches its type’s data schema', async () => {
    const [ann, ben, , dan, eve] = await Promise.all(['ann', 'ben', 'cat', 'dan', 'eve'].map(user));
    const live: TimelineEventDto[] = [];
    // Every frame the node sends ann, as it arrived.
    const raw: string[] = [];
    const tapping: WebSocketFactory = (url) => {
      const ws = new WebSocket(url);
      ws.on('message', (data: Buffer) => raw.push(data.toString('utf8')));
      return ws as unknown as WebSocketLike;
    };
    const client = new ParleyClient({ urls: [node.url], token: ann!.token, webSocket: tapping });
    clients.push(client);
    client.on('timeline', (item: TimelineItem) => {
      if (item.kind === 'event') live.push(item.event);
    });
    client.connect();
    await client.online();

    const { conversation } = await ann!.createGroup('crew', ['ben', 'cat']);
    const id = conversation.id;
    await client.send(id, 'over the socket').done; // an ack frame
    await ann!.renameGroup(id, 'crew two');
    await ann!.addMember(id, 'dan');
    await ann!.setRole(id, 'ben', 'admin');
    const first = await send(ann!, id, 'first');
    const second = await send(ann!, id, 'second');
    await ann!.setGroupSettings(id, { allMentions: 'admins' });
    // Public groups and moderation (rules PG3, PG4, PG8, PG10).
    const moderation = new GroupsApi(ann!);
    await moderation.setAccess(id, { visibility: 'public', history: 'joined' });
    await new GroupsApi(eve!).join(id);
    const eves = await send(eve!, id, 'from eve');
    await ann!.deleteMessage(id, eves.seq); // message.deleted with `by`
    await moderation.mute(id, 'eve', 5);
    await ann!.react(id, first.seq, '👍');
    await ann!.unreact(id, first.seq, '👍');
    await ann!.editMessage(id, first.seq, 'first, edited @ben');
    await ann!.editMessage(id, second.seq, 'second, edited');
    await ann!.deleteMessage(id, second.seq); // its edit is erased: {seq, body: ''}
    await ann!.removeMember(id, 'cat');
    await dan!.deleteAccount('password-123'); // member.left, reason account_deleted
    await ann!.leave(id); // ownership passes to ben first (member.role_changed)

    const replayed = (await ben!.fullTimeline(id)).flatMap((e) =>
      e.kind === 'event' ? [e.event] : [],
    );
    const lastSeq = replayed.at(-1)?.seq ?? 0;
    await new Promise<void>((resolve) => {
      const check = () => {
        if (!live.some((e) => e.conversationId === id && e.seq === lastSeq)) return;
        off();
        resolve();
      };
      const off = client.on('timeline', check);
      check();
    });

    for (const event of replayed) parses(event, 'replayed');
    for (const event of live) parses(event, 'live');
    assert.deepEqual(
      [...new Set(replayed.map((e) => e.type))].sort(),
      [...TIMELINE_EVENT_TYPES].sort(),
      'the scenario covers every event type',
    );
    const redacted = replayed.find((e) => e.type === 'message.edited' && e.data.seq === second.seq);
    assert.deepEqual(redacted?.data, { seq: second.seq, body: '' });
    const departures = replayed.flatMap((e) => (e.type === 'member.left' ? [e.data.reason] : []));
    assert.deepEqual(departures, ['account_deleted', 'left']);
    // ann saw every event live, up to her own departure; only the erased edit differs.
    const seen = live.filter((e) => e.conversationId === id);
    assert.deepEqual(
      seen.map((e) => [e.seq, e.type]),
      replayed.map((e) => [e.seq, e.type]),
    );
    const liveEdit = seen.find((e) => e.type === 'message.edited' && e.data.seq === second.seq);
    assert.equal(liveEdit?.type === 'message.edited' && liveEdit.data.body, 'second, edited');

    // [W2] and every frame on ann's socket is a server frame of the protocol, field for field.
    const kinds = new Set<string>();
    for (const text of raw) {
      const frame: unknown = JSON.parse(text);
      const parsed = ServerFrameSchema.safeParse(frame);
      assert.ok(parsed.success, `${text}: ${parsed.error?.message}`);
      assert.deepEqual(parsed.data, frame);
      kinds.add(parsed.data.type);
    }
    for (const kind of ['ready', 'ack', 'message', 'event']) assert.ok(kinds.has(kind), kind);
  });

  it('refuses an event whose data does not fit its type', () => {
    const base = { conversationId: 'c1', seq: 2, actor: 'u1', createdAt: 1 };
    const cases = [
      { ...base, type: 'member.added', data: { userId: 'u2' } },
      { ...base, type: 'message.edited', data: { seq: '3', body: 'x' } },
      { ...base, type: 'member.left', data: { userId: 'u2', username: 'b', reason: 'bored' } },
      { ...base, type: 'conversation.renamed', data: { name: 'x' } },
      { ...base, type: 'member.joined', data: {} },
    ];
    for (const event of cases)
      assert.equal(TimelineEventSchema.safeParse(event).success, false, JSON.stringify(event));
  });
});
