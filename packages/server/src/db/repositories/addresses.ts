import { desc, eq, sql } from 'drizzle-orm';
import type { Database } from '../database.ts';
import { preparedQuery } from '../prepared.ts';

/** Client addresses the admin banned from guest uploads. */
export function createAddressesRepository(database: Database) {
  const { bannedAddresses } = database.tables;
  // Every guest upload asks: prepared once (prepared.ts).
  const bannedRow = preparedQuery((db) =>
    db
      .select({ address: bannedAddresses.address })
      .from(bannedAddresses)
      .where(eq(bannedAddresses.address, sql.placeholder('address')))
      .limit(1)
      .prepare('banned_addresses_one'),
  );

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
      database.run(async (db) => (await bannedRow(db, { address })).length > 0),

    list: (limit = 200) =>
      database.run((db) =>
        db.select().from(bannedAddresses).orderBy(desc(bannedAddresses.createdAt)).limit(limit),
      ),
  };
}

export type AddressesRepository = ReturnType<typeof createAddressesRepository>;
