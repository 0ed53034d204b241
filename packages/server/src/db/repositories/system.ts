import { and, asc, count, eq, gt, inArray, lt, lte, or } from 'drizzle-orm';
import type { Database } from '../database.ts';

/** The server's own bookkeeping: running instances, leases, and the file-removal outbox. */
export function createSystemRepository(database: Database) {
  const { instances, leases, fileDeletions } = database.tables;

  return {
    registerInstance: (input: { id: string; host: string; pid: number; now: Date }) =>
      database.run(async (db) => {
        await db.insert(instances).values({
          id: input.id,
          host: input.host,
          pid: input.pid,
          startedAt: input.now,
          heartbeatAt: input.now,
        });
      }),

    heartbeat: (id: string, now: Date) =>
      database.run(async (db) => {
        await db.update(instances).set({ heartbeatAt: now }).where(eq(instances.id, id));
      }),

    listInstances: () => database.run((db) => db.select().from(instances)),

    removeInstances: (ids: string[]) =>
      ids.length === 0
        ? Promise.resolve()
        : database.run(async (db) => {
            await db.delete(instances).where(inArray(instances.id, ids));
          }),

    /**
     * Takes the lease, or extends it when this holder has it; false when another holder
     * has it and it has not expired. One statement, so two instances cannot both win.
     */
    acquireLease: (name: string, holder: string, ttlMs: number, now: Date) =>
      database.run(async (db) => {
        const expiresAt = new Date(now.getTime() + ttlMs);
        const rows = await db
          .insert(leases)
          .values({ name, holder, expiresAt })
          .onConflictDoUpdate({
            target: leases.name,
            set: { holder, expiresAt },
            setWhere: or(eq(leases.holder, holder), lte(leases.expiresAt, now)),
          })
          .returning({ holder: leases.holder });
        return rows[0]?.holder === holder;
      }),

    releaseLease: (name: string, holder: string) =>
      database.run(async (db) => {
        await db.delete(leases).where(and(eq(leases.name, name), eq(leases.holder, holder)));
      }),

    /** Whether anyone holds the lease now. */
    isLeaseHeld: (name: string, now: Date) =>
      database.run(async (db) => {
        const [row] = await db
          .select({ holder: leases.holder })
          .from(leases)
          .where(and(eq(leases.name, name), gt(leases.expiresAt, now)));
        return row !== undefined;
      }),

    /** File removals that are due, oldest first. */
    dueDeletions: (now: Date, limit: number) =>
      database.run((db) =>
        db
          .select()
          .from(fileDeletions)
          .where(lte(fileDeletions.notBefore, now))
          .orderBy(asc(fileDeletions.id))
          .limit(limit),
      ),

    completeDeletions: (ids: number[]) =>
      ids.length === 0
        ? Promise.resolve()
        : database.run(async (db) => {
            await db.delete(fileDeletions).where(inArray(fileDeletions.id, ids));
          }),

    /** A removal that failed is tried again later, with a growing pause. */
    postponeDeletion: (id: number, attempts: number, notBefore: Date) =>
      database.run(async (db) => {
        await db.update(fileDeletions).set({ attempts, notBefore }).where(eq(fileDeletions.id, id));
      }),

    /** Every key a queued removal will remove (doctor: these are not orphans). */
    queuedDeletionKeys: () =>
      database.run(async (db) =>
        (await db.select({ keys: fileDeletions.keys }).from(fileDeletions)).flatMap(
          (row) => row.keys,
        ),
      ),

    countDeletions: () =>
      database.run(async (db) => (await db.select({ n: count() }).from(fileDeletions))[0]?.n ?? 0),

    /** Instances whose heartbeat is older than `before`. */
    staleInstances: (before: Date) =>
      database.run((db) => db.select().from(instances).where(lt(instances.heartbeatAt, before))),
  };
}

export type SystemRepository = ReturnType<typeof createSystemRepository>;
