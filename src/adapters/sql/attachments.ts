import type { Kysely, Selectable } from 'kysely';
import type { Attachment } from '../../domain/model.js';
import {
  messageKey,
  type AttachmentRecord,
  type AttachmentsStore,
  type BlobStore,
  type MessageRef,
} from '../../ports/store.js';
import { deleteBlobRows } from './blobs.js';
import { sqlAggregate, type SqlExecutor } from './executor.js';
import { num, numOrNull } from './rows.js';
import type { Database } from './schema.js';

type Row = Selectable<Database['attachments']>;
type AttachmentOps = Omit<AttachmentsStore, keyof BlobStore>;

/** Uploaded files and where they are attached (AttachmentsStore, rules F1-F9) over SQL. */
export const attachments = sqlAggregate<AttachmentOps>({
  userWrites: [
    'insertAttachmentWithinQuota',
    'attachToMessage',
    'deleteMessageAttachments',
    'deleteUnattachedUploads',
    'deleteUpload',
  ],
  ops({ db, engine }: SqlExecutor): AttachmentOps {
    const used = async (userId: string) => {
      const row = await db
        .selectFrom('attachments')
        .select((eb) => eb.fn.sum<number | string | null>('size').as('bytes'))
        .where('uploader_id', '=', userId)
        .executeTakeFirst();
      return row?.bytes === null || row?.bytes === undefined ? 0 : num(row.bytes);
    };
    const deleteWithBlobs = async (rows: Array<Pick<Row, 'id' | 'blob_id' | 'thumb_blob_id'>>) => {
      if (rows.length === 0) return 0;
      for (let i = 0; i < rows.length; i += 500) {
        const batch = rows.slice(i, i + 500);
        await db
          .deleteFrom('attachments')
          .where(
            'id',
            'in',
            batch.map((r) => r.id),
          )
          .execute();
      }
      await deleteBlobRows(
        db,
        rows.flatMap((r) => [r.blob_id, r.thumb_blob_id]),
      );
      return rows.length;
    };
    return {
      async insertAttachmentWithinQuota(record, quotaBytes) {
        // Row-locking engines serialize one uploader's inserts on the user's row, so two
        // concurrent uploads cannot both pass the sum; a single-writer engine needs no lock.
        if (engine.rowLocks) {
          await db
            .selectFrom('users')
            .select('id')
            .where('id', '=', record.uploaderId)
            .forUpdate()
            .execute();
        }
        const usedBytes = await used(record.uploaderId);
        if (usedBytes + record.size > quotaBytes) return { inserted: false, usedBytes };
        await db.insertInto('attachments').values(toRow(record)).execute();
        return { inserted: true, usedBytes };
      },

      async getAttachment(id) {
        const row = await db
          .selectFrom('attachments')
          .selectAll()
          .where('id', '=', id)
          .executeTakeFirst();
        return row ? toRecord(row) : null;
      },

      async getAttachments(ids) {
        if (ids.length === 0) return [];
        const rows = await db
          .selectFrom('attachments')
          .selectAll()
          .where('id', 'in', [...new Set(ids)])
          .execute();
        return rows.map(toRecord);
      },

      async attachToMessage(ids, message) {
        let attached = 0;
        for (const [position, id] of ids.entries()) {
          const result = await db
            .updateTable('attachments')
            .set({ conversation_id: message.conversationId, seq: message.seq, position })
            .where('id', '=', id)
            .where('conversation_id', 'is', null)
            .executeTakeFirst();
          attached += Number(result.numUpdatedRows);
        }
        return attached;
      },

      async listMessageAttachments(messages) {
        return attachmentsOfMessages(db, messages);
      },

      async deleteMessageAttachments(message) {
        const rows = await db
          .selectFrom('attachments')
          .select(['id', 'blob_id', 'thumb_blob_id'])
          .where('conversation_id', '=', message.conversationId)
          .where('seq', '=', message.seq)
          .execute();
        return deleteWithBlobs(rows);
      },

      usedUploadBytes: used,

      async listUnattachedUploads(userId) {
        const rows = await db
          .selectFrom('attachments')
          .selectAll()
          .where('uploader_id', '=', userId)
          .where('conversation_id', 'is', null)
          .orderBy('created_at')
          .orderBy('id')
          .execute();
        return rows.map(toRecord);
      },

      async deleteUpload(id, uploaderId) {
        const rows = await db
          .selectFrom('attachments')
          .select(['id', 'blob_id', 'thumb_blob_id'])
          .where('id', '=', id)
          .where('uploader_id', '=', uploaderId)
          .where('conversation_id', 'is', null)
          .execute();
        return (await deleteWithBlobs(rows)) === 1;
      },

      async deleteUnattachedUploads(userId) {
        const rows = await db
          .selectFrom('attachments')
          .select(['id', 'blob_id', 'thumb_blob_id'])
          .where('uploader_id', '=', userId)
          .where('conversation_id', 'is', null)
          .execute();
        return deleteWithBlobs(rows);
      },

      async sweepUnattachedUploads(before) {
        const rows = await db
          .selectFrom('attachments')
          .select(['id', 'blob_id', 'thumb_blob_id'])
          .where('conversation_id', 'is', null)
          .where('created_at', '<', before)
          .execute();
        return deleteWithBlobs(rows);
      },
    };
  },
});

/**
 * The attachments of several messages in one query, each message's in position order, keyed
 * by {@link messageKey}; messages without any are absent, and no query runs for none.
 */
export async function attachmentsOfMessages(
  db: Kysely<Database>,
  messages: readonly MessageRef[],
): Promise<Map<string, Attachment[]>> {
  const result = new Map<string, Attachment[]>();
  const byConversation = new Map<string, Set<number>>();
  for (const m of messages) {
    let seqs = byConversation.get(m.conversationId);
    if (!seqs) byConversation.set(m.conversationId, (seqs = new Set()));
    seqs.add(m.seq);
  }
  if (byConversation.size === 0) return result;
  const rows = await db
    .selectFrom('attachments')
    .selectAll()
    .where((eb) =>
      eb.or(
        [...byConversation].map(([conversationId, seqs]) =>
          eb.and([eb('conversation_id', '=', conversationId), eb('seq', 'in', [...seqs])]),
        ),
      ),
    )
    .orderBy('conversation_id')
    .orderBy('seq')
    .orderBy('position')
    .execute();
  for (const row of rows) {
    if (row.conversation_id === null || row.seq === null) continue;
    const k = messageKey({ conversationId: row.conversation_id, seq: num(row.seq) });
    const list = result.get(k);
    const attachment = toAttachment(row);
    if (list) list.push(attachment);
    else result.set(k, [attachment]);
  }
  return result;
}

/** Deletes the attachments of a conversation's messages and their blobs (its deletion). */
export async function deleteConversationAttachments(
  db: Kysely<Database>,
  conversationId: string,
): Promise<void> {
  const rows = await db
    .selectFrom('attachments')
    .select(['id', 'blob_id', 'thumb_blob_id'])
    .where('conversation_id', '=', conversationId)
    .execute();
  if (rows.length === 0) return;
  await db.deleteFrom('attachments').where('conversation_id', '=', conversationId).execute();
  await deleteBlobRows(
    db,
    rows.flatMap((r) => [r.blob_id, r.thumb_blob_id]),
  );
}

function toAttachment(row: Row): Attachment {
  const thumbWidth = numOrNull(row.thumb_width);
  const thumbHeight = numOrNull(row.thumb_height);
  return {
    id: row.id,
    name: row.name,
    contentType: row.content_type,
    size: num(row.size),
    width: numOrNull(row.width),
    height: numOrNull(row.height),
    thumbnail:
      row.thumb_blob_id !== null && thumbWidth !== null && thumbHeight !== null
        ? { width: thumbWidth, height: thumbHeight }
        : null,
  };
}

function toRecord(row: Row): AttachmentRecord {
  return {
    ...toAttachment(row),
    uploaderId: row.uploader_id,
    blobId: row.blob_id,
    thumbBlobId: row.thumb_blob_id,
    conversationId: row.conversation_id,
    seq: numOrNull(row.seq),
    position: numOrNull(row.position),
    createdAt: num(row.created_at),
  };
}

function toRow(r: AttachmentRecord): Database['attachments'] {
  return {
    id: r.id,
    uploader_id: r.uploaderId,
    name: r.name,
    content_type: r.contentType,
    size: r.size,
    blob_id: r.blobId,
    width: r.width,
    height: r.height,
    thumb_blob_id: r.thumbBlobId,
    thumb_width: r.thumbnail?.width ?? null,
    thumb_height: r.thumbnail?.height ?? null,
    conversation_id: r.conversationId,
    seq: r.seq,
    position: r.position,
    created_at: r.createdAt,
  };
}
