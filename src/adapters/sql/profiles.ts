import type { ProfileRecord, ProfilesStore } from '../../ports/store/profiles.js';
import { requireAlphabet } from '../../domain/text.js';
import { sqlAggregate, type SqlExecutor } from './executor.js';
import { num, numOrNull } from './rows.js';

/** Largest id list one `in (…)` statement takes. */
const ID_BATCH = 500;

const COLUMNS = [
  'id',
  'username',
  'deleted_at',
  'display_name',
  'status_text',
  'avatar_blob_id',
  'avatar_updated_at',
  'last_seen_at',
  'share_last_seen',
] as const;

interface Row {
  id: string;
  username: string;
  deleted_at: number | string | bigint | null;
  display_name: string | null;
  status_text: string | null;
  avatar_blob_id: string | null;
  avatar_updated_at: number | string | bigint | null;
  last_seen_at: number | string | bigint | null;
  share_last_seen: number | string | bigint;
}

function toProfile(row: Row): ProfileRecord {
  return {
    userId: row.id,
    username: row.username,
    deletedAt: numOrNull(row.deleted_at),
    displayName: row.display_name,
    statusText: row.status_text,
    avatarBlobId: row.avatar_blob_id,
    avatarUpdatedAt: numOrNull(row.avatar_updated_at),
    lastSeenAt: numOrNull(row.last_seen_at),
    shareLastSeen: num(row.share_last_seen) === 1,
  };
}

/** Profiles (ProfilesStore) over SQL: columns of the users row (migration 0005). */
export const profiles = sqlAggregate<ProfilesStore>({
  userWrites: ['updateProfile', 'setAvatar'],
  ops({ db }: SqlExecutor): ProfilesStore {
    return {
      async getProfiles(userIds): Promise<ProfileRecord[]> {
        const wanted = [...new Set(userIds)];
        const out: ProfileRecord[] = [];
        for (let i = 0; i < wanted.length; i += ID_BATCH) {
          const batch = wanted.slice(i, i + ID_BATCH);
          requireAlphabet('line', Object.fromEntries(batch.map((id, n) => [`ids[${n}]`, id])));
          const rows = await db
            .selectFrom('users')
            .select(COLUMNS)
            .where('id', 'in', batch)
            .execute();
          out.push(...rows.map(toProfile));
        }
        return out;
      },

      async getProfileByUsername(username): Promise<ProfileRecord | null> {
        requireAlphabet('line', { username });
        const row = await db
          .selectFrom('users')
          .select(COLUMNS)
          .where('username', '=', username)
          .where('deleted_at', 'is', null)
          .executeTakeFirst();
        return row ? toProfile(row) : null;
      },

      async updateProfile(userId, patch): Promise<boolean> {
        requireAlphabet('line', { userId, displayName: patch.displayName });
        requireAlphabet('line', { statusText: patch.statusText });
        const set: { display_name?: string | null; status_text?: string | null } = {};
        if (patch.displayName !== undefined) set.display_name = patch.displayName;
        if (patch.statusText !== undefined) set.status_text = patch.statusText;
        if (Object.keys(set).length === 0) {
          const row = await db
            .selectFrom('users')
            .select('id')
            .where('id', '=', userId)
            .executeTakeFirst();
          return row !== undefined;
        }
        const updated = await db
          .updateTable('users')
          .set(set)
          .where('id', '=', userId)
          .executeTakeFirst();
        return Number(updated.numUpdatedRows) === 1;
      },

      async setAvatar(userId, blobId, at): Promise<string | null | undefined> {
        requireAlphabet('line', { userId, blobId });
        const row = await db
          .selectFrom('users')
          .select('avatar_blob_id')
          .where('id', '=', userId)
          .executeTakeFirst();
        if (!row) return undefined;
        await db
          .updateTable('users')
          .set({ avatar_blob_id: blobId, avatar_updated_at: blobId === null ? null : at })
          .where('id', '=', userId)
          .execute();
        return row.avatar_blob_id;
      },

      async touchLastSeen(userId, at): Promise<void> {
        requireAlphabet('line', { userId });
        await db
          .updateTable('users')
          .set({ last_seen_at: at })
          .where('id', '=', userId)
          .where((eb) => eb.or([eb('last_seen_at', 'is', null), eb('last_seen_at', '<', at)]))
          .execute();
      },
    };
  },
});
