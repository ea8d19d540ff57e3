import { sql } from 'kysely';
import type { InviteRecord, InvitesStore, InviteView } from '../../ports/store.js';
import { sqlAggregate, type SqlExecutor } from './executor.js';
import { DELETED_USER_NAME, num, numOrNull } from './rows.js';

type InviteRow = {
  id: string;
  code_hash: string;
  created_by: string;
  created_at: number | string;
  expires_at: number | string | null;
  max_uses: number | string | null;
  uses: number | string;
  revoked_at: number | string | null;
};

function toInvite(r: InviteRow): InviteRecord {
  return {
    id: r.id,
    codeHash: r.code_hash,
    createdBy: r.created_by,
    createdAt: num(r.created_at),
    // Every invite this node writes has both bounds; the columns allow null for none.
    expiresAt: numOrNull(r.expires_at) ?? Number.MAX_SAFE_INTEGER,
    maxUses: numOrNull(r.max_uses) ?? Number.MAX_SAFE_INTEGER,
    uses: num(r.uses),
    revokedAt: numOrNull(r.revoked_at),
  };
}

function toView(r: InviteRow & { username: string | null; deleted_at: unknown }): InviteView {
  const { codeHash: _, ...invite } = toInvite(r);
  const gone = r.username === null || r.deleted_at !== null;
  return { ...invite, createdByUsername: gone ? DELETED_USER_NAME : r.username! };
}

/** Invite codes (InvitesStore) over SQL. */
export const invites = sqlAggregate<InvitesStore>({
  userWrites: ['createInvite', 'revokeInvite', 'takeInviteUse', 'releaseInviteUse'],
  ops({ db }: SqlExecutor): InvitesStore {
    const views = () =>
      db
        .selectFrom('invites as i')
        .leftJoin('users as u', 'u.id', 'i.created_by')
        .selectAll('i')
        .select(['u.username', 'u.deleted_at']);
    const usable = (now: number) =>
      sql<boolean>`revoked_at is null and (expires_at is null or expires_at > ${now}) and (max_uses is null or uses < max_uses)`;
    return {
      async createInvite(i: InviteRecord): Promise<void> {
        await db
          .insertInto('invites')
          .values({
            id: i.id,
            code_hash: i.codeHash,
            created_by: i.createdBy,
            created_at: i.createdAt,
            expires_at: i.expiresAt,
            max_uses: i.maxUses,
            uses: i.uses,
            revoked_at: i.revokedAt,
          })
          .execute();
      },

      async getInvite(id: string): Promise<InviteView | null> {
        const row = await views().where('i.id', '=', id).executeTakeFirst();
        return row ? toView(row) : null;
      },

      async listInvites({ createdBy, limit }): Promise<InviteView[]> {
        let q = views();
        if (createdBy !== null) q = q.where('i.created_by', '=', createdBy);
        const rows = await q.orderBy('i.id', 'desc').limit(limit).execute();
        return rows.map(toView);
      },

      async revokeInvite(id: string, at: number): Promise<boolean> {
        const result = await db
          .updateTable('invites')
          .set({ revoked_at: at })
          .where('id', '=', id)
          .where('revoked_at', 'is', null)
          .executeTakeFirst();
        return Number(result.numUpdatedRows) > 0;
      },

      async findUsableInvite(codeHash: string, now: number): Promise<InviteRecord | null> {
        const row = await db
          .selectFrom('invites')
          .selectAll()
          .where('code_hash', '=', codeHash)
          .where(usable(now))
          .executeTakeFirst();
        return row ? toInvite(row) : null;
      },

      async takeInviteUse(codeHash: string, now: number): Promise<InviteRecord | null> {
        // One statement: PostgreSQL re-checks the condition on the row a concurrent taker
        // committed (read committed), SQLite has one writer; neither hands out a use twice.
        const row = await db
          .updateTable('invites')
          .set({ uses: sql`uses + 1` })
          .where('code_hash', '=', codeHash)
          .where(usable(now))
          .returningAll()
          .executeTakeFirst();
        return row ? toInvite(row) : null;
      },

      async releaseInviteUse(id: string): Promise<void> {
        await db
          .updateTable('invites')
          .set({ uses: sql`uses - 1` })
          .where('id', '=', id)
          .where('uses', '>', 0)
          .execute();
      },
    };
  },
});
