import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useStore, type OpenStore } from './fixture.js';

/** Named leases for singleton duties (LeasesStore). */
export function leasesContract(open: OpenStore): void {
  describe('leases', () => {
    const fx = useStore(open);

    it('[K4] a lease has one holder at a time and is free again after release', async () => {
      const { store } = fx();
      const lease = await store.tryLease('contract-lease');
      assert.ok(lease);
      assert.equal(await store.tryLease('contract-lease'), null);
      await lease.release();
      const again = await store.tryLease('contract-lease');
      assert.ok(again);
      await again.release();
    });
  });
}
