import {
  and,
  asc,
  count,
  desc,
  eq,
  gt,
  gte,
  inArray,
  isNotNull,
  isNull,
  lte,
  min,
  notInArray,
  sql,
  sum,
} from 'drizzle-orm';
import type { Database } from '../database.ts';
import { liveImage } from '../live.ts';
import { placeholderOf, preparedQuery } from '../prepared.ts';
import type { ImageRow, NewImageRow } from '../schema/index.ts';

export type ClaimResult =
  | { claimed: ImageRow }
  | { conflict: 'name' }
  /** An identical upload by the same owner is being written now. */
  | { conflict: 'flight' };

/** The values an upload fills in once its files are written. */
export type PublishValues = Omit<
  NewImageRow,
  'id' | 'status' | 'uploadInstance' | 'flightKey' | 'datePath' | 'name' | 'createdAt'
>;

/** A file name in a date folder, and its key in the outbox of file removals. */
type NameValues = { datePath: string; name: string; nameKey: string };

/** Images, their delete tokens, and the outbox of files to remove when rows go. */
export function createImagesRepository(database: Database) {
  const { images, albums, deleteTokens, fileDeletions, sessionImages, users, imageTombstones } =
    database.tables;
  const live = (now: Date) => liveImage(images, now);
  const first = <T>(rows: T[]): T | null => rows[0] ?? null;

  // The reads every upload makes, prepared once (prepared.ts).
  const duplicateQuery = (width: 'none' | 'given') =>
    preparedQuery<{ md5: string; userId: number; width?: number; now: Date }, ImageRow[]>((db) =>
      db
        .select()
        .from(images)
        .where(
          and(
            eq(images.uploadMd5, sql.placeholder('md5')),
            eq(images.userId, sql.placeholder('userId')),
            width === 'none'
              ? isNull(images.requestedWidth)
              : eq(images.requestedWidth, sql.placeholder('width')),
            liveImage(images, placeholderOf('now', images.expiresAt)),
          ),
        )
        .orderBy(asc(images.id))
        .limit(1)
        .prepare(`images_duplicate_${width}_width`),
    );
  const findDuplicateAnyWidth = duplicateQuery('none');
  const findDuplicateOfWidth = duplicateQuery('given');
  const rowWithName = preparedQuery<NameValues, Array<{ id: number }>>((db) =>
    db
      .select({ id: images.id })
      .from(images)
      .where(
        and(
          eq(images.datePath, sql.placeholder('datePath')),
          eq(images.name, sql.placeholder('name')),
        ),
      )
      .limit(1)
      .prepare('images_name'),
  );
  const deletionOfName = preparedQuery<NameValues, Array<{ id: number }>>((db) =>
    db
      .select({ id: fileDeletions.id })
      .from(fileDeletions)
      .where(eq(fileDeletions.nameKey, sql.placeholder('nameKey')))
      .limit(1)
      .prepare('file_deletions_name'),
  );
  const tombstoneOfName = preparedQuery<NameValues, Array<{ id: number }>>((db) =>
    db
      .select({ id: imageTombstones.id })
      .from(imageTombstones)
      .where(
        and(
          eq(imageTombstones.datePath, sql.placeholder('datePath')),
          eq(imageTombstones.name, sql.placeholder('name')),
        ),
      )
      .limit(1)
      .prepare('image_tombstones_name'),
  );

  return {
    /** Any row, pending or live (admin tools and the janitor). */
    find: (id: number) =>
      database.run(async (db) => first(await db.select().from(images).where(eq(images.id, id)))),

    findLive: (id: number, now: Date) =>
      database.run(async (db) =>
        first(
          await db
            .select()
            .from(images)
            .where(and(eq(images.id, id), live(now))),
        ),
      ),

    /** Rows in a date folder with one of these names (a file URL maps to one or two). */
    findLiveByName: (datePath: string, names: string[], now: Date) =>
      names.length === 0
        ? Promise.resolve([] as ImageRow[])
        : database.run((db) =>
            db
              .select()
              .from(images)
              .where(and(eq(images.datePath, datePath), inArray(images.name, names), live(now))),
          ),

    /**
     * What serving a file needs: the live rows a file URL may belong to, each with the
     * privacy of its album (a private album's files are its owner's alone).
     */
    findServable: (datePath: string, names: string[], now: Date) =>
      names.length === 0
        ? Promise.resolve([])
        : database.run((db) =>
            db
              .select({ image: images, albumPrivacy: albums.privacy })
              .from(images)
              .leftJoin(albums, eq(albums.id, images.albumId))
              .where(and(eq(images.datePath, datePath), inArray(images.name, names), live(now))),
          ),

    /** An earlier live upload of the same bytes and width by this user. */
    findDuplicate: (input: {
      userId: number;
      uploadMd5: string;
      requestedWidth: number | null;
      now: Date;
    }) => {
      const values = { md5: input.uploadMd5, userId: input.userId, now: input.now };
      const width = input.requestedWidth;
      return database.run(async (db) =>
        first(
          width === null
            ? await findDuplicateAnyWidth(db, values)
            : await findDuplicateOfWidth(db, { ...values, width }),
        ),
      );
    },

    /**
     * No row has this name in the folder, no removal of its old files is pending, and no
     * published image ever had it (a file URL always means the same bytes).
     */
    isNameFree: (datePath: string, name: string) =>
      database.run(async (db) => {
        const values = { datePath, name, nameKey: `images/${datePath}/${name}` };
        if ((await rowWithName(db, values)).length > 0) return false;
        if ((await deletionOfName(db, values)).length > 0) return false;
        return (await tombstoneOfName(db, values)).length === 0;
      }),

    /**
     * Inserts a pending row: it claims the file name (unique per folder) and, with a
     * flight key, the right to store these bytes for this owner. Nothing sees a pending
     * row but the upload that made it and the janitor.
     */
    claim: (row: NewImageRow): Promise<ClaimResult> =>
      database.run(async (db) => {
        const [claimed] = await db.insert(images).values(row).onConflictDoNothing().returning();
        if (claimed) return { claimed };
        if (row.flightKey) {
          const [flying] = await db
            .select({ id: images.id })
            .from(images)
            .where(eq(images.flightKey, row.flightKey))
            .limit(1);
          if (flying) return { conflict: 'flight' };
        }
        return { conflict: 'name' };
      }),

    /** Whether an upload with this flight key is still being written. */
    isInFlight: (flightKey: string) =>
      database.run(async (db) => {
        const [row] = await db
          .select({ id: images.id })
          .from(images)
          .where(eq(images.flightKey, flightKey))
          .limit(1);
        return row !== undefined;
      }),

    /** Makes a pending row live with its final values and first delete token, at once. */
    publish: (id: number, values: PublishValues, deleteTokenHash: string) =>
      database.tx(async (tx) => {
        const [row] = await tx
          .update(images)
          .set({ ...values, status: 'live', uploadInstance: null, flightKey: null })
          .where(and(eq(images.id, id), eq(images.status, 'pending')))
          .returning();
        if (!row) throw new Error(`pending image ${id} vanished before it was published`);
        await tx.insert(deleteTokens).values({ imageId: id, tokenHash: deleteTokenHash });
        return row;
      }),

    /**
     * Removes a row and, in the same transaction, queues its files for removal: files
     * go after the row, so nothing ever points at a missing file. False when the row was
     * already gone (someone else removed it).
     */
    remove: (
      row: Pick<ImageRow, 'id' | 'datePath' | 'name' | 'status' | 'expiresAt'>,
      keys: string[],
      now: Date,
    ) =>
      database.tx(async (tx) => {
        const gone = await tx
          .delete(images)
          .where(eq(images.id, row.id))
          .returning({ id: images.id });
        if (gone.length === 0) return false;
        // A published image leaves a tombstone, so its links answer 410 and say why.
        if (row.status === 'live') {
          const expired = row.expiresAt !== null && row.expiresAt.getTime() <= now.getTime();
          await tx
            .insert(imageTombstones)
            .values({
              id: row.id,
              reason: expired ? 'expired' : 'deleted',
              removedAt: now,
              datePath: row.datePath,
              name: row.name,
            })
            .onConflictDoNothing();
        }
        await tx.insert(fileDeletions).values({
          nameKey: `images/${row.datePath}/${row.name}`,
          keys,
          notBefore: now,
        });
        return true;
      }),

    /** Records the sizes of variants made again (doctor --fix). */
    setVariantSizes: (
      id: number,
      sizes: { thumbSize: number; mediumSize: number; frameSize: number },
    ) =>
      database.run(async (db) => {
        await db.update(images).set(sizes).where(eq(images.id, id));
      }),

    addDeleteToken: (imageId: number, tokenHash: string) =>
      database.run(async (db) => {
        await db.insert(deleteTokens).values({ imageId, tokenHash });
      }),

    hasDeleteToken: (imageId: number, tokenHash: string) =>
      database.run(async (db) => {
        const [row] = await db
          .select({ id: deleteTokens.id })
          .from(deleteTokens)
          .where(and(eq(deleteTokens.imageId, imageId), eq(deleteTokens.tokenHash, tokenHash)))
          .limit(1);
        return row !== undefined;
      }),

    /** Live rows whose expiry has passed, oldest expiry first. */
    listExpired: (now: Date, limit: number) =>
      database.run((db) =>
        db
          .select()
          .from(images)
          .where(
            and(eq(images.status, 'live'), isNotNull(images.expiresAt), lte(images.expiresAt, now)),
          )
          .orderBy(asc(images.expiresAt))
          .limit(limit),
      ),

    /** The soonest expiry still ahead, so the sweep can sleep until then. */
    nextExpiry: (now: Date) =>
      database.run(async (db) => {
        const [row] = await db
          .select({ at: min(images.expiresAt) })
          .from(images)
          .where(and(live(now), isNotNull(images.expiresAt)));
        return row?.at ?? null;
      }),

    /** Pending rows: of one instance, or of every instance but the ones named. */
    listPending: (filter: { instance: string } | { notIn: string[] }) =>
      database.run((db) =>
        db
          .select()
          .from(images)
          .where(
            and(
              eq(images.status, 'pending'),
              'instance' in filter
                ? eq(images.uploadInstance, filter.instance)
                : filter.notIn.length > 0
                  ? notInArray(images.uploadInstance, filter.notIn)
                  : undefined,
            ),
          ),
      ),

    /** Live images of a user, newest first. */
    listUserImages: (userId: number, now: Date, limit = 500) =>
      database.run((db) =>
        db
          .select()
          .from(images)
          .where(and(eq(images.userId, userId), live(now)))
          .orderBy(desc(images.id))
          .limit(limit),
      ),

    listAlbumImages: (albumId: number, now: Date, limit = 500) =>
      database.run((db) =>
        db
          .select()
          .from(images)
          .where(and(eq(images.albumId, albumId), live(now)))
          .orderBy(desc(images.id))
          .limit(limit),
      ),

    /** Of these image ids, the live rows the user owns. */
    findOwned: (userId: number, ids: number[], now: Date) =>
      ids.length === 0
        ? Promise.resolve([] as ImageRow[])
        : database.run((db) =>
            db
              .select()
              .from(images)
              .where(and(eq(images.userId, userId), inArray(images.id, ids), live(now))),
          ),

    /** Moves the user's images into one of their albums (null: out of any). Returns the count. */
    move: (userId: number, ids: number[], albumId: number | null) =>
      ids.length === 0
        ? Promise.resolve(0)
        : database.run(
            async (db) =>
              (
                await db
                  .update(images)
                  .set({ albumId })
                  .where(and(eq(images.userId, userId), inArray(images.id, ids)))
                  .returning({ id: images.id })
              ).length,
          ),

    update: (
      id: number,
      userId: number,
      values: {
        title: string;
        description: string | null;
        albumId: number | null;
        nsfw: boolean;
        tags: string[];
      },
    ) =>
      database.run(
        async (db) =>
          (
            await db
              .update(images)
              .set(values)
              .where(and(eq(images.id, id), eq(images.userId, userId)))
              .returning({ id: images.id })
          ).length > 0,
      ),

    setCategory: (id: number, userId: number, categoryId: number | null) =>
      database.run(async (db) => {
        await db
          .update(images)
          .set({ categoryId })
          .where(and(eq(images.id, id), eq(images.userId, userId)));
      }),

    /** Remembers a guest's page upload in their session, so signing in claims it. */
    trackSessionImage: (sessionId: number, imageId: number) =>
      database.run(async (db) => {
        await db.insert(sessionImages).values({ sessionId, imageId }).onConflictDoNothing();
      }),

    /**
     * Gives the guest uploads tracked in a session to the user and stops them expiring;
     * images already owned by someone are left alone. Returns how many were claimed.
     */
    claimSessionImages: (sessionId: number, userId: number) =>
      database.tx(async (tx) => {
        const tracked = (
          await tx
            .select({ id: sessionImages.imageId })
            .from(sessionImages)
            .where(eq(sessionImages.sessionId, sessionId))
        ).map((row) => row.id);
        let claimed = 0;
        if (tracked.length > 0) {
          claimed = (
            await tx
              .update(images)
              .set({ userId, expiresAt: null })
              .where(and(inArray(images.id, tracked), isNull(images.userId)))
              .returning({ id: images.id })
          ).length;
        }
        await tx.delete(sessionImages).where(eq(sessionImages.sessionId, sessionId));
        return claimed;
      }),

    /** Rows after `afterId` in id order, pending ones too: walks every row a page at a time. */
    listPage: (afterId: number, limit: number) =>
      database.run((db) =>
        db.select().from(images).where(gt(images.id, afterId)).orderBy(asc(images.id)).limit(limit),
      ),

    // ----- quotas and administration -----

    /** Bytes of the user's live images (main files): what their storage quota counts. */
    usedBytes: (userId: number, now: Date) =>
      database.run(async (db) => {
        const [row] = await db
          .select({ bytes: sum(images.size).mapWith(Number) })
          .from(images)
          .where(and(eq(images.userId, userId), live(now)));
        return Number(row?.bytes ?? 0);
      }),

    /** The user's live images: how many, and their main files' bytes. */
    usage: (userId: number, now: Date) =>
      database.run(async (db) => {
        const [row] = await db
          .select({ images: count(), bytes: sum(images.size).mapWith(Number) })
          .from(images)
          .where(and(eq(images.userId, userId), live(now)));
        return { images: row?.images ?? 0, bytes: Number(row?.bytes ?? 0) };
      }),

    /** The latest live uploads of everyone, guests included, with the owner's name. */
    listLatest: (input: { limit: number; offset: number; now: Date }) =>
      database.run((db) =>
        db
          .select({ image: images, username: users.username })
          .from(images)
          .leftJoin(users, eq(users.id, images.userId))
          .where(live(input.now))
          .orderBy(desc(images.id))
          .limit(input.limit)
          .offset(input.offset),
      ),

    /** Live rows among these ids, whoever owns them (the admin's bulk delete). */
    findLiveMany: (ids: number[], now: Date) =>
      ids.length === 0
        ? Promise.resolve([] as ImageRow[])
        : database.run((db) =>
            db
              .select()
              .from(images)
              .where(and(inArray(images.id, ids), live(now))),
          ),

    /** A batch of a user's rows, any status: what deleting the user removes. */
    listAllOf: (userId: number, limit: number) =>
      database.run((db) =>
        db
          .select()
          .from(images)
          .where(eq(images.userId, userId))
          .orderBy(asc(images.id))
          .limit(limit),
      ),

    /**
     * The dashboard's numbers: live images and their bytes (every stored variant), uploads
     * per UTC day since `since` (by the upload's date folder, so no dialect's date
     * functions are needed), and the users who store the most.
     */
    stats: (now: Date, since: Date, top: number) =>
      database.run(async (db) => {
        const [totals] = await db
          .select({
            images: count(),
            bytes: sum(images.size).mapWith(Number),
            variantBytes: sum(
              sql`${images.thumbSize} + ${images.mediumSize} + ${images.frameSize}`,
            ).mapWith(Number),
          })
          .from(images)
          .where(live(now));
        const perDay = await db
          .select({ day: images.datePath, uploads: count() })
          .from(images)
          .where(and(eq(images.status, 'live'), gte(images.createdAt, since)))
          .groupBy(images.datePath)
          .orderBy(asc(images.datePath));
        const bytes = sum(images.size).mapWith(Number);
        const uploaders = await db
          .select({ userId: images.userId, username: users.username, images: count(), bytes })
          .from(images)
          .leftJoin(users, eq(users.id, images.userId))
          .where(live(now))
          .groupBy(images.userId, users.username)
          .orderBy(desc(bytes))
          .limit(top);
        return {
          images: totals?.images ?? 0,
          bytes: Number(totals?.bytes ?? 0) + Number(totals?.variantBytes ?? 0),
          perDay: perDay.map((row) => ({
            day: row.day.replaceAll('/', '-'),
            uploads: row.uploads,
          })),
          uploaders: uploaders.map((row) => ({
            userId: row.userId,
            username: row.username,
            images: row.images,
            bytes: Number(row.bytes ?? 0),
          })),
        };
      }),

    /** Why a removed image's id is gone ('deleted' or 'expired'), or null when never seen. */
    tombstone: (id: number) =>
      database.run(async (db) => {
        const [row] = await db
          .select({ reason: imageTombstones.reason })
          .from(imageTombstones)
          .where(eq(imageTombstones.id, id));
        return row?.reason ?? null;
      }),

    /** Every row, pending ones too (tests and doctor check nothing is left behind). */
    countRows: () =>
      database.run(async (db) => (await db.select({ n: count() }).from(images))[0]?.n ?? 0),

    countLive: (now: Date) =>
      database.run(async (db) => {
        const [row] = await db.select({ n: count() }).from(images).where(live(now));
        return row?.n ?? 0;
      }),
  };
}

export type ImagesRepository = ReturnType<typeof createImagesRepository>;
