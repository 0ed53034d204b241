// Visual review (README: Visual review): baseline sets per branch, and pull request runs
// compared with the latest set of their base branch. The comparison runs here, on the
// server, because the server already has both images and sharp: nothing is downloaded
// again, the diff image is stored next to them (with its thumbnail, like any upload), and
// the same code answers `upshot diff a.png b.png` through POST /api/1/diff.
import type {
  Baseline,
  BaselineInput,
  CompareInput,
  Comparison,
  DiffResult,
  ReviewFileInput,
} from '@upshot/schema';
import { ReviewLimits } from '@upshot/schema';
import type { Config } from '../../config.ts';
import type { Repositories } from '../../db/repositories/index.ts';
import type { ComparisonFileRow, ImageRow, UserRow } from '../../db/schema/index.ts';
import type { diffImages as DiffImages } from '../../media/diff.ts';
import { MediaError } from '../../media/errors.ts';
import { md5 } from '../../media/hash.ts';
import type { WorkQueue } from '../../media/queue.ts';
import { readAll, type Storage } from '../../storage/storage.ts';
import { Refusal } from '../errors.ts';
import type { ImageDeleter } from '../images/deleter.ts';
import { variantsOf } from '../images/files.ts';
import type { PresentContext } from '../images/present.ts';
import type { Principal } from '../principal.ts';
import type { UploadService } from '../uploads/service.ts';
import { byName, presentBaseline, presentComparison } from './present.ts';

// sharp and pixelmatch load at the first comparison, not at start (README: Performance).
const loadDiff = async (): Promise<typeof DiffImages> =>
  (await import('../../media/diff.ts')).diffImages;

/** A request the review API refuses, with the reason to show (a 400). */
export class ReviewRefusal extends Error {
  override name = 'ReviewRefusal';
}

export interface ReviewServiceDeps {
  config: Config;
  repos: Pick<Repositories, 'baselines' | 'images'>;
  storage: Storage;
  queue: WorkQueue;
  uploads: UploadService;
  deleter: ImageDeleter;
  present: PresentContext;
  now: () => Date;
}

type Row = Omit<ComparisonFileRow, 'id' | 'comparisonId'>;

/** Sets belong to a user: the guest key (shared, public) may not keep or compare any. */
function userOf(principal: Principal): UserRow {
  if (principal.kind !== 'user' || principal.user.isBanned) throw new Refusal('request-denied');
  return principal.user;
}

const stemOf = (name: string): string => {
  const base = name.split('/').pop() ?? name;
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(0, dot) : base;
};

export function createReviewService(deps: ReviewServiceDeps) {
  const { config, repos, storage, present } = deps;

  /** The user's live images the request names, by screenshot name; refuses what it can't use. */
  async function resolveFiles(
    user: UserRow,
    files: ReviewFileInput[],
    now: Date,
  ): Promise<Map<string, ImageRow>> {
    const ids = new Map<string, number>();
    for (const file of files) {
      if (ids.has(file.name)) throw new ReviewRefusal(`Duplicate file name: ${file.name}`);
      const id = file.image_id.length > 32 ? null : present.ids.decode(file.image_id);
      if (id === null) throw new ReviewRefusal(`Invalid image_id for ${file.name}`);
      ids.set(file.name, id);
    }
    const owned = new Map(
      (await repos.images.findOwned(user.id, [...new Set(ids.values())], now)).map((row) => [
        row.id,
        row,
      ]),
    );
    const out = new Map<string, ImageRow>();
    for (const file of files) {
      const row = owned.get(ids.get(file.name)!);
      if (!row) throw new ReviewRefusal(`Image not found: ${file.image_id} (${file.name})`);
      out.set(file.name, row);
    }
    return out;
  }

  async function bytesOf(row: ImageRow): Promise<Uint8Array | null> {
    const main = variantsOf(row)[0]!;
    const stored = await storage.get(main.key);
    return stored ? readAll(stored) : null;
  }

  const diffOptions = (threshold: number) => ({
    threshold,
    maxPixels: config.maxPixels,
    timeoutMs: config.mediaTimeoutMs,
  });

  /** Stores a diff image as the user's upload: thumbnail, medium, and the after image's expiry. */
  async function storeDiff(user: UserRow, name: string, png: Uint8Array, after: ImageRow) {
    const now = deps.now();
    const secondsLeft = after.expiresAt
      ? Math.max(1, Math.ceil((after.expiresAt.getTime() - now.getTime()) / 1000))
      : 0;
    const outcome = await deps.uploads.upload({
      principal: { kind: 'user', user, keyId: null },
      clientIp: null,
      source: {
        kind: 'file',
        file: {
          filename: `${stemOf(name)}.diff.png`,
          size: png.length,
          md5: await md5(png),
          bytes: png,
          path: null,
        },
      },
      title: `Diff of ${name}`.slice(0, 100),
      tags: [],
      nsfw: false,
      expiration: String(secondsLeft),
    });
    return outcome.row;
  }

  /**
   * One screenshot whose bytes changed: compared pixel by pixel when both are images that
   * are still there; the same size with nothing over the threshold is unchanged after all.
   */
  async function compareOne(
    user: UserRow,
    name: string,
    before: { row: ImageRow | null; width: number; height: number },
    after: ImageRow,
    threshold: number,
  ): Promise<{ row: Row; diff: ImageRow | null }> {
    const total = Math.max(before.width, after.width) * Math.max(before.height, after.height);
    const base: Row = {
      name,
      status: 'changed',
      beforeImageId: before.row?.id ?? null,
      afterImageId: after.id,
      diffImageId: null,
      sizeChanged: before.width !== after.width || before.height !== after.height,
      changedPixels: total,
      totalPixels: total,
    };
    if (before.row?.type !== 'image' || after.type !== 'image') {
      return { row: base, diff: null };
    }
    const beforeRow = before.row;
    let result: Awaited<ReturnType<typeof DiffImages>> | null;
    try {
      // Read inside the queue's slot: a comparison of hundreds of changed screenshots holds
      // no more than `mediaConcurrency` pairs in memory at once.
      result = await deps.queue.run(async () => {
        const [a, b] = await Promise.all([bytesOf(beforeRow), bytesOf(after)]);
        return a && b ? (await loadDiff())(a, b, diffOptions(threshold)) : null;
      });
    } catch (error) {
      // An image sharp can't read for a diff is still a changed file: shown without a diff.
      if (error instanceof MediaError) return { row: base, diff: null };
      throw error;
    }
    if (!result) return { row: base, diff: null };
    const counted = {
      ...base,
      sizeChanged: result.sizeChanged,
      changedPixels: result.changedPixels,
      totalPixels: result.totalPixels,
    };
    if (result.changedPixels === 0) return { row: { ...counted, status: 'unchanged' }, diff: null };
    const diff = result.png ? await storeDiff(user, name, result.png, after) : null;
    return { row: { ...counted, diffImageId: diff?.id ?? null }, diff };
  }

  return {
    async recordBaseline(principal: Principal, input: BaselineInput): Promise<Baseline> {
      const user = userOf(principal);
      const now = deps.now();
      const files = await resolveFiles(user, input.files, now);
      const { set } = await repos.baselines.recordSet(
        {
          userId: user.id,
          project: input.project,
          branch: input.branch,
          commit: input.commit || null,
          createdAt: now,
        },
        [...files].map(([name, row]) => ({
          name,
          imageId: row.id,
          md5: row.md5,
          width: row.width,
          height: row.height,
        })),
        config.baselinesKeep,
      );
      const rows = [...files].map(([name, row]) => ({
        id: 0,
        setId: set.id,
        name,
        imageId: row.id,
        md5: row.md5,
        width: row.width,
        height: row.height,
      }));
      return presentBaseline(
        set,
        rows,
        new Map([...files.values()].map((r) => [r.id, r])),
        present,
      );
    },

    /** The latest set of a branch, or null. */
    async latestBaseline(
      principal: Principal,
      project: string,
      branch: string,
    ): Promise<Baseline | null> {
      const user = userOf(principal);
      const latest = await repos.baselines.latestSet(user.id, project, branch);
      if (!latest) return null;
      const images = await repos.baselines.findLiveImages(
        latest.files.flatMap((f) => (f.imageId === null ? [] : [f.imageId])),
        deps.now(),
      );
      return presentBaseline(latest.set, latest.files, images, present);
    },

    async compare(principal: Principal, input: CompareInput): Promise<Comparison> {
      const user = userOf(principal);
      const now = deps.now();
      const threshold = input.threshold ?? ReviewLimits.defaultThreshold;
      const after = await resolveFiles(user, input.files, now);
      const latest = await repos.baselines.latestSet(user.id, input.project, input.base_branch);
      const baseFiles = new Map((latest?.files ?? []).map((file) => [file.name, file]));
      const beforeRows = await repos.baselines.findLiveImages(
        [...baseFiles.values()].flatMap((f) => (f.imageId === null ? [] : [f.imageId])),
        now,
      );

      const images = new Map<number, ImageRow>(beforeRows);
      const rows: Row[] = [];
      const pending: Promise<{ row: Row; diff: ImageRow | null }>[] = [];
      for (const [name, row] of [...after].sort(([a], [b]) => byName(a, b))) {
        images.set(row.id, row);
        const before = baseFiles.get(name);
        const pixels = row.width * row.height;
        if (!before) {
          rows.push({
            name,
            status: 'added',
            beforeImageId: null,
            afterImageId: row.id,
            diffImageId: null,
            sizeChanged: false,
            changedPixels: 0,
            totalPixels: pixels,
          });
        } else if (before.md5 === row.md5) {
          rows.push({
            name,
            status: 'unchanged',
            beforeImageId:
              before.imageId !== null && beforeRows.has(before.imageId) ? before.imageId : null,
            afterImageId: row.id,
            diffImageId: null,
            sizeChanged: false,
            changedPixels: 0,
            totalPixels: pixels,
          });
        } else {
          const beforeRow =
            before.imageId === null ? null : (beforeRows.get(before.imageId) ?? null);
          pending.push(
            compareOne(
              user,
              name,
              { row: beforeRow, width: before.width, height: before.height },
              row,
              threshold,
            ),
          );
        }
      }
      for (const result of await Promise.all(pending)) {
        rows.push(result.row);
        if (result.diff) images.set(result.diff.id, result.diff);
      }
      for (const [name, file] of baseFiles) {
        if (after.has(name)) continue;
        const live = file.imageId !== null && beforeRows.has(file.imageId);
        rows.push({
          name,
          status: 'removed',
          beforeImageId: live ? file.imageId : null,
          afterImageId: null,
          diffImageId: null,
          sizeChanged: false,
          changedPixels: 0,
          totalPixels: file.width * file.height,
        });
      }
      const count = (status: Row['status']) => rows.filter((r) => r.status === status).length;
      const scope =
        input.pull_request !== undefined
          ? `pr:${input.pull_request}`
          : input.head_branch
            ? `branch:${input.head_branch}`
            : '';
      const { comparison, orphanDiffs } = await repos.baselines.recordComparison(
        {
          userId: user.id,
          project: input.project,
          scope,
          baseBranch: input.base_branch,
          headBranch: input.head_branch || null,
          commit: input.commit || null,
          pullRequest: input.pull_request ?? null,
          baselineSetId: latest?.set.id ?? null,
          baselineCommit: latest?.set.commit ?? null,
          baselineCreatedAt: latest?.set.createdAt ?? null,
          threshold,
          changed: count('changed'),
          added: count('added'),
          removed: count('removed'),
          unchanged: count('unchanged'),
          createdAt: now,
        },
        rows,
        config.baselinesKeep,
      );
      // Diff images belong to the comparisons that were pruned: they go with them, unless
      // something else still names the same bytes (the upload service shares duplicates).
      for (const row of await repos.baselines.unreferenced(orphanDiffs)) {
        await deps.deleter.delete(row);
      }
      const stored = rows.map((row, i) => ({ ...row, id: i + 1, comparisonId: comparison.id }));
      return presentComparison(comparison, stored, images, present);
    },

    /** A comparison as its review page shows it, or null (unknown id). */
    async findComparison(encoded: string): Promise<Comparison | null> {
      const id = encoded.length > 32 ? null : present.ids.decode(encoded);
      if (id === null) return null;
      const found = await repos.baselines.findComparison(id);
      if (!found) return null;
      const images = await repos.baselines.findLiveImages(
        found.files.flatMap((f) =>
          [f.beforeImageId, f.afterImageId, f.diffImageId].filter((x): x is number => x !== null),
        ),
        deps.now(),
      );
      return presentComparison(found.comparison, found.files, images, present);
    },

    /** Two images compared, nothing stored (POST /api/1/diff). */
    async diff(
      principal: Principal,
      a: Uint8Array,
      b: Uint8Array,
      threshold: number,
    ): Promise<DiffResult> {
      userOf(principal);
      const identical = a.length === b.length && (await md5(a)) === (await md5(b));
      const diffImages = await loadDiff();
      const result = await deps.queue.run(() => diffImages(a, b, diffOptions(threshold)));
      return {
        identical,
        changed: result.changedPixels > 0,
        a: result.a,
        b: result.b,
        size_changed: result.sizeChanged,
        width: result.width,
        height: result.height,
        changed_pixels: result.changedPixels,
        total_pixels: result.totalPixels,
        changed_ratio: result.totalPixels > 0 ? result.changedPixels / result.totalPixels : 0,
        threshold,
        image: result.png ? Buffer.from(result.png).toString('base64') : null,
      };
    },
  };
}

export type ReviewService = ReturnType<typeof createReviewService>;
