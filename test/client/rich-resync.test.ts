import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { ParleyClient } from '../../src/client/client.js';
import { nodeWebSocket } from '../../src/client/node.js';
import { applyReaction, isReactionEvent } from '../../src/client/reactions.js';
import type { TimelineItem } from '../../src/client/events.js';
import type { ReactionGroupDto } from '../../src/protocol/schemas.js';
import type { TestUser } from '../helpers/api.js';
import { testModes, useDeploymentWithUsers } from '../helpers/deployment.js';

for (const mode of testModes()) {
  describe(`client library: replies, reactions and events replay in order (${mode})`, () => {
    const world = useDeploymentWithUsers(mode, ['ann', 'bob', 'cat']);
    const clients: ParleyClient[] = [];
    after(() => clients.forEach((c) => c.close()));

    const connect = async (user: TestUser) => {
      const client = new ParleyClient({
        urls: [world().deployment.urlOf(user)],
        token: user.token,
        webSocket: nodeWebSocket,
        backoff: { baseMs: 20, maxMs: 200 },
      });
      clients.push(client);
      client.connect();
      await client.online();
      return client;
    };

    /** Resolves with the items of a conversation once one with seq `last` arrived. */
    const until = (client: ParleyClient, conversationId: string, last: number) => {
      const items: TimelineItem[] = [];
      const done = new Promise<TimelineItem[]>((resolve) => {
        const off = client.on('timeline', (item) => {
          const entry = item.kind === 'message' ? item.message : item.event;
          if (entry.conversationId !== conversationId) return;
          items.push(item);
          if (entry.seq >= last) {
            off();
            resolve(items);
          }
        });
      });
      return done;
    };

    it('[R1][R4][R7][G4] a client that was offline gets every reply, reaction, edit and event on resync, in order, and converges', async () => {
      const { users } = world();
      const ann = await connect(users.ann);
      const bob = await connect(users.bob);
      const group = (await ann.api.createGroup('replay', [users.bob.username])).conversation.id;
      const bobSeesRoot = until(bob, group, 2);
      const root = await ann.send(group, 'the plan').done; // 2
      await bobSeesRoot;
      bob.close();

      const reply = await ann.send(group, 'a detail', { replyTo: root.seq }).done; // 3
      assert.deepEqual([reply.replyTo, reply.threadRoot, reply.reply?.seq], [2, 2, 2]);
      await ann.api.react(group, root.seq, '👍'); // 4
      await ann.api.react(group, root.seq, '👍'); // no-op: no event
      await ann.api.react(group, root.seq, '🎉'); // 5
      await ann.api.editMessage(group, root.seq, 'the new plan'); // 6
      await ann.api.addMember(group, users.cat.username); // 7
      await ann.api.renameGroup(group, 'replayed'); // 8
      await ann.api.setGroupSettings(group, { allMentions: 'admins' }); // 9
      const { reactions } = await ann.api.unreact(group, root.seq, '🎉'); // 10

      const replay = until(bob, group, 10);
      bob.connect();
      const items = await replay;
      assert.deepEqual(
        items.map((i) =>
          i.kind === 'message' ? `message@${i.message.seq}` : `${i.event.type}@${i.event.seq}`,
        ),
        [
          'message@3',
          'reaction.added@4',
          'reaction.added@5',
          'message.edited@6',
          'member.added@7',
          'conversation.renamed@8',
          'conversation.settings_changed@9',
          'reaction.removed@10',
        ],
      );
      const replayed = items[0]!.kind === 'message' ? items[0]!.message : null;
      assert.deepEqual([replayed?.replyTo, replayed?.threadRoot], [2, 2]);
      let shown: ReactionGroupDto[] = [];
      for (const item of items)
        if (item.kind === 'event' && isReactionEvent(item.event))
          shown = applyReaction(shown, item.event);
      assert.deepEqual(shown, reactions, 'the replayed reactions converge with the server');
      assert.equal(bob.conversations.get(group)?.allMentions, 'admins');
      assert.equal(bob.conversations.get(group)?.name, 'replayed');
    });

    it('[R9] a member who shares read markers moving theirs forward reaches the others as a receipt', async () => {
      const { users } = world();
      const [ann, bob] = clients;
      const group = [...ann!.conversations.values()].find((c) => c.name === 'replayed')!;
      const receipt = new Promise<{ userId: string; seq: number }>((resolve) => {
        const off = ann!.on('receipt', (r) => {
          if (r.conversationId !== group.id) return;
          off();
          resolve(r);
        });
      });
      bob!.markRead(group.id, 10);
      assert.deepEqual(await receipt, { conversationId: group.id, userId: users.bob.id, seq: 10 });
    });
  });
}
