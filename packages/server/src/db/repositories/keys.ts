import { and, desc, eq, isNull, lt, or, sql } from 'drizzle-orm';
import type { Database } from '../database.ts';
import { preparedQuery } from '../prepared.ts';

/** How stale a key's "last used" may get: writing it on every request costs a write each. */
export const TOUCH_EVERY_MS = 60_000;

/** User API keys, kept only as a SHA-256 hash and found by it. */
export function createKeysRepository(database: Database) {
  const { apiKeys, users } = database.tables;
  // Every upload with a key looks it up: prepared once (prepared.ts).
  const liveKeyWithHash = preparedQuery((db) =>
    db
      .select({ key: apiKeys, user: users })
      .from(apiKeys)
      .innerJoin(users, eq(users.id, apiKeys.userId))
      .where(and(eq(apiKeys.keyHash, sql.placeholder('keyHash')), isNull(apiKeys.revokedAt)))
      .limit(1)
      .prepare('api_keys_live_by_hash'),
  );

  return {
    add: (userId: number, label: string, keyHash: string, now: Date) =>
      database.run(async (db) => {
        const [row] = await db
          .insert(apiKeys)
          .values({ userId, label, keyHash, createdAt: now })
          .returning();
        return row!;
      }),

    /** The live (not revoked) key with this hash and its user. */
    find: (keyHash: string) =>
      database.run(async (db) => (await liveKeyWithHash(db, { keyHash }))[0] ?? null),

    /** Records a use, at most once a minute per key. */
    touch: (id: number, now: Date) =>
      database.run(async (db) => {
        await db
          .update(apiKeys)
          .set({ lastUsedAt: now })
          .where(
            and(
              eq(apiKeys.id, id),
              or(
                isNull(apiKeys.lastUsedAt),
                lt(apiKeys.lastUsedAt, new Date(now.getTime() - TOUCH_EVERY_MS)),
              ),
            ),
          );
      }),

    revoke: (id: number, userId: number, now: Date) =>
      database.run(
        async (db) =>
          (
            await db
              .update(apiKeys)
              .set({ revokedAt: now })
              .where(and(eq(apiKeys.id, id), eq(apiKeys.userId, userId), isNull(apiKeys.revokedAt)))
              .returning({ id: apiKeys.id })
          ).length > 0,
      ),

    /** Revokes every live key of the user (admin key recovery); returns how many. */
    revokeAll: (userId: number, now: Date) =>
      database.run(
        async (db) =>
          (
            await db
              .update(apiKeys)
              .set({ revokedAt: now })
              .where(and(eq(apiKeys.userId, userId), isNull(apiKeys.revokedAt)))
              .returning({ id: apiKeys.id })
          ).length,
      ),

    /** The user's live keys, newest first. */
    list: (userId: number) =>
      database.run((db) =>
        db
          .select()
          .from(apiKeys)
          .where(and(eq(apiKeys.userId, userId), isNull(apiKeys.revokedAt)))
          .orderBy(desc(apiKeys.id)),
      ),
  };
}

export type KeysRepository = ReturnType<typeof createKeysRepository>;
