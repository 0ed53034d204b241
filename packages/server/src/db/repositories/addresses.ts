import { desc, eq } from 'drizzle-orm';
import type { Database } from '../database.ts';

/** Client addresses the admin banned from guest uploads. */
export function createAddressesRepository(database: Database) {
  const { bannedAddresses } = database.tables;

  return {
    ban: (address: string, note: string | null, now: Date) =>
      database.run(async (db) => {
        await db
          .insert(bannedAddresses)
          .values({ address, note, createdAt: now })
          .onConflictDoNothing();
      }),

    unban: (address: string) =>
      database.run(async (db) => {
        await db.delete(bannedAddresses).where(eq(bannedAddresses.address, address));
      }),

    isBanned: (address: string) =>
      database.run(async (db) => {
        const [row] = await db
          .select({ address: bannedAddresses.address })
          .from(bannedAddresses)
          .where(eq(bannedAddresses.address, address))
          .limit(1);
        return row !== undefined;
      }),

    list: (limit = 200) =>
      database.run((db) =>
        db.select().from(bannedAddresses).orderBy(desc(bannedAddresses.createdAt)).limit(limit),
      ),
  };
}

export type AddressesRepository = ReturnType<typeof createAddressesRepository>;
