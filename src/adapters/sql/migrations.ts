import { Migrator, sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import { searchText } from '../../domain/search.js';
import { communityMigration } from './migration-community.js';
import { deferredFtsMigration } from './migration-deferred-fts.js';
import { plainSendMigration } from './migration-plain-send.js';
import type { Database } from './schema.js';

/** What the migrations must know about an engine. */
export interface MigrationOptions {
  /**
   * The collation under which text compares and sorts by bytes (PostgreSQL: `C`). Without it
   * columns use the engine's default, which must already be byte order (SQLite's `BINARY`).
   */
  byteCollation?: string;
  /** The column type of raw bytes (file chunks): SQLite `blob`, PostgreSQL `bytea`. */
  bytes?: 'blob' | 'bytea';
  /**
   * How messages are indexed for full-text search (rule Q1): an FTS5 table filled behind the
   * sends (SQLite, migration 0007), or a generated `tsvector` column with a GIN index (PostgreSQL). Both index the
   * same `messages.search_text` tokens (domain/search.ts), so both match alike.
   */
  fullText?: 'fts5' | 'tsvector';
  /** Install the plain send's server-side function (migration 0006, PostgreSQL). */
  appendFunction?: boolean;
}

/**
 * The one migration set for every SQL engine. Types are chosen to mean the same on SQLite and
 * PostgreSQL: `bigint` for epoch-ms times, `integer` for sequence numbers, `text` for ids.
 * Text compares by bytes on every engine, so user pages (`username > after`) and id tie-breaks
 * order alike on SQLite and on a PostgreSQL database of any locale.
 */
function migrationsFor(options: MigrationOptions): Record<string, Migration> {
  const text = options.byteCollation
    ? sql`text collate ${sql.id(options.byteCollation)}`
    : ('text' as const);
  return {
    '0001_initial': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('users')
          .addColumn('id', text, (c) => c.primaryKey())
          .addColumn('username', text, (c) => c.notNull())
          .addColumn('password_hash', text, (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('deleted_at', 'bigint')
          .execute();
        // Usernames are stored lowercase; live accounts are unique, deleted ones free the name.
        await db.schema
          .createIndex('users_username_live')
          .on('users')
          .column('username')
          .unique()
          .where(sql.ref('deleted_at'), 'is', null)
          .execute();

        await db.schema
          .createTable('sessions')
          .addColumn('id', text, (c) => c.primaryKey())
          .addColumn('user_id', text, (c) => c.notNull().references('users.id'))
          .addColumn('token_hash', text, (c) => c.notNull().unique())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('expires_at', 'bigint', (c) => c.notNull())
          .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('sessions_user').on('sessions').column('user_id').execute();

        await db.schema
          .createTable('conversations')
          .addColumn('id', text, (c) => c.primaryKey())
          .addColumn('kind', text, (c) => c.notNull())
          .addColumn('name', 'text')
          .addColumn('dm_key', text, (c) => c.unique())
          .addColumn('created_by', text, (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('last_seq', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('last_message_at', 'bigint', (c) => c.notNull())
          .execute();

        await db.schema
          .createTable('members')
          .addColumn('conversation_id', text, (c) =>
            c.notNull().references('conversations.id').onDelete('cascade'),
          )
          .addColumn('user_id', text, (c) => c.notNull().references('users.id'))
          .addColumn('role', text, (c) => c.notNull())
          .addColumn('joined_at', 'bigint', (c) => c.notNull())
          .addColumn('last_read_seq', 'integer', (c) => c.notNull().defaultTo(0))
          .addPrimaryKeyConstraint('members_pk', ['conversation_id', 'user_id'])
          .execute();
        await db.schema.createIndex('members_user').on('members').column('user_id').execute();

        await db.schema
          .createTable('messages')
          .addColumn('id', text, (c) => c.primaryKey())
          .addColumn('conversation_id', text, (c) =>
            c.notNull().references('conversations.id').onDelete('cascade'),
          )
          .addColumn('seq', 'integer', (c) => c.notNull())
          .addColumn('sender_id', text, (c) => c.notNull())
          .addColumn('client_msg_id', text, (c) => c.notNull())
          .addColumn('body', text, (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('edited_at', 'bigint')
          .addColumn('deleted_at', 'bigint')
          .addUniqueConstraint('messages_conversation_seq', ['conversation_id', 'seq'])
          .addUniqueConstraint('messages_sender_client_id', ['sender_id', 'client_msg_id'])
          .execute();

        await db.schema
          .createTable('events')
          .addColumn('conversation_id', text, (c) =>
            c.notNull().references('conversations.id').onDelete('cascade'),
          )
          .addColumn('seq', 'integer', (c) => c.notNull())
          .addColumn('type', text, (c) => c.notNull())
          .addColumn('actor_id', text, (c) => c.notNull())
          // The message an edit or deletion refers to, so a deletion can erase earlier edits.
          .addColumn('target_seq', 'integer')
          .addColumn('data', text, (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('events_pk', ['conversation_id', 'seq'])
          .execute();

        await db.schema
          .createTable('nodes')
          .addColumn('id', text, (c) => c.primaryKey())
          .addColumn('url', text, (c) => c.notNull())
          .addColumn('started_at', 'bigint', (c) => c.notNull())
          .addColumn('heartbeat_at', 'bigint', (c) => c.notNull())
          .addColumn('connections', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('draining', 'integer', (c) => c.notNull().defaultTo(0))
          .execute();
      },
    },
    '0002_presence': {
      // Which node holds a user's open sockets, so every node can answer "online" (rule G7).
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('presence')
          .addColumn('user_id', text, (c) => c.notNull())
          .addColumn('node_id', text, (c) => c.notNull())
          .addColumn('since', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('presence_pk', ['user_id', 'node_id'])
          .execute();
        await db.schema.createIndex('presence_node').on('presence').column('node_id').execute();
      },
    },
    '0003_rich_messages': {
      // Replies and threads (R1-R3), reactions (R4-R5), mentions (R6-R8), read-marker privacy (R9).
      async up(db: Kysely<unknown>) {
        await db.schema.alterTable('messages').addColumn('reply_to', 'integer').execute();
        await db.schema.alterTable('messages').addColumn('thread_root', 'integer').execute();
        await db.schema
          .alterTable('messages')
          .addColumn('mentions', 'text', (c) => c.notNull().defaultTo('[]'))
          .execute();
        await db.schema
          .alterTable('messages')
          .addColumn('mentions_all', 'integer', (c) => c.notNull().defaultTo(0))
          .execute();
        await db.schema
          .createIndex('messages_thread')
          .on('messages')
          .columns(['conversation_id', 'thread_root', 'seq'])
          .where(sql.ref('thread_root'), 'is not', null)
          .execute();

        // The @all half of the mention list (R8) reads only the messages that mention @all.
        await db.schema
          .createIndex('messages_mentions_all')
          .on('messages')
          .columns(['conversation_id', 'id'])
          .where(sql.ref('mentions_all'), '=', 1)
          .execute();

        await db.schema
          .createTable('mentions')
          .addColumn('conversation_id', text, (c) =>
            c.notNull().references('conversations.id').onDelete('cascade'),
          )
          .addColumn('seq', 'integer', (c) => c.notNull())
          .addColumn('user_id', text, (c) => c.notNull())
          .addPrimaryKeyConstraint('mentions_pk', ['conversation_id', 'seq', 'user_id'])
          .execute();
        await db.schema
          .createIndex('mentions_user')
          .on('mentions')
          .columns(['user_id', 'conversation_id', 'seq'])
          .execute();

        await db.schema
          .createTable('reactions')
          .addColumn('conversation_id', text, (c) =>
            c.notNull().references('conversations.id').onDelete('cascade'),
          )
          .addColumn('seq', 'integer', (c) => c.notNull())
          .addColumn('emoji', text, (c) => c.notNull())
          .addColumn('user_id', text, (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('reactions_pk', ['conversation_id', 'seq', 'emoji', 'user_id'])
          .execute();

        await db.schema
          .alterTable('users')
          .addColumn('share_read_markers', 'integer', (c) => c.notNull().defaultTo(1))
          .execute();
        await db.schema
          .alterTable('conversations')
          .addColumn('all_mentions', 'text', (c) => c.notNull().defaultTo('members'))
          .execute();
      },
    },
    '0004_files_search_notifications': {
      // Files (rules F1-F9), message search (Q1-Q6), notifications (N1-N8); issue 15.
      async up(db: Kysely<unknown>) {
        const bytes = options.bytes ?? 'blob';
        // A file's bytes, in chunks of at most 256 KiB, each written in its own short
        // transaction while the upload streams in; `complete` once the last one is written.
        await db.schema
          .createTable('blobs')
          .addColumn('id', text, (c) => c.primaryKey())
          .addColumn('size', 'bigint', (c) => c.notNull().defaultTo(0))
          .addColumn('chunks', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('complete', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('blob_chunks')
          .addColumn('blob_id', text, (c) => c.notNull().references('blobs.id').onDelete('cascade'))
          .addColumn('idx', 'integer', (c) => c.notNull())
          .addColumn('data', bytes, (c) => c.notNull())
          .addPrimaryKeyConstraint('blob_chunks_pk', ['blob_id', 'idx'])
          .execute();
        // An uploaded file: its uploader's until a message attaches it (conversation_id, seq,
        // position set), then the conversation's. Images have their size and a thumbnail.
        await db.schema
          .createTable('attachments')
          .addColumn('id', text, (c) => c.primaryKey())
          .addColumn('uploader_id', text, (c) => c.notNull())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('content_type', text, (c) => c.notNull())
          .addColumn('size', 'bigint', (c) => c.notNull())
          .addColumn('blob_id', text, (c) => c.notNull())
          .addColumn('width', 'integer')
          .addColumn('height', 'integer')
          .addColumn('thumb_blob_id', text)
          .addColumn('thumb_width', 'integer')
          .addColumn('thumb_height', 'integer')
          .addColumn('conversation_id', text)
          .addColumn('seq', 'integer')
          .addColumn('position', 'integer')
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('attachments_uploader')
          .on('attachments')
          .column('uploader_id')
          .execute();
        await db.schema
          .createIndex('attachments_message')
          .on('attachments')
          .columns(['conversation_id', 'seq', 'position'])
          .where(sql.ref('conversation_id'), 'is not', null)
          .execute();

        // Search: the body's tokens (domain/search.ts), "" once deleted; indexed per engine.
        await db.schema
          .alterTable('messages')
          .addColumn('search_text', 'text', (c) => c.notNull().defaultTo(''))
          .execute();
        await backfillSearchText(db);
        if ((options.fullText ?? 'fts5') === 'fts5') {
          // FTS5 over messages.search_text (external content, keyed by the rowid, which the
          // node never renumbers: it never runs VACUUM; backups copy pages). The `ascii`
          // tokenizer splits only at ASCII separators: exactly at the spaces between tokens.
          await sql`create virtual table messages_fts using fts5(search_text, content='messages', content_rowid='rowid', tokenize='ascii')`.execute(
            db,
          );
          await sql`insert into messages_fts(messages_fts) values ('rebuild')`.execute(db);
          await sql`create trigger messages_fts_insert after insert on messages begin
            insert into messages_fts(rowid, search_text) values (new.rowid, new.search_text);
          end`.execute(db);
          await sql`create trigger messages_fts_delete after delete on messages begin
            insert into messages_fts(messages_fts, rowid, search_text) values ('delete', old.rowid, old.search_text);
          end`.execute(db);
          await sql`create trigger messages_fts_update after update of search_text on messages begin
            insert into messages_fts(messages_fts, rowid, search_text) values ('delete', old.rowid, old.search_text);
            insert into messages_fts(rowid, search_text) values (new.rowid, new.search_text);
          end`.execute(db);
        } else {
          // The tokens as lexemes, unparsed: no dictionary, no stemming, as on SQLite.
          await sql`alter table messages add column search_vector tsvector generated always as (array_to_tsvector(string_to_array(search_text, ' '))) stored`.execute(
            db,
          );
          await sql`create index messages_search on messages using gin (search_vector)`.execute(db);
        }

        // Notifications: per-conversation mute (N3), do-not-disturb (N4), Web Push (N5-N7).
        await db.schema
          .alterTable('members')
          .addColumn('muted', 'integer', (c) => c.notNull().defaultTo(0))
          .execute();
        await db.schema.alterTable('users').addColumn('dnd_until', 'bigint').execute();
        await db.schema
          .createTable('push_subscriptions')
          .addColumn('id', text, (c) => c.primaryKey())
          .addColumn('user_id', text, (c) => c.notNull())
          .addColumn('session_id', text, (c) => c.notNull())
          .addColumn('endpoint', 'text', (c) => c.notNull().unique())
          .addColumn('p256dh', 'text', (c) => c.notNull())
          .addColumn('auth', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('push_subscriptions_user')
          .on('push_subscriptions')
          .column('user_id')
          .execute();
        await db.schema
          .createIndex('push_subscriptions_session')
          .on('push_subscriptions')
          .column('session_id')
          .execute();
        // Secrets every node of a deployment shares, made once by whichever node needs one
        // first (insert-if-absent, then read back): the VAPID key pair of Web Push (N5).
        await db.schema
          .createTable('server_secrets')
          .addColumn('name', text, (c) => c.primaryKey())
          .addColumn('value', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .execute();
      },
    },
    '0005_community': communityMigration(text),
    '0006_plain_send': plainSendMigration(options.appendFunction === true),
    '0007_deferred_fts': deferredFtsMigration((options.fullText ?? 'fts5') === 'fts5'),
  };
}

/** Fills `messages.search_text` for the messages stored before search existed, in pages. */
async function backfillSearchText(db: Kysely<unknown>): Promise<void> {
  const typed = db as Kysely<Database>;
  let after = '';
  for (;;) {
    const rows = await typed
      .selectFrom('messages')
      .select(['id', 'body'])
      .where('id', '>', after)
      .where('deleted_at', 'is', null)
      .orderBy('id')
      .limit(1000)
      .execute();
    for (const row of rows) {
      const tokens = searchText(row.body);
      if (tokens !== '') {
        await typed
          .updateTable('messages')
          .set({ search_text: tokens })
          .where('id', '=', row.id)
          .execute();
      }
    }
    if (rows.length < 1000) return;
    after = rows[rows.length - 1]!.id;
  }
}

/** Supplies the migration set, built for an engine, to Kysely's Migrator. */
export function migrationProvider(options: MigrationOptions = {}): MigrationProvider {
  const migrations = migrationsFor(options);
  return { getMigrations: () => Promise.resolve(migrations) };
}

/** Applies the shared migration set; throws with the failing migration's error. */
export async function migrate(db: Kysely<Database>, options: MigrationOptions = {}): Promise<void> {
  const migrator = new Migrator({ db, provider: migrationProvider(options) });
  const { error } = await migrator.migrateToLatest();
  if (error) throw new Error('database migration failed', { cause: error });
}
