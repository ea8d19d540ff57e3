/** A held lease (see {@link LeasesStore.tryLease}). */
export interface Lease {
  release(): Promise<void>;
  /** Resolves if the lease ends without `release()` (its session died). */
  readonly lost: Promise<void>;
}

/** Named leases for singleton duties (rule K4); taken outside transactions. */
export interface LeasesStore {
  /**
   * Takes the named lease if no one holds it (PostgreSQL: an advisory lock on a session of its
   * own, released when that session ends, e.g. when the node dies); null if it is held.
   * `lost` resolves if the lease ends without `release()`.
   */
  tryLease(name: string): Promise<Lease | null>;
}
