import { openPostgresStore } from '../adapters/postgres/postgres-store.js';
import { openSqliteStore, sqlitePath } from '../adapters/sqlite/sqlite-store.js';
import { ulid } from '../domain/ids.js';
import type { StoreOps } from '../ports/store.js';

/** Where the history goes: an embedded node's data directory, or the cluster's PostgreSQL. */
export type SeedStore = { kind: 'sqlite'; dataDir: string } | { kind: 'postgres'; url: string };

/** One message to write: a conversation, its sender (a member), the body and the time. */
export interface SeedEntry {
  conversationId: string;
  sender: string;
  body: string;
  createdAt: number;
}

/** Messages per transaction: big enough to amortize the commit, short enough not to block a node. */
const BATCH = 10_000;

/**
 * Writes a large history straight into the store, for the `search` benchmark (rule B3), through
 * the same Store port and statements a send uses (`nextSeq`, then `insertMessage`, which also
 * fills `search_text` for the full-text index): the rows are those a send would have written,
 * with seqs in order per conversation. Only the API's work (checks, rate limits, the bus) is
 * skipped, and the batches are large. Conversations are split into lanes, one transaction in
 * flight per lane, so an engine with row locks commits several at once without two
 * transactions ever waiting for the same conversation.
 */
export async function seedHistory(
  target: SeedStore,
  entries: Iterable<SeedEntry>,
  onProgress?: (written: number) => void,
): Promise<{ written: number }> {
  const store =
    target.kind === 'sqlite'
      ? await openSqliteStore(sqlitePath(target.dataDir))
      : await openPostgresStore(target.url, { poolSize: 8, deadlineMs: 60_000 });
  try {
    const lanes = Math.max(1, store.writeConcurrency);
    const laneOf = new Map<string, number>();
    const buffers: Array<Array<SeedEntry & { id: string }>> = Array.from(
      { length: lanes },
      () => [],
    );
    const inFlight: Array<Promise<void>> = Array.from({ length: lanes }, () => Promise.resolve());
    let written = 0;
    let clientMsgIds = 0;

    const write = async (tx: StoreOps, batch: Array<SeedEntry & { id: string }>) => {
      for (const e of batch) {
        const seq = await tx.nextSeq(e.conversationId, e.createdAt, true);
        await tx.insertMessage({
          id: e.id,
          conversationId: e.conversationId,
          seq,
          sender: e.sender,
          clientMsgId: `seed-${(clientMsgIds++).toString(36)}`,
          body: e.body,
          createdAt: e.createdAt,
          editedAt: null,
          deletedAt: null,
          replyTo: null,
          threadRoot: null,
          mentions: [],
          mentionsAll: false,
        });
      }
    };
    const flush = async (lane: number) => {
      const batch = buffers[lane]!;
      buffers[lane] = [];
      // Waits for this lane's previous batch: one transaction per lane at a time, in order.
      await inFlight[lane];
      inFlight[lane] = store
        .transaction((tx) => write(tx, batch))
        .then(() => {
          written += batch.length;
          onProgress?.(written);
        });
      // Awaited by the lane's next flush or at the end; not an unhandled rejection meanwhile.
      inFlight[lane].catch(() => undefined);
    };

    for (const e of entries) {
      let lane = laneOf.get(e.conversationId);
      if (lane === undefined) {
        lane = laneOf.size % lanes;
        laneOf.set(e.conversationId, lane);
      }
      // Ids are made in generation (time) order: ulid() is monotonic, lanes commit out of order.
      buffers[lane]!.push({ ...e, id: ulid(e.createdAt) });
      if (buffers[lane]!.length >= BATCH) await flush(lane);
    }
    for (let lane = 0; lane < lanes; lane++) if (buffers[lane]!.length) await flush(lane);
    await Promise.all(inFlight);
    return { written };
  } finally {
    await store.close();
  }
}
