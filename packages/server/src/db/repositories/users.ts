import { and, count, eq, gt, lte, ne, or, sql } from 'drizzle-orm';
import type { Database } from '../database.ts';

/** Users and their browser sessions. */
export function createUsersRepository(database: Database) {
  const { users, apiKeys, sessions } = database.tables;
  const first = <T>(rows: T[]): T | null => rows[0] ?? null;

  return {
    count: () =>
      database.run(async (db) => (await db.select({ n: count() }).from(users))[0]?.n ?? 0),

    find: (id: number) =>
      database.run(async (db) => first(await db.select().from(users).where(eq(users.id, id)))),

    /** A user by username or email, either compared without case. */
    findByLogin: (login: string) => {
      const value = login.trim().toLowerCase();
      return database.run(async (db) =>
        first(
          await db
            .select()
            .from(users)
            .where(
              or(eq(sql`lower(${users.username})`, value), eq(sql`lower(${users.email})`, value)),
            )
            .limit(1),
        ),
      );
    },

    create: (input: { username: string; email: string | null; passwordHash: string; now: Date }) =>
      database.run(async (db) => {
        const [user] = await db
          .insert(users)
          .values({
            username: input.username,
            email: input.email,
            passwordHash: input.passwordHash,
            createdAt: input.now,
          })
          .returning();
        return user!;
      }),

    /** Creates a user with one API key, in one transaction (the admin at first start). */
    createWithKey: (input: {
      username: string;
      isAdmin: boolean;
      keyHash: string;
      keyLabel: string;
      now: Date;
    }) =>
      database.tx(async (tx) => {
        const [user] = await tx
          .insert(users)
          .values({ username: input.username, isAdmin: input.isAdmin, createdAt: input.now })
          .returning();
        await tx.insert(apiKeys).values({
          userId: user!.id,
          label: input.keyLabel,
          keyHash: input.keyHash,
          createdAt: input.now,
        });
        return user!;
      }),

    isEmailTaken: (email: string) =>
      database.run(async (db) => {
        const [row] = await db
          .select({ id: users.id })
          .from(users)
          .where(eq(sql`lower(${users.email})`, email.trim().toLowerCase()))
          .limit(1);
        return row !== undefined;
      }),

    setPasswordHash: (userId: number, passwordHash: string) =>
      database.run(async (db) => {
        await db.update(users).set({ passwordHash }).where(eq(users.id, userId));
      }),

    setDefaultExpiration: (userId: number, value: string | null) =>
      database.run(async (db) => {
        await db.update(users).set({ defaultExpiration: value }).where(eq(users.id, userId));
      }),

    // ----- sessions -----

    createSession: (input: {
      tokenHash: string;
      userId: number | null;
      now: Date;
      expiresAt: Date;
    }) =>
      database.run(async (db) => {
        const [row] = await db
          .insert(sessions)
          .values({
            tokenHash: input.tokenHash,
            userId: input.userId,
            createdAt: input.now,
            expiresAt: input.expiresAt,
          })
          .returning();
        return row!;
      }),

    /** The session row of this token, created for a guest if there is none (two uploads may race). */
    ensureGuestSession: (input: { tokenHash: string; now: Date; expiresAt: Date }) =>
      database.run(async (db) => {
        await db
          .insert(sessions)
          .values({
            tokenHash: input.tokenHash,
            userId: null,
            createdAt: input.now,
            expiresAt: input.expiresAt,
          })
          .onConflictDoNothing();
        const [row] = await db
          .select()
          .from(sessions)
          .where(eq(sessions.tokenHash, input.tokenHash));
        return row!;
      }),

    /** The live session with this token hash and its user (null for a guest session). */
    findSession: (tokenHash: string, now: Date) =>
      database.run(async (db) =>
        first(
          await db
            .select({ session: sessions, user: users })
            .from(sessions)
            .leftJoin(users, eq(users.id, sessions.userId))
            .where(and(eq(sessions.tokenHash, tokenHash), gt(sessions.expiresAt, now))),
        ),
      ),

    deleteSession: (id: number) =>
      database.run(async (db) => {
        await db.delete(sessions).where(eq(sessions.id, id));
      }),

    /** Signs out every other session of the user (after a password change). */
    deleteOtherSessions: (userId: number, keepId: number) =>
      database.run(async (db) => {
        await db.delete(sessions).where(and(eq(sessions.userId, userId), ne(sessions.id, keepId)));
      }),

    deleteExpiredSessions: (now: Date) =>
      database.run(async (db) => {
        await db.delete(sessions).where(lte(sessions.expiresAt, now));
      }),
  };
}

export type UsersRepository = ReturnType<typeof createUsersRepository>;
