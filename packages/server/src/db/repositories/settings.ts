import { eq, inArray } from 'drizzle-orm';
import type { Database } from '../database.ts';

/** Instance-wide values kept across restarts and shared by every instance. */
export function createSettingsRepository(database: Database) {
  const { settings } = database.tables;
  const get = (key: string) =>
    database.run(
      async (db) =>
        (await db.select().from(settings).where(eq(settings.key, key)))[0]?.value ?? null,
    );
  return {
    get,
    /** Stores the value unless one is there already; returns the one that is kept. */
    ensure: async (key: string, value: string) => {
      await database.run(async (db) => {
        await db.insert(settings).values({ key, value }).onConflictDoNothing();
      });
      return (await get(key)) ?? value;
    },
    /**
     * `ensure` for several values in one commit (the first start stores them all at once);
     * returns the values that are kept, by key.
     */
    ensureAll: (values: Record<string, string>): Promise<Record<string, string | undefined>> =>
      database.run(async (db) => {
        const keys = Object.keys(values);
        await db
          .insert(settings)
          .values(Object.entries(values).map(([key, value]) => ({ key, value })))
          .onConflictDoNothing();
        const kept = await db.select().from(settings).where(inArray(settings.key, keys));
        const out: Record<string, string | undefined> = { ...values };
        for (const row of kept) out[row.key] = row.value;
        return out;
      }),
    set: (key: string, value: string) =>
      database.run(async (db) => {
        await db
          .insert(settings)
          .values({ key, value })
          .onConflictDoUpdate({ target: settings.key, set: { value } });
      }),
  };
}

export type SettingsRepository = ReturnType<typeof createSettingsRepository>;
