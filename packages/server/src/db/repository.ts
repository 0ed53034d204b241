import { and, asc, desc, eq, gt, gte, inArray, isNotNull, isNull, lte, sql } from 'drizzle-orm';
import type { Db } from './client.ts';
import {
  albums,
  apiKeys,
  categories,
  deleteTokens,
  images,
  type NewImageRow,
  sessionImages,
  sessions,
  settings,
  users,
} from './schema.ts';

type Privacy = 'public' | 'unlisted' | 'private';

/** SQLite's unique-index failure on these columns, however the driver wraps it. */
function isUniqueViolation(error: unknown, columns: string): boolean {
  for (
    let e = error as { message?: string; cause?: unknown } | undefined;
    e;
    e = e.cause as typeof e
  ) {
    if (e.message?.includes(`UNIQUE constraint failed: ${columns}`)) return true;
  }
  return false;
}

/**
 * Every database query of the server. Routes and services call these functions and
 * never build queries themselves, so another dialect can be added here alone.
 */
export function createRepository(db: Db) {
  return {
    getSetting(key: string): string | null {
      return db.select().from(settings).where(eq(settings.key, key)).get()?.value ?? null;
    },

    /** Stores the value unless one is there already; returns the one that is kept. */
    ensureSetting(key: string, value: string): string {
      db.insert(settings).values({ key, value }).onConflictDoNothing().run();
      return this.getSetting(key) ?? value;
    },

    countUsers(): number {
      return db.select({ n: sql<number>`count(*)` }).from(users).get()?.n ?? 0;
    },

    findUser(id: number) {
      return db.select().from(users).where(eq(users.id, id)).get() ?? null;
    },

    /** Creates a user with one API key, in one transaction. */
    createUserWithKey(input: {
      username: string;
      email?: string | null;
      passwordHash?: string | null;
      isAdmin: boolean;
      keyHash: string;
      keyLabel: string;
      now: Date;
    }) {
      return db.transaction((tx) => {
        const user = tx
          .insert(users)
          .values({
            username: input.username,
            email: input.email ?? null,
            passwordHash: input.passwordHash ?? null,
            isAdmin: input.isAdmin,
            createdAt: input.now,
          })
          .returning()
          .get();
        tx.insert(apiKeys)
          .values({
            userId: user.id,
            label: input.keyLabel,
            keyHash: input.keyHash,
            createdAt: input.now,
          })
          .run();
        return user;
      });
    },

    addApiKey(userId: number, label: string, keyHash: string, now: Date) {
      return db
        .insert(apiKeys)
        .values({ userId, label, keyHash, createdAt: now })
        .returning()
        .get();
    },

    /** The live (not revoked) key with this hash and its user. */
    findApiKey(keyHash: string) {
      const row = db
        .select({ key: apiKeys, user: users })
        .from(apiKeys)
        .innerJoin(users, eq(users.id, apiKeys.userId))
        .where(and(eq(apiKeys.keyHash, keyHash), isNull(apiKeys.revokedAt)))
        .get();
      return row ?? null;
    },

    touchApiKey(id: number, now: Date): void {
      db.update(apiKeys).set({ lastUsedAt: now }).where(eq(apiKeys.id, id)).run();
    },

    revokeApiKey(id: number, userId: number, now: Date): boolean {
      const result = db
        .update(apiKeys)
        .set({ revokedAt: now })
        .where(and(eq(apiKeys.id, id), eq(apiKeys.userId, userId), isNull(apiKeys.revokedAt)))
        .returning({ id: apiKeys.id })
        .all();
      return result.length > 0;
    },

    findAlbum(id: number) {
      return db.select().from(albums).where(eq(albums.id, id)).get() ?? null;
    },

    createAlbum(input: {
      userId: number;
      name: string;
      description?: string | null;
      privacy?: 'public' | 'unlisted' | 'private';
      now: Date;
    }) {
      return db
        .insert(albums)
        .values({
          userId: input.userId,
          name: input.name,
          description: input.description ?? null,
          privacy: input.privacy ?? 'public',
          createdAt: input.now,
        })
        .returning()
        .get();
    },

    findCategory(id: number) {
      return db.select().from(categories).where(eq(categories.id, id)).get() ?? null;
    },

    createCategory(name: string, urlKey: string) {
      return db.insert(categories).values({ name, urlKey }).returning().get();
    },

    /** An earlier upload of the same bytes and width by the same owner, not expired. */
    findDuplicate(input: {
      uploadMd5: string;
      requestedWidth: number | null;
      userId: number | null;
      uploaderIp: string | null;
      since: Date;
      now: Date;
    }) {
      const owner =
        input.userId !== null
          ? eq(images.userId, input.userId)
          : and(
              isNull(images.userId),
              input.uploaderIp === null
                ? isNull(images.uploaderIp)
                : eq(images.uploaderIp, input.uploaderIp),
              gte(images.createdAt, input.since),
            );
      const width =
        input.requestedWidth === null
          ? isNull(images.requestedWidth)
          : eq(images.requestedWidth, input.requestedWidth);
      return (
        db
          .select()
          .from(images)
          .where(
            and(
              eq(images.uploadMd5, input.uploadMd5),
              width,
              owner,
              sql`(${images.expiresAt} IS NULL OR ${images.expiresAt} > ${input.now.getTime()})`,
            ),
          )
          .orderBy(asc(images.id))
          .get() ?? null
      );
    },

    isNameTaken(datePath: string, name: string): boolean {
      return (
        db
          .select({ id: images.id })
          .from(images)
          .where(and(eq(images.datePath, datePath), eq(images.name, name)))
          .get() !== undefined
      );
    },

    /**
     * Inserts the image and its first delete token together; null when another image
     * already has this name in this folder. The unique index makes the name a claim that
     * concurrent uploads cannot both win, so files are written only under a claimed name.
     */
    tryInsertImage(row: NewImageRow, deleteTokenHash: string) {
      try {
        return db.transaction((tx) => {
          const image = tx.insert(images).values(row).returning().get();
          tx.insert(deleteTokens).values({ imageId: image.id, tokenHash: deleteTokenHash }).run();
          return image;
        });
      } catch (error) {
        if (isUniqueViolation(error, 'images.date_path, images.name')) return null;
        throw error;
      }
    },

    addDeleteToken(imageId: number, tokenHash: string): void {
      db.insert(deleteTokens).values({ imageId, tokenHash }).run();
    },

    findImage(id: number) {
      return db.select().from(images).where(eq(images.id, id)).get() ?? null;
    },

    /** Images in a date folder whose name is one of these (a file URL maps to one or two). */
    findImagesByName(datePath: string, names: string[]) {
      if (names.length === 0) return [];
      return db
        .select()
        .from(images)
        .where(and(eq(images.datePath, datePath), inArray(images.name, names)))
        .all();
    },

    hasDeleteToken(imageId: number, tokenHash: string): boolean {
      return (
        db
          .select({ id: deleteTokens.id })
          .from(deleteTokens)
          .where(and(eq(deleteTokens.imageId, imageId), eq(deleteTokens.tokenHash, tokenHash)))
          .get() !== undefined
      );
    },

    deleteImage(id: number): boolean {
      return (
        db.delete(images).where(eq(images.id, id)).returning({ id: images.id }).all().length > 0
      );
    },

    // ----- accounts, sessions, albums and categories (the web pages) -----

    /** A user by username or email, either compared without case. */
    findUserByLogin(login: string) {
      const value = login.trim().toLowerCase();
      return (
        db
          .select()
          .from(users)
          .where(sql`lower(${users.username}) = ${value} OR lower(${users.email}) = ${value}`)
          .get() ?? null
      );
    },

    createUser(input: { username: string; email: string | null; passwordHash: string; now: Date }) {
      return db
        .insert(users)
        .values({
          username: input.username,
          email: input.email,
          passwordHash: input.passwordHash,
          createdAt: input.now,
        })
        .returning()
        .get();
    },

    setPasswordHash(userId: number, passwordHash: string): void {
      db.update(users).set({ passwordHash }).where(eq(users.id, userId)).run();
    },

    setDefaultExpiration(userId: number, value: string | null): void {
      db.update(users).set({ defaultExpiration: value }).where(eq(users.id, userId)).run();
    },

    /** The user's live keys, newest first. */
    listApiKeys(userId: number) {
      return db
        .select()
        .from(apiKeys)
        .where(and(eq(apiKeys.userId, userId), isNull(apiKeys.revokedAt)))
        .orderBy(desc(apiKeys.id))
        .all();
    },

    createSession(input: { tokenHash: string; userId: number | null; now: Date; expiresAt: Date }) {
      return db
        .insert(sessions)
        .values({
          tokenHash: input.tokenHash,
          userId: input.userId,
          createdAt: input.now,
          expiresAt: input.expiresAt,
        })
        .returning()
        .get();
    },

    /** The session row of this token, created for a guest if there is none (two uploads may race). */
    ensureSession(input: { tokenHash: string; now: Date; expiresAt: Date }) {
      db.insert(sessions)
        .values({
          tokenHash: input.tokenHash,
          userId: null,
          createdAt: input.now,
          expiresAt: input.expiresAt,
        })
        .onConflictDoNothing()
        .run();
      return db.select().from(sessions).where(eq(sessions.tokenHash, input.tokenHash)).get()!;
    },

    /** The live session with this token hash and its user (null for a guest session). */
    findSession(tokenHash: string, now: Date) {
      const row = db
        .select({ session: sessions, user: users })
        .from(sessions)
        .leftJoin(users, eq(users.id, sessions.userId))
        .where(and(eq(sessions.tokenHash, tokenHash), gt(sessions.expiresAt, now)))
        .get();
      return row ?? null;
    },

    deleteSession(id: number): void {
      db.delete(sessions).where(eq(sessions.id, id)).run();
    },

    /** Signs out every other session of the user (after a password change). */
    deleteOtherSessions(userId: number, keepId: number): void {
      db.delete(sessions)
        .where(and(eq(sessions.userId, userId), sql`${sessions.id} <> ${keepId}`))
        .run();
    },

    deleteExpiredSessions(now: Date): void {
      db.delete(sessions).where(lte(sessions.expiresAt, now)).run();
    },

    trackSessionImage(sessionId: number, imageId: number): void {
      db.insert(sessionImages).values({ sessionId, imageId }).onConflictDoNothing().run();
    },

    /**
     * Gives the guest uploads tracked in a session to the user and stops them expiring;
     * images already owned by someone are left alone. Returns how many were claimed.
     */
    claimSessionImages(sessionId: number, userId: number): number {
      return db.transaction((tx) => {
        const tracked = tx
          .select({ id: sessionImages.imageId })
          .from(sessionImages)
          .where(eq(sessionImages.sessionId, sessionId))
          .all()
          .map((row) => row.id);
        let claimed = 0;
        if (tracked.length > 0) {
          claimed = tx
            .update(images)
            .set({ userId, expiresAt: null })
            .where(and(inArray(images.id, tracked), isNull(images.userId)))
            .returning({ id: images.id })
            .all().length;
        }
        tx.delete(sessionImages).where(eq(sessionImages.sessionId, sessionId)).run();
        return claimed;
      });
    },

    listAlbums(userId: number) {
      return db
        .select({
          album: albums,
          count: sql<number>`(SELECT count(*) FROM ${images} WHERE ${images.albumId} = ${albums.id})`,
          coverId: sql<
            number | null
          >`(SELECT max(${images.id}) FROM ${images} WHERE ${images.albumId} = ${albums.id})`,
        })
        .from(albums)
        .where(eq(albums.userId, userId))
        .orderBy(desc(albums.id))
        .all();
    },

    /** Changes an album of this user; false when it is not theirs. */
    updateAlbum(
      id: number,
      userId: number,
      values: { name: string; description: string | null; privacy: Privacy },
    ): boolean {
      return (
        db
          .update(albums)
          .set(values)
          .where(and(eq(albums.id, id), eq(albums.userId, userId)))
          .returning({ id: albums.id })
          .all().length > 0
      );
    },

    /** Deletes an album of this user; its images stay, outside any album. */
    deleteAlbum(id: number, userId: number): boolean {
      return (
        db
          .delete(albums)
          .where(and(eq(albums.id, id), eq(albums.userId, userId)))
          .returning({ id: albums.id })
          .all().length > 0
      );
    },

    /** Live images of a user, newest first; an album id narrows them to that album. */
    listUserImages(userId: number, now: Date, limit = 500) {
      return db
        .select()
        .from(images)
        .where(
          and(
            eq(images.userId, userId),
            sql`(${images.expiresAt} IS NULL OR ${images.expiresAt} > ${now.getTime()})`,
          ),
        )
        .orderBy(desc(images.id))
        .limit(limit)
        .all();
    },

    listAlbumImages(albumId: number, now: Date, limit = 500) {
      return db
        .select()
        .from(images)
        .where(
          and(
            eq(images.albumId, albumId),
            sql`(${images.expiresAt} IS NULL OR ${images.expiresAt} > ${now.getTime()})`,
          ),
        )
        .orderBy(desc(images.id))
        .limit(limit)
        .all();
    },

    /** Of these image ids, the rows the user owns. */
    findOwnedImages(userId: number, ids: number[]) {
      if (ids.length === 0) return [];
      return db
        .select()
        .from(images)
        .where(and(eq(images.userId, userId), inArray(images.id, ids)))
        .all();
    },

    /** Moves the user's images into one of their albums (null: out of any). Returns the count. */
    moveImages(userId: number, ids: number[], albumId: number | null): number {
      if (ids.length === 0) return 0;
      return db
        .update(images)
        .set({ albumId })
        .where(and(eq(images.userId, userId), inArray(images.id, ids)))
        .returning({ id: images.id })
        .all().length;
    },

    updateImage(
      id: number,
      userId: number,
      values: {
        title: string;
        description: string | null;
        albumId: number | null;
        nsfw: boolean;
        tags: string[];
      },
    ): boolean {
      return (
        db
          .update(images)
          .set(values)
          .where(and(eq(images.id, id), eq(images.userId, userId)))
          .returning({ id: images.id })
          .all().length > 0
      );
    },

    setImageCategory(id: number, userId: number, categoryId: number | null): void {
      db.update(images)
        .set({ categoryId })
        .where(and(eq(images.id, id), eq(images.userId, userId)))
        .run();
    },

    listCategories() {
      return db.select().from(categories).orderBy(asc(categories.name)).all();
    },

    findCategoryByUrlKey(urlKey: string) {
      return db.select().from(categories).where(eq(categories.urlKey, urlKey)).get() ?? null;
    },

    deleteCategory(id: number): boolean {
      return (
        db.delete(categories).where(eq(categories.id, id)).returning({ id: categories.id }).all()
          .length > 0
      );
    },

    /** Expired images, oldest expiry first. */
    listExpired(now: Date, limit: number) {
      return db
        .select()
        .from(images)
        .where(and(isNotNull(images.expiresAt), lte(images.expiresAt, now)))
        .orderBy(asc(images.expiresAt))
        .limit(limit)
        .all();
    },

    /** The soonest expiry still ahead, so the sweep can sleep until then. */
    nextExpiry(now: Date): Date | null {
      const row = db
        .select({ at: sql<number | null>`min(${images.expiresAt})` })
        .from(images)
        .where(sql`${images.expiresAt} > ${now.getTime()}`)
        .get();
      return row?.at ? new Date(row.at) : null;
    },
  };
}

export type Repository = ReturnType<typeof createRepository>;
