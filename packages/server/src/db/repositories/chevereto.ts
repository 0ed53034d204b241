import { and, eq, getTableName, inArray, isNull, or, sql } from 'drizzle-orm';
import type { Database } from '../database.ts';
import { liveImage } from '../live.ts';
import type { AlbumPrivacy, NewImageRow } from '../schema/index.ts';

/** What a ledger row stands for (README: Moving from Chevereto). */
export type ImportKind = 'user' | 'category' | 'album' | 'key' | 'image';

/** An imported API key keeps this in key_hash until its first use stores the real hash. */
export const placeholderKeyHash = (sourceId: number) => `chevereto:${sourceId}`;

export interface ImportedUser {
  sourceId: number;
  username: string;
  email: string | null;
  passwordHash: string | null;
  isAdmin: boolean;
  isBanned: boolean;
  defaultExpiration: string | null;
  createdAt: Date;
}

export interface ImportedAlbum {
  id: number;
  userId: number;
  name: string;
  description: string | null;
  privacy: AlbumPrivacy;
  createdAt: Date;
}

export interface ImportedImage {
  row: NewImageRow & { id: number };
  /** bcrypt hash of the delete password Chevereto handed out. */
  deleteHash: string | null;
  legacyPath: string | null;
}

const BATCH = 200;

function chunks<T>(items: T[], size = BATCH): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * The Chevereto import's writes (ids kept, a ledger row per imported row, in the same
 * transaction) and the lookups that keep Chevereto's keys and delete links working.
 */
export function createCheveretoRepository(database: Database) {
  const { cheveretoImports: ledger, users, apiKeys, albums, categories, images } = database.tables;
  const first = <T>(rows: T[]): T | null => rows[0] ?? null;

  return {
    /** Of these Chevereto ids, the ones already imported (or deliberately passed over). */
    imported: async (kind: ImportKind, sourceIds: number[]): Promise<Set<number>> => {
      const found = new Set<number>();
      for (const part of chunks(sourceIds, 500)) {
        const rows = await database.run((db) =>
          db
            .select({ id: ledger.sourceId })
            .from(ledger)
            .where(and(eq(ledger.kind, kind), inArray(ledger.sourceId, part))),
        );
        for (const row of rows) found.add(row.id);
      }
      return found;
    },

    /** Upshot's id of every imported Chevereto row of a kind. */
    targets: async (kind: ImportKind): Promise<Map<number, number>> => {
      const rows = await database.run((db) =>
        db
          .select({ source: ledger.sourceId, target: ledger.targetId })
          .from(ledger)
          .where(eq(ledger.kind, kind)),
      );
      return new Map(rows.map((row) => [row.source, row.target]));
    },

    /** An Upshot user with this username (compared without case). */
    findUserByName: (username: string) =>
      database.run(async (db) =>
        first(
          await db
            .select()
            .from(users)
            .where(eq(sql`lower(${users.username})`, username.toLowerCase()))
            .limit(1),
        ),
      ),

    /** Creates the user and its ledger row at once; returns Upshot's id. */
    addUser: (input: ImportedUser) =>
      database.tx(async (tx) => {
        const [user] = await tx
          .insert(users)
          .values({
            username: input.username,
            email: input.email,
            passwordHash: input.passwordHash,
            isAdmin: input.isAdmin,
            isBanned: input.isBanned,
            defaultExpiration: input.defaultExpiration,
            createdAt: input.createdAt,
          })
          .returning({ id: users.id });
        await tx
          .insert(ledger)
          .values({ kind: 'user', sourceId: input.sourceId, targetId: user!.id });
        return user!.id;
      }),

    /**
     * Takes over an Upshot account of the same name that has no password yet (the admin
     * made at first start): it gets the Chevereto user's password, email and role.
     */
    adoptUser: (userId: number, input: ImportedUser) =>
      database.tx(async (tx) => {
        await tx
          .update(users)
          .set({
            email: input.email,
            passwordHash: input.passwordHash,
            isAdmin: input.isAdmin,
            isBanned: input.isBanned,
          })
          .where(and(eq(users.id, userId), isNull(users.passwordHash)));
        await tx
          .insert(ledger)
          .values({ kind: 'user', sourceId: input.sourceId, targetId: userId });
      }),

    /** Inserts categories with their ids; returns the ids that went in (others clashed). */
    addCategories: (rows: Array<{ id: number; name: string; urlKey: string }>) =>
      database.tx(async (tx) => {
        const added: number[] = [];
        for (const row of rows) {
          const [inserted] = await tx
            .insert(categories)
            .values(row)
            .onConflictDoNothing()
            .returning({ id: categories.id });
          if (!inserted) continue;
          added.push(inserted.id);
          await tx.insert(ledger).values({ kind: 'category', sourceId: row.id, targetId: row.id });
        }
        return added;
      }),

    /** Inserts albums with their ids, a batch at once; returns the ids that went in. */
    addAlbums: (rows: ImportedAlbum[]) =>
      database.tx(async (tx) => {
        if (rows.length === 0) return [] as number[];
        const inserted = await tx
          .insert(albums)
          .values(rows)
          .onConflictDoNothing()
          .returning({ id: albums.id });
        const ids = inserted.map((row) => row.id);
        if (ids.length > 0) {
          await tx
            .insert(ledger)
            .values(ids.map((id) => ({ kind: 'album', sourceId: id, targetId: id })));
        }
        return ids;
      }),

    /** An API key that Upshot finds by its Chevereto id until its first use. */
    addKey: (input: {
      sourceId: number;
      userId: number;
      label: string;
      hash: string;
      createdAt: Date;
    }) =>
      database.tx(async (tx) => {
        const [key] = await tx
          .insert(apiKeys)
          .values({
            userId: input.userId,
            label: input.label,
            keyHash: placeholderKeyHash(input.sourceId),
            createdAt: input.createdAt,
          })
          .returning({ id: apiKeys.id });
        await tx.insert(ledger).values({
          kind: 'key',
          sourceId: input.sourceId,
          targetId: key!.id,
          secret: input.hash,
        });
        return key!.id;
      }),

    /** Of these images, the ids and (folder, name) pairs Upshot already uses. */
    taken: async (rows: Array<{ id: number; datePath: string; name: string }>) => {
      const ids = new Set<number>();
      const names = new Set<string>();
      for (const part of chunks(rows, 500)) {
        const found = await database.run((db) =>
          db
            .select({ id: images.id, datePath: images.datePath, name: images.name })
            .from(images)
            .where(
              or(
                inArray(
                  images.id,
                  part.map((row) => row.id),
                ),
                inArray(
                  images.name,
                  part.map((row) => row.name),
                ),
              ),
            ),
        );
        for (const row of found) {
          ids.add(row.id);
          names.add(`${row.datePath}/${row.name}`);
        }
      }
      return { ids, names };
    },

    /** Inserts image rows (ids kept) with their ledger rows, all or none. */
    addImages: (rows: ImportedImage[]) =>
      rows.length === 0
        ? Promise.resolve()
        : database.tx(async (tx) => {
            await tx.insert(images).values(rows.map((item) => item.row));
            await tx.insert(ledger).values(
              rows.map((item) => ({
                kind: 'image',
                sourceId: item.row.id,
                targetId: item.row.id,
                secret: item.deleteHash,
                legacyPath: item.legacyPath,
              })),
            );
          }),

    /** PostgreSQL: identities continue after the largest id (rows came with their ids). */
    resetSequences: async () => {
      if (database.dialect !== 'postgres') return;
      for (const table of [users, apiKeys, albums, categories, images]) {
        const name = getTableName(table);
        await database.run((db) =>
          db.execute(
            sql.raw(
              `SELECT setval(pg_get_serial_sequence('"${name}"', 'id'), GREATEST((SELECT max(id) FROM "${name}"), 1), (SELECT max(id) FROM "${name}") IS NOT NULL)`,
            ),
          ),
        );
      }
    },

    // ----- what the server reads -----

    /** An imported key not used since the import: its bcrypt hash, Upshot key and user. */
    findPendingKey: (sourceId: number) =>
      database.run(async (db) =>
        first(
          await db
            .select({ secret: ledger.secret, key: apiKeys, user: users })
            .from(ledger)
            .innerJoin(apiKeys, eq(apiKeys.id, ledger.targetId))
            .innerJoin(users, eq(users.id, apiKeys.userId))
            .where(
              and(
                eq(ledger.kind, 'key'),
                eq(ledger.sourceId, sourceId),
                eq(apiKeys.keyHash, placeholderKeyHash(sourceId)),
                isNull(apiKeys.revokedAt),
              ),
            )
            .limit(1),
        ),
      ),

    /** After a first good use: the key is found by its SHA-256 from now on. */
    settleKey: (sourceId: number, keyId: number, keyHash: string) =>
      database.tx(async (tx) => {
        await tx
          .update(apiKeys)
          .set({ keyHash })
          .where(and(eq(apiKeys.id, keyId), eq(apiKeys.keyHash, placeholderKeyHash(sourceId))));
        await tx
          .update(ledger)
          .set({ secret: null })
          .where(and(eq(ledger.kind, 'key'), eq(ledger.sourceId, sourceId)));
      }),

    /** The bcrypt hash of an imported image's delete password. */
    deleteHash: (imageId: number) =>
      database.run(
        async (db) =>
          (
            await db
              .select({ secret: ledger.secret })
              .from(ledger)
              .where(and(eq(ledger.kind, 'image'), eq(ledger.sourceId, imageId)))
          )[0]?.secret ?? null,
      ),

    /** Live images Chevereto kept outside a date folder, by old path (`old/name`, `name`). */
    findByLegacyPath: (paths: string[], now: Date) =>
      paths.length === 0
        ? Promise.resolve([])
        : database.run((db) =>
            db
              .select({
                image: images,
                legacyPath: ledger.legacyPath,
                albumPrivacy: albums.privacy,
              })
              .from(ledger)
              .innerJoin(images, eq(images.id, ledger.targetId))
              .leftJoin(albums, eq(albums.id, images.albumId))
              .where(
                and(
                  eq(ledger.kind, 'image'),
                  inArray(ledger.legacyPath, paths),
                  liveImage(images, now),
                ),
              ),
          ),
  };
}

export type CheveretoRepository = ReturnType<typeof createCheveretoRepository>;
