import {
  and,
  asc,
  count,
  desc,
  eq,
  gt,
  isNull,
  lte,
  ne,
  or,
  type SQL,
  sql,
  sum,
} from 'drizzle-orm';
import type { Database } from '../database.ts';
import { liveImage } from '../live.ts';

/** Users and their browser sessions. */
export function createUsersRepository(database: Database) {
  const { users, apiKeys, sessions, images, invites, passwordResets } = database.tables;
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

    // ----- administration -----

    /** No password (the account signs in with an API key) and no session left. */
    clearPassword: (userId: number) =>
      database.tx(async (tx) => {
        await tx.update(users).set({ passwordHash: null }).where(eq(users.id, userId));
        await tx.delete(sessions).where(eq(sessions.userId, userId));
      }),

    /** The admin accounts, oldest first (the one made at first start comes first). */
    listAdmins: () =>
      database.run((db) =>
        db.select().from(users).where(eq(users.isAdmin, true)).orderBy(asc(users.id)),
      ),

    /**
     * Users with their live images' count and bytes, oldest first; `search` matches the
     * username or email anywhere, without case (LIKE wildcards in it are taken literally).
     */
    listWithUsage: (input: { search: string; limit: number; offset: number; now: Date }) =>
      database.run(async (db) => {
        const usage = db
          .select({
            userId: images.userId,
            images: count().as('usage_images'),
            bytes: sum(images.size).mapWith(Number).as('usage_bytes'),
          })
          .from(images)
          .where(liveImage(images, input.now))
          .groupBy(images.userId)
          .as('usage');
        const needle = input.search.trim().toLowerCase();
        let where: SQL | undefined;
        if (needle !== '') {
          const pattern = `%${needle.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
          // ESCAPE is spelled out: SQLite has no default escape character for LIKE.
          where = or(
            sql`lower(${users.username}) like ${pattern} escape '\\'`,
            sql`lower(coalesce(${users.email}, '')) like ${pattern} escape '\\'`,
          );
        }
        const rows = await db
          .select({ user: users, images: usage.images, bytes: usage.bytes })
          .from(users)
          .leftJoin(usage, eq(usage.userId, users.id))
          .where(where)
          .orderBy(asc(users.id))
          .limit(input.limit)
          .offset(input.offset);
        const [total] = await db.select({ n: count() }).from(users).where(where);
        return {
          total: total?.n ?? 0,
          rows: rows.map((row) => ({
            user: row.user,
            images: Number(row.images ?? 0),
            bytes: Number(row.bytes ?? 0),
          })),
        };
      }),

    /** Bans or unbans; a ban also ends every session of the user at once. */
    setBanned: (userId: number, banned: boolean) =>
      database.tx(async (tx) => {
        await tx.update(users).set({ isBanned: banned }).where(eq(users.id, userId));
        if (banned) await tx.delete(sessions).where(eq(sessions.userId, userId));
      }),

    /** The user's own storage quota in MB; null: the instance default. */
    setQuota: (userId: number, quotaMb: number | null) =>
      database.run(async (db) => {
        await db.update(users).set({ quotaMb }).where(eq(users.id, userId));
      }),

    /** Deletes the user row (keys, albums and sessions go with it); images must go first. */
    remove: (userId: number) =>
      database.run(
        async (db) =>
          (await db.delete(users).where(eq(users.id, userId)).returning({ id: users.id })).length >
          0,
      ),

    // ----- invitations -----

    createInvite: (input: {
      tokenHash: string;
      createdBy: number;
      note: string | null;
      now: Date;
      expiresAt: Date;
    }) =>
      database.run(async (db) => {
        const [row] = await db
          .insert(invites)
          .values({
            tokenHash: input.tokenHash,
            createdBy: input.createdBy,
            note: input.note,
            createdAt: input.now,
            expiresAt: input.expiresAt,
          })
          .returning();
        return row!;
      }),

    /** The unused, unexpired invitation with this token hash. */
    findInvite: (tokenHash: string, now: Date) =>
      database.run(async (db) =>
        first(
          await db
            .select()
            .from(invites)
            .where(
              and(
                eq(invites.tokenHash, tokenHash),
                isNull(invites.usedAt),
                gt(invites.expiresAt, now),
              ),
            ),
        ),
      ),

    /** Takes an invitation for a sign-up; false when someone else took it first. */
    takeInvite: (id: number, now: Date) =>
      database.run(
        async (db) =>
          (
            await db
              .update(invites)
              .set({ usedAt: now })
              .where(and(eq(invites.id, id), isNull(invites.usedAt)))
              .returning({ id: invites.id })
          ).length > 0,
      ),

    /** Gives a taken invitation back (the sign-up it was taken for failed). */
    releaseInvite: (id: number) =>
      database.run(async (db) => {
        await db.update(invites).set({ usedAt: null }).where(eq(invites.id, id));
      }),

    markInviteUsedBy: (id: number, userId: number) =>
      database.run(async (db) => {
        await db.update(invites).set({ usedBy: userId }).where(eq(invites.id, id));
      }),

    /** Invitations, newest first, with the name of who used each. */
    listInvites: (limit = 50) =>
      database.run((db) =>
        db
          .select({ invite: invites, usedByName: users.username })
          .from(invites)
          .leftJoin(users, eq(users.id, invites.usedBy))
          .orderBy(desc(invites.id))
          .limit(limit),
      ),

    removeInvite: (id: number) =>
      database.run(async (db) => {
        await db.delete(invites).where(eq(invites.id, id));
      }),

    // ----- password resets -----

    /** A new one-time reset link for the user; earlier unused ones stop working. */
    createPasswordReset: (input: {
      userId: number;
      tokenHash: string;
      now: Date;
      expiresAt: Date;
    }) =>
      database.tx(async (tx) => {
        await tx
          .delete(passwordResets)
          .where(and(eq(passwordResets.userId, input.userId), isNull(passwordResets.usedAt)));
        const [row] = await tx
          .insert(passwordResets)
          .values({
            userId: input.userId,
            tokenHash: input.tokenHash,
            createdAt: input.now,
            expiresAt: input.expiresAt,
          })
          .returning();
        return row!;
      }),

    /** The unused, unexpired reset with this token hash, and its user. */
    findPasswordReset: (tokenHash: string, now: Date) =>
      database.run(async (db) =>
        first(
          await db
            .select({ reset: passwordResets, user: users })
            .from(passwordResets)
            .innerJoin(users, eq(users.id, passwordResets.userId))
            .where(
              and(
                eq(passwordResets.tokenHash, tokenHash),
                isNull(passwordResets.usedAt),
                gt(passwordResets.expiresAt, now),
              ),
            ),
        ),
      ),

    /**
     * Uses a reset link once: sets the password and signs the user out everywhere, in one
     * transaction. False when the link was used meanwhile.
     */
    completePasswordReset: (input: { resetId: number; passwordHash: string; now: Date }) =>
      database.tx(async (tx) => {
        const [taken] = await tx
          .update(passwordResets)
          .set({ usedAt: input.now })
          .where(and(eq(passwordResets.id, input.resetId), isNull(passwordResets.usedAt)))
          .returning({ userId: passwordResets.userId });
        if (!taken) return false;
        await tx
          .update(users)
          .set({ passwordHash: input.passwordHash })
          .where(eq(users.id, taken.userId));
        await tx.delete(sessions).where(eq(sessions.userId, taken.userId));
        return true;
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
