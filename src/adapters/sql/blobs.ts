import type { Kysely } from 'kysely';
import { AppError } from '../../domain/errors.js';
import { BLOB_CHUNK_BYTES, type BlobInfo, type BlobStore } from '../../ports/store.js';
import { sqlAggregate, type SqlExecutor } from './executor.js';
import { num } from './rows.js';
import type { Database } from './schema.js';

/**
 * Files' bytes in the database (BlobStore, rule F2): a `blobs` row per file and its chunks in
 * `blob_chunks`, so backups, replication and failover carry files as they carry messages.
 */
export const blobs = sqlAggregate<BlobStore>({
  userWrites: ['createBlob', 'appendBlobChunk', 'completeBlob', 'deleteBlobs'],
  ops({ db }: SqlExecutor): BlobStore {
    return {
      async createBlob(id, createdAt): Promise<void> {
        await db.insertInto('blobs').values({ id, created_at: createdAt }).execute();
      },

      async appendBlobChunk(id, index, data): Promise<void> {
        if (data.byteLength === 0 || data.byteLength > BLOB_CHUNK_BYTES) {
          throw new AppError('invalid_request', `a chunk holds 1-${BLOB_CHUNK_BYTES} bytes`);
        }
        // The bookkeeping first, conditionally: a second append of the same index, one out of
        // order, or one to a complete or missing blob changes nothing and is refused.
        const updated = await db
          .updateTable('blobs')
          .set((eb) => ({
            size: eb('size', '+', data.byteLength),
            chunks: eb('chunks', '+', 1),
          }))
          .where('id', '=', id)
          .where('chunks', '=', index)
          .where('complete', '=', 0)
          .executeTakeFirst();
        if (Number(updated.numUpdatedRows) !== 1) {
          throw new AppError('invalid_request', `blob ${id} takes no chunk ${index}`);
        }
        await db
          .insertInto('blob_chunks')
          .values({ blob_id: id, idx: index, data: asBuffer(data) })
          .execute();
      },

      async completeBlob(id): Promise<boolean> {
        const updated = await db
          .updateTable('blobs')
          .set({ complete: 1 })
          .where('id', '=', id)
          .executeTakeFirst();
        return Number(updated.numUpdatedRows) === 1;
      },

      async getBlob(id): Promise<BlobInfo | null> {
        const row = await db
          .selectFrom('blobs')
          .selectAll()
          .where('id', '=', id)
          .executeTakeFirst();
        if (!row) return null;
        return {
          id: row.id,
          size: num(row.size),
          chunks: num(row.chunks),
          complete: num(row.complete) === 1,
          createdAt: num(row.created_at),
        };
      },

      async readBlobChunk(id, index): Promise<Uint8Array | null> {
        const row = await db
          .selectFrom('blob_chunks')
          .select('data')
          .where('blob_id', '=', id)
          .where('idx', '=', index)
          .executeTakeFirst();
        return row
          ? new Uint8Array(row.data.buffer, row.data.byteOffset, row.data.byteLength)
          : null;
      },

      async deleteBlobs(ids): Promise<void> {
        await deleteBlobRows(db, ids);
      },

      async deleteIncompleteBlobs(before): Promise<number> {
        const rows = await db
          .selectFrom('blobs')
          .select('id')
          .where('complete', '=', 0)
          .where('created_at', '<', before)
          .where((eb) =>
            eb.not(
              eb.exists(
                eb
                  .selectFrom('attachments as a')
                  .select('a.id')
                  .where((w) =>
                    w.or([
                      w('a.blob_id', '=', w.ref('blobs.id')),
                      w('a.thumb_blob_id', '=', w.ref('blobs.id')),
                    ]),
                  ),
              ),
            ),
          )
          .execute();
        await deleteBlobRows(
          db,
          rows.map((r) => r.id),
        );
        return rows.length;
      },
    };
  },
});

/** Largest id list one `in (…)` statement takes (well under either engine's parameter limit). */
const ID_BATCH = 500;

/** Deletes blobs and their chunks; explicit, so independent of foreign-key enforcement. */
export async function deleteBlobRows(
  db: Kysely<Database>,
  ids: readonly (string | null)[],
): Promise<void> {
  const wanted = [...new Set(ids.filter((id): id is string => id !== null))];
  for (let i = 0; i < wanted.length; i += ID_BATCH) {
    const batch = wanted.slice(i, i + ID_BATCH);
    await db.deleteFrom('blob_chunks').where('blob_id', 'in', batch).execute();
    await db.deleteFrom('blobs').where('id', 'in', batch).execute();
  }
}

/** The driver binds Buffers (better-sqlite3 takes no plain Uint8Array); no copy. */
function asBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}
