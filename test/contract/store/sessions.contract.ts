import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Session, User } from '../../../src/domain/model.js';
import { useStore, type OpenStore } from './fixture.js';

/** Login sessions (SessionsStore). */
export function sessionsContract(open: OpenStore): void {
  describe('sessions', () => {
    const fx = useStore(open);

    const session = async (user: User, expiresAt = fx().tick() + 86_400_000): Promise<Session> => {
      const at = fx().tick();
      const s = {
        id: fx().id('s'),
        userId: user.id,
        tokenHash: fx().id('hash'),
        createdAt: at,
        expiresAt,
        lastSeenAt: at,
      };
      await fx().store.createSession(s);
      return s;
    };

    it('[A4] a session is found by its token hash only', async () => {
      const { store } = fx();
      const s = await session(await fx().user());
      assert.deepEqual(await store.getSessionByTokenHash(s.tokenHash), s);
      assert.equal(await store.getSessionByTokenHash('unknown-hash'), null);
    });

    it('[A4] touchSession moves lastSeenAt and nothing else', async () => {
      const { store } = fx();
      const s = await session(await fx().user());
      const at = fx().tick();
      await store.touchSession(s.id, at);
      assert.deepEqual(await store.getSessionByTokenHash(s.tokenHash), { ...s, lastSeenAt: at });
    });

    it('[A5] deleteSession ends that session; the user’s other sessions stay', async () => {
      const { store } = fx();
      const user = await fx().user();
      const [one, two] = [await session(user), await session(user)];
      await store.deleteSession(one.id);
      assert.equal(await store.getSessionByTokenHash(one.tokenHash), null);
      assert.deepEqual(await store.getSessionByTokenHash(two.tokenHash), two);
    });

    it('[A6] deleteUserSessions ends every session of that user and no other', async () => {
      const { store } = fx();
      const [user, other] = [await fx().user(), await fx().user()];
      const mine = [await session(user), await session(user)];
      const theirs = await session(other);
      await store.deleteUserSessions(user.id);
      for (const s of mine) assert.equal(await store.getSessionByTokenHash(s.tokenHash), null);
      assert.deepEqual(await store.getSessionByTokenHash(theirs.tokenHash), theirs);
    });

    it('[A4] deleteExpiredSessions purges sessions expired at `now` and counts them', async () => {
      const { store } = fx();
      const user = await fx().user();
      const now = fx().tick();
      const expired = [await session(user, now - 1), await session(user, now)];
      const live = await session(user, now + 1);
      assert.equal(await store.deleteExpiredSessions(now), 2);
      for (const s of expired) assert.equal(await store.getSessionByTokenHash(s.tokenHash), null);
      assert.deepEqual(await store.getSessionByTokenHash(live.tokenHash), live);
      assert.equal(await store.deleteExpiredSessions(now), 0);
    });

    it('[A5] liveSessionIds keeps the ids of sessions that exist and have not expired', async () => {
      const { store } = fx();
      const user = await fx().user();
      const now = fx().tick();
      const [expired, live, ended] = [
        await session(user, now),
        await session(user, now + 1),
        await session(user, now + 1),
      ];
      await store.deleteSession(ended.id);
      const ids = [expired.id, live.id, ended.id, 'no-such-session'];
      assert.deepEqual(await store.liveSessionIds(ids, now), [live.id]);
      assert.deepEqual(await store.liveSessionIds([], now), []);
    });
  });
}
