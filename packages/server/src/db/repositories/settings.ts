import { eq } from 'drizzle-orm';
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
