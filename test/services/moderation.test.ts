import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isAppError } from '../../src/domain/errors.js';
import { DEFAULT_LIMITS } from '../../src/domain/limits.js';
import { createLogger } from '../../src/log/logger.js';
import { GroupMemberService } from '../../src/services/group-members.js';
import { MessageService } from '../../src/services/messages.js';
import { startWorld } from '../delivery/world.js';

describe('moderation: a mute ends by itself (rule PG10)', () => {
  it('[PG10][PG11] sends are member_muted until mutedUntil, then allowed with no sweep', async () => {
    const world = await startWorld();
    try {
      const ann = await world.user('ann');
      const ben = await world.user('ben');
      const group = await world.conversations.groups.createGroup(ann.user, 'team', [
        ben.user.username,
      ]);
      let clock = 1_800_000_000_000;
      const now = () => clock;
      const deps = { store: world.store, bus: world.bus, limits: DEFAULT_LIMITS, now };
      const log = createLogger({ level: 'silent', nodeId: 'test' });
      const members = new GroupMemberService({ ...deps, log });
      const messages = new MessageService(deps, world.conversations);

      const muted = await members.mute(ann.user, group.id, ben.user.username, 2);
      assert.equal(muted.mutedUntil, clock + 2 * 60_000);
      await assert.rejects(
        messages.send(ben.user, group.id, 'c-1', 'let me talk'),
        (err: unknown) =>
          isAppError(err, 'member_muted') &&
          (err as { details?: { mutedUntil?: number } }).details?.mutedUntil === clock + 120_000,
      );
      clock += 119_999;
      await assert.rejects(messages.send(ben.user, group.id, 'c-2', 'now?'), (err: unknown) =>
        isAppError(err, 'member_muted'),
      );
      clock += 1;
      const sent = await messages.send(ben.user, group.id, 'c-3', 'free again');
      assert.equal(sent.created, true);
      // Unmuting after the mute ended changes nothing (no event).
      const before = (await world.store.getConversation(group.id))!.lastSeq;
      await members.mute(ann.user, group.id, ben.user.username, null);
      assert.equal((await world.store.getConversation(group.id))!.lastSeq, before);
      await messages.drained();
    } finally {
      await world.dispose();
    }
  });
});
