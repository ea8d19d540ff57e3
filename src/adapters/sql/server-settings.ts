import type { ServerSettingsStore } from '../../ports/store.js';
import { sqlAggregate, type SqlExecutor } from './executor.js';

/** Runtime server settings (ServerSettingsStore) over SQL. */
export const serverSettings = sqlAggregate<ServerSettingsStore>({
  userWrites: ['setServerSetting'],
  ops({ db }: SqlExecutor): ServerSettingsStore {
    return {
      async getServerSetting(name: string): Promise<string | null> {
        const row = await db
          .selectFrom('server_settings')
          .select('value')
          .where('name', '=', name)
          .executeTakeFirst();
        return row?.value ?? null;
      },

      async setServerSetting(name: string, value: string, at: number, by: string | null) {
        const row = { value, updated_at: at, updated_by: by };
        await db
          .insertInto('server_settings')
          .values({ name, ...row })
          .onConflict((oc) => oc.column('name').doUpdateSet(row))
          .execute();
      },
    };
  },
});
