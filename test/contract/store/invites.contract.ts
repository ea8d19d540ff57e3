import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Store } from '../../../src/ports/store.js';
import { useStore, type Fixture, type OpenStore } from './fixture.js';

/** A login session of `userId`, written straight to the store. */
async function session(fx: Fixture, userId: string): Promise<string> {
  const id = fx.id('s');
  const now = fx.tick();
  await fx.store.createSession({
    id,
    userId,
    tokenHash: fx.id('t'),
    createdAt: now,
    expiresAt: now + 86_400_000,
    lastSeenAt: now,
  });
  return id;
}

/** An invite of `createdBy` with `maxUses`, expiring at `expiresAt`. */
async function invite(
  store: Store,
  fx: Fixture,
  createdBy: string,
  maxUses: number,
  expiresAt: number,
) {
  const record = {
    id: fx.id('i'),
    codeHash: fx.id('h'),
    createdBy,
    createdAt: fx.tick(),
    expiresAt,
    maxUses,
    uses: 0,
    revokedAt: null,
  };
  await store.createInvite(record);
  return record;
}

/** Server settings, invites and password resets (rules RG1-RG8). */
export function invitesContract(open: OpenStore): void {
  describe('server settings, invites and password resets', () => {
    const fx = useStore(open);

    it('[RG1] a server setting reads null until set, then its last value', async () => {
      const { store } = fx();
      const name = fx().id('setting');
      assert.equal(await store.getServerSetting(name), null);
      await store.setServerSetting(name, 'invite', fx().tick(), null);
      await store.setServerSetting(name, 'closed', fx().tick(), null);
      assert.equal(await store.getServerSetting(name), 'closed');
    });

    it('[RG3] concurrent takes never hand out more uses than maxUses; release gives one back', async () => {
      const { store } = fx();
      const owner = await fx().user();
      const far = fx().tick() + 86_400_000;
      const i = await invite(store, fx(), owner.id, 3, far);
      const taken = await Promise.all(
        Array.from({ length: 10 }, () => store.takeInviteUse(i.codeHash, fx().tick())),
      );
      assert.equal(taken.filter((t) => t !== null).length, 3);
      assert.equal(await store.findUsableInvite(i.codeHash, fx().tick()), null);
      await store.releaseInviteUse(i.id);
      assert.equal((await store.takeInviteUse(i.codeHash, fx().tick()))?.uses, 3);
      const view = await store.getInvite(i.id);
      assert.equal(view?.uses, 3);
      assert.equal(view?.createdByUsername, owner.username);
    });

    it('[RG3] [RG4] expired and revoked invites cannot be used; revoking twice reports once', async () => {
      const { store } = fx();
      const owner = await fx().user();
      const now = fx().tick();
      const expired = await invite(store, fx(), owner.id, 5, now - 1);
      assert.equal(await store.takeInviteUse(expired.codeHash, now), null);
      const live = await invite(store, fx(), owner.id, 5, now + 3_600_000);
      assert.equal(await store.revokeInvite(live.id, fx().tick()), true);
      assert.equal(await store.revokeInvite(live.id, fx().tick()), false);
      assert.equal(await store.takeInviteUse(live.codeHash, fx().tick()), null);
      const mine = await store.listInvites({ createdBy: owner.id, limit: 10 });
      // Newest first by id (ULIDs in the node); here only which invites are listed.
      assert.deepEqual(mine.map((v) => v.id).sort(), [live.id, expired.id].sort());
    });

    it('[RG6] [RG8] a reset is taken once before it expires; sessions but one are deleted', async () => {
      const { store } = fx();
      const user = await fx().user();
      const keep = await session(fx(), user.id);
      const other = await session(fx(), user.id);
      assert.deepEqual(await store.deleteSessionsExcept(user.id, keep), [other]);
      assert.deepEqual(await store.liveSessionIds([keep, other], fx().tick()), [keep]);
      const now = fx().tick();
      const reset = {
        tokenHash: fx().id('r'),
        userId: user.id,
        createdBy: null,
        createdAt: now,
        expiresAt: now + 1000,
      };
      await store.createPasswordReset(reset);
      assert.equal(await store.countPasswordResets(user.id, now - 1), 1);
      const takes = await Promise.all(
        [1, 2, 3].map(() => store.takePasswordReset(reset.tokenHash, now + 1)),
      );
      assert.deepEqual(
        takes.filter((t) => t !== null),
        [user.id],
      );
      const late = { ...reset, tokenHash: fx().id('r') };
      await store.createPasswordReset(late);
      assert.equal(await store.takePasswordReset(late.tokenHash, now + 1000), null);
      assert.equal(await store.deleteExpiredPasswordResets(now + 1001), 2);
      await store.setPasswordHash(user.id, 'new-hash', fx().tick());
      assert.equal((await store.getUserSecretById(user.id))?.passwordHash, 'new-hash');
      assert.deepEqual(await store.deleteSessionsExcept(user.id, null), [keep]);
    });
  });
}
