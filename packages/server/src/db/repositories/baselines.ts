import { and, desc, eq, inArray, isNotNull, notInArray } from 'drizzle-orm';
import type { Database, Db } from '../database.ts';
import { liveImage } from '../live.ts';
import type {
  BaselineFileRow,
  BaselineSetRow,
  ComparisonFileRow,
  ComparisonRow,
  ImageRow,
  NewComparisonFileRow,
} from '../schema/index.ts';

/** Rows per insert statement: far below both dialects' limits on bound values. */
const CHUNK = 400;

const chunks = <T>(items: T[]): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
};

export interface NewBaselineFile {
  name: string;
  imageId: number;
  md5: string;
  width: number;
  height: number;
}

export interface NewComparison {
  userId: number;
  project: string;
  scope: string;
  baseBranch: string;
  headBranch: string | null;
  commit: string | null;
  pullRequest: number | null;
  baselineSetId: number | null;
  baselineCommit: string | null;
  baselineCreatedAt: Date | null;
  threshold: number;
  changed: number;
  added: number;
  removed: number;
  unchanged: number;
  createdAt: Date;
}

/** Baseline sets and comparisons of visual review (README: Visual review). */
export function createBaselinesRepository(database: Database) {
  const { baselineSets, baselineFiles, comparisons, comparisonFiles, images } = database.tables;

  /** Ids of the rows past the `keep` newest, by id, among those the filter selects. */
  async function pastNewest(
    tx: Db,
    table: typeof baselineSets | typeof comparisons,
    where: ReturnType<typeof and>,
    keep: number,
  ): Promise<number[]> {
    const rows = await tx
      .select({ id: table.id })
      .from(table)
      .where(where)
      .orderBy(desc(table.id))
      .limit(1_000_000)
      .offset(keep);
    return rows.map((row) => row.id);
  }

  return {
    /**
     * Records a set and, in the same transaction, removes the sets of that branch past the
     * `keep` newest (their file rows go with them; the images stay until their own expiry).
     */
    recordSet: (
      set: Omit<BaselineSetRow, 'id'>,
      files: NewBaselineFile[],
      keep: number,
    ): Promise<{ set: BaselineSetRow; pruned: number }> =>
      database.tx(async (tx) => {
        const [row] = await tx.insert(baselineSets).values(set).returning();
        if (!row) throw new Error('the baseline set was not inserted');
        for (const part of chunks(files)) {
          await tx.insert(baselineFiles).values(part.map((file) => ({ ...file, setId: row.id })));
        }
        const old = await pastNewest(
          tx,
          baselineSets,
          and(
            eq(baselineSets.userId, set.userId),
            eq(baselineSets.project, set.project),
            eq(baselineSets.branch, set.branch),
          ),
          keep,
        );
        for (const part of chunks(old)) {
          await tx.delete(baselineSets).where(inArray(baselineSets.id, part));
        }
        return { set: row, pruned: old.length };
      }),

    /** The newest set of a user's project on a branch, with its files, or null. */
    latestSet: (userId: number, project: string, branch: string) =>
      database.run(async (db) => {
        const [set] = await db
          .select()
          .from(baselineSets)
          .where(
            and(
              eq(baselineSets.userId, userId),
              eq(baselineSets.project, project),
              eq(baselineSets.branch, branch),
            ),
          )
          .orderBy(desc(baselineSets.id))
          .limit(1);
        if (!set) return null;
        const files: BaselineFileRow[] = await db
          .select()
          .from(baselineFiles)
          .where(eq(baselineFiles.setId, set.id));
        return { set, files };
      }),

    /** Of these image ids, the rows that are live (anyone's): what a page or a set may show. */
    findLiveImages: (ids: number[], now: Date) =>
      ids.length === 0
        ? Promise.resolve(new Map<number, ImageRow>())
        : database.run(async (db) => {
            const found = new Map<number, ImageRow>();
            for (const part of chunks([...new Set(ids)])) {
              const rows = await db
                .select()
                .from(images)
                .where(and(inArray(images.id, part), liveImage(images, now)));
              for (const row of rows) found.set(row.id, row);
            }
            return found;
          }),

    /**
     * Records a comparison and removes the ones of the same scope past the `keep` newest.
     * Returns the diff images the removed ones named that no comparison names any more.
     */
    recordComparison: (
      comparison: NewComparison,
      files: Omit<NewComparisonFileRow, 'id' | 'comparisonId'>[],
      keep: number,
    ): Promise<{ comparison: ComparisonRow; orphanDiffs: number[] }> =>
      database.tx(async (tx) => {
        const [row] = await tx.insert(comparisons).values(comparison).returning();
        if (!row) throw new Error('the comparison was not inserted');
        for (const part of chunks(files)) {
          await tx
            .insert(comparisonFiles)
            .values(part.map((file) => ({ ...file, comparisonId: row.id })));
        }
        const old = await pastNewest(
          tx,
          comparisons,
          and(
            eq(comparisons.userId, comparison.userId),
            eq(comparisons.project, comparison.project),
            eq(comparisons.scope, comparison.scope),
          ),
          keep,
        );
        const diffs = new Set<number>();
        for (const part of chunks(old)) {
          const named = await tx
            .select({ id: comparisonFiles.diffImageId })
            .from(comparisonFiles)
            .where(
              and(
                inArray(comparisonFiles.comparisonId, part),
                isNotNull(comparisonFiles.diffImageId),
              ),
            );
          for (const { id } of named) if (id !== null) diffs.add(id);
          await tx.delete(comparisons).where(inArray(comparisons.id, part));
        }
        const orphanDiffs: number[] = [];
        for (const part of chunks([...diffs])) {
          const still = new Set(
            (
              await tx
                .select({ id: comparisonFiles.diffImageId })
                .from(comparisonFiles)
                .where(inArray(comparisonFiles.diffImageId, part))
            ).map((r) => r.id),
          );
          orphanDiffs.push(...part.filter((id) => !still.has(id)));
        }
        return { comparison: row, orphanDiffs };
      }),

    findComparison: (id: number) =>
      database.run(async (db) => {
        const [comparison] = await db.select().from(comparisons).where(eq(comparisons.id, id));
        if (!comparison) return null;
        const files: ComparisonFileRow[] = await db
          .select()
          .from(comparisonFiles)
          .where(eq(comparisonFiles.comparisonId, id));
        return { comparison, files };
      }),

    /** Rows of these images that neither a set nor a comparison names (what pruning may delete). */
    unreferenced: (ids: number[]) =>
      ids.length === 0
        ? Promise.resolve([] as ImageRow[])
        : database.run(async (db) => {
            const out: ImageRow[] = [];
            for (const part of chunks(ids)) {
              const named = new Set<number | null>();
              for (const column of [
                comparisonFiles.beforeImageId,
                comparisonFiles.afterImageId,
                comparisonFiles.diffImageId,
              ]) {
                for (const r of await db
                  .select({ id: column })
                  .from(comparisonFiles)
                  .where(inArray(column, part)))
                  named.add(r.id);
              }
              for (const r of await db
                .select({ id: baselineFiles.imageId })
                .from(baselineFiles)
                .where(inArray(baselineFiles.imageId, part)))
                named.add(r.id);
              const free = part.filter((id) => !named.has(id));
              if (free.length > 0) {
                out.push(
                  ...(await db
                    .select()
                    .from(images)
                    .where(and(inArray(images.id, free), notInArray(images.status, ['pending'])))),
                );
              }
            }
            return out;
          }),
  };
}

export type BaselinesRepository = ReturnType<typeof createBaselinesRepository>;
