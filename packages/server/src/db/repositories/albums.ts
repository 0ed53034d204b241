import { and, asc, count, desc, eq, isNotNull, max } from 'drizzle-orm';
import type { Database } from '../database.ts';
import { liveImage } from '../live.ts';
import type { AlbumPrivacy } from '../schema/index.ts';

/** Albums and the admin's categories. */
export function createAlbumsRepository(database: Database) {
  const { albums, categories, images } = database.tables;
  const first = <T>(rows: T[]): T | null => rows[0] ?? null;

  return {
    find: (id: number) =>
      database.run(async (db) => first(await db.select().from(albums).where(eq(albums.id, id)))),

    create: (input: {
      userId: number;
      name: string;
      description?: string | null;
      privacy?: AlbumPrivacy;
      now: Date;
    }) =>
      database.run(async (db) => {
        const [row] = await db
          .insert(albums)
          .values({
            userId: input.userId,
            name: input.name,
            description: input.description ?? null,
            privacy: input.privacy ?? 'public',
            createdAt: input.now,
          })
          .returning();
        return row!;
      }),

    /** The user's albums, newest first, with their live image count and newest image. */
    listOf: (userId: number, now: Date) =>
      database.run(async (db) => {
        // A grouped subquery joined by name: every column is qualified, so the count
        // cannot compare an album's id with an image's own id.
        const stats = db
          .select({
            albumId: images.albumId,
            count: count().as('image_count'),
            coverId: max(images.id).as('cover_id'),
          })
          .from(images)
          .where(and(isNotNull(images.albumId), liveImage(images, now)))
          .groupBy(images.albumId)
          .as('album_stats');
        const rows = await db
          .select({ album: albums, count: stats.count, coverId: stats.coverId })
          .from(albums)
          .leftJoin(stats, eq(stats.albumId, albums.id))
          .where(eq(albums.userId, userId))
          .orderBy(desc(albums.id));
        return rows.map((row) => ({
          album: row.album,
          count: Number(row.count ?? 0),
          coverId: row.coverId === null ? null : Number(row.coverId),
        }));
      }),

    /** Changes an album of this user; false when it is not theirs. */
    update: (
      id: number,
      userId: number,
      values: { name: string; description: string | null; privacy: AlbumPrivacy },
    ) =>
      database.run(
        async (db) =>
          (
            await db
              .update(albums)
              .set(values)
              .where(and(eq(albums.id, id), eq(albums.userId, userId)))
              .returning({ id: albums.id })
          ).length > 0,
      ),

    /** Deletes an album of this user; its images stay, outside any album. */
    remove: (id: number, userId: number) =>
      database.run(
        async (db) =>
          (
            await db
              .delete(albums)
              .where(and(eq(albums.id, id), eq(albums.userId, userId)))
              .returning({ id: albums.id })
          ).length > 0,
      ),

    // ----- categories -----

    findCategory: (id: number) =>
      database.run(async (db) =>
        first(await db.select().from(categories).where(eq(categories.id, id))),
      ),

    findCategoryByUrlKey: (urlKey: string) =>
      database.run(async (db) =>
        first(await db.select().from(categories).where(eq(categories.urlKey, urlKey))),
      ),

    listCategories: () =>
      database.run((db) => db.select().from(categories).orderBy(asc(categories.name))),

    createCategory: (name: string, urlKey: string) =>
      database.run(async (db) => {
        const [row] = await db.insert(categories).values({ name, urlKey }).returning();
        return row!;
      }),

    removeCategory: (id: number) =>
      database.run(
        async (db) =>
          (
            await db
              .delete(categories)
              .where(eq(categories.id, id))
              .returning({ id: categories.id })
          ).length > 0,
      ),
  };
}

export type AlbumsRepository = ReturnType<typeof createAlbumsRepository>;
