import { and, eq, gt, lte, param, sql } from 'drizzle-orm';
import type { Database } from '../database.ts';

export interface Taken {
  /** The count including this take. */
  count: number;
  /** When the window ends and the count starts again. */
  resetAt: Date;
}

/**
 * Window counters (flood control, sign-in pauses), shared by every instance. A take is
 * one statement (insert, or add one or start a new window, and read back), so parallel
 * requests can never all pass a check before any of them is counted.
 */
export function createCountersRepository(database: Database) {
  const { counters } = database.tables;
  const at = (date: Date) => param(date, counters.expiresAt);
  const keyOf = (subject: string, seconds: number) => `${subject}@${seconds}`;

  return {
    /**
     * Counts one more for `subject` in its window of `seconds`. A window starts at the
     * first attempt and ends `seconds` later; the next attempt after that starts a new one.
     */
    take: (subject: string, seconds: number, now: Date): Promise<Taken> => {
      const fresh = new Date(now.getTime() + seconds * 1000);
      const ended = sql`${counters.expiresAt} <= ${at(now)}`;
      return database.run(async (db) => {
        const [row] = await db
          .insert(counters)
          .values({ key: keyOf(subject, seconds), count: 1, expiresAt: fresh })
          .onConflictDoUpdate({
            target: counters.key,
            set: {
              count: sql`CASE WHEN ${ended} THEN 1 ELSE ${counters.count} + 1 END`,
              expiresAt: sql`CASE WHEN ${ended} THEN ${at(fresh)} ELSE ${counters.expiresAt} END`,
            },
          })
          .returning({ count: counters.count, expiresAt: counters.expiresAt });
        return { count: row?.count ?? 1, resetAt: row?.expiresAt ?? fresh };
      });
    },

    /** Gives one back (a sign-in that succeeded does not count as a failure). */
    refund: (subject: string, seconds: number, now: Date) =>
      database.run(async (db) => {
        await db
          .update(counters)
          .set({ count: sql`${counters.count} - 1` })
          .where(
            and(
              eq(counters.key, keyOf(subject, seconds)),
              gt(counters.expiresAt, now),
              gt(counters.count, 0),
            ),
          );
      }),

    /** Removes the rows of windows that have ended. */
    prune: (now: Date) =>
      database.run(async (db) => {
        await db.delete(counters).where(lte(counters.expiresAt, now));
      }),
  };
}

export type CountersRepository = ReturnType<typeof createCountersRepository>;
