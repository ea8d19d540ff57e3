import { sql, type Kysely, type Migration, type RawBuilder } from 'kysely';

/**
 * Migration 0005 (issue 16): server admins, suspension and the audit log; registration modes
 * and invites; password changes and resets; public groups and history visibility; moderation;
 * profiles. `text` is the byte-ordered text type of the engine (see migrations.ts).
 */
export function communityMigration(text: 'text' | RawBuilder<unknown>): Migration {
  return {
    async up(db: Kysely<unknown>) {
      const addUserColumn = (name: string, type: 'text' | 'bigint' | 'integer', def?: number) =>
        db.schema
          .alterTable('users')
          .addColumn(name, type, (c) => (def === undefined ? c : c.notNull().defaultTo(def)))
          .execute();
      await addUserColumn('admin', 'integer', 0);
      await addUserColumn('suspended_at', 'bigint');
      await addUserColumn('suspended_reason', 'text');
      await addUserColumn('display_name', 'text');
      await addUserColumn('status_text', 'text');
      await addUserColumn('avatar_blob_id', 'text');
      await addUserColumn('avatar_updated_at', 'bigint');
      await addUserColumn('last_seen_at', 'bigint');
      await addUserColumn('share_last_seen', 'integer', 1);
      await addUserColumn('email', 'text');
      await addUserColumn('password_changed_at', 'bigint');

      // Public groups are listed and joined by name; `history` says whether a member who
      // joins later reads what came before ('all') or only from their joining on ('joined').
      await db.schema
        .alterTable('conversations')
        .addColumn('visibility', text, (c) => c.notNull().defaultTo('private'))
        .execute();
      await db.schema
        .alterTable('conversations')
        .addColumn('history', text, (c) => c.notNull().defaultTo('all'))
        .execute();
      await db.schema
        .createIndex('conversations_public')
        .on('conversations')
        .columns(['name', 'id'])
        .where(sql.ref('visibility'), '=', 'public')
        .execute();
      // The first seq a member may read (0: the whole history), and a moderator's mute.
      await db.schema
        .alterTable('members')
        .addColumn('history_from', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema.alterTable('members').addColumn('muted_until', 'bigint').execute();
      // Who deleted a message when it was not its sender (a moderator or a server admin).
      await db.schema.alterTable('messages').addColumn('deleted_by', text).execute();

      // Invite codes: only their SHA-256 is stored, like session tokens.
      await db.schema
        .createTable('invites')
        .addColumn('id', text, (c) => c.primaryKey())
        .addColumn('code_hash', text, (c) => c.notNull().unique())
        .addColumn('created_by', text, (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint')
        .addColumn('max_uses', 'integer')
        .addColumn('uses', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('revoked_at', 'bigint')
        .execute();
      // One-time password reset links (admin-issued or mailed), stored as the token's SHA-256.
      await db.schema
        .createTable('password_resets')
        .addColumn('token_hash', text, (c) => c.primaryKey())
        .addColumn('user_id', text, (c) => c.notNull())
        .addColumn('created_by', text)
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('used_at', 'bigint')
        .execute();
      await db.schema
        .createIndex('password_resets_user')
        .on('password_resets')
        .column('user_id')
        .execute();
      // What admins did, newest last (ids are ULIDs); `actor_id` null: the operator's CLI.
      await db.schema
        .createTable('audit_log')
        .addColumn('id', text, (c) => c.primaryKey())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('actor_id', text)
        .addColumn('action', text, (c) => c.notNull())
        .addColumn('target_user_id', text)
        .addColumn('target_conversation_id', text)
        .addColumn('data', 'text', (c) => c.notNull().defaultTo('{}'))
        .execute();
      // Settings an admin changes at runtime (the registration mode), shared by every node.
      await db.schema
        .createTable('server_settings')
        .addColumn('name', text, (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_by', text)
        .execute();
    },
  };
}
