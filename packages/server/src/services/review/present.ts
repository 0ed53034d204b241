import type {
  Baseline,
  ComparedFile,
  Comparison,
  ComparisonStatus,
  ReviewImage,
} from '@upshot/schema';
import type {
  BaselineFileRow,
  BaselineSetRow,
  ComparisonFileRow,
  ComparisonRow,
  ImageRow,
} from '../../db/schema/index.ts';
import { variantsOf } from '../images/files.ts';
import { formatGmt } from '../images/formatting.ts';
import { type PresentContext, viewerPaths } from '../images/present.ts';

/** An image a set or a comparison points at, with the links a comment and a page need. */
export function reviewImage(row: ImageRow, ctx: PresentContext): ReviewImage {
  const files = variantsOf(row);
  const url = (kind: string) => {
    const file = files.find((f) => f.kind === kind);
    return file ? `${ctx.filesUrl}/${file.key}` : null;
  };
  const main = url('image')!;
  return {
    id: ctx.ids.encode(row.id),
    url: main,
    preview_url: url('medium') ?? main,
    viewer_url: viewerPaths(row, ctx).urlViewer,
    width: row.width,
    height: row.height,
    md5: row.md5,
  };
}

export function presentBaseline(
  set: BaselineSetRow,
  files: BaselineFileRow[],
  images: Map<number, ImageRow>,
  ctx: PresentContext,
): Baseline {
  const image = (id: number | null) => {
    const row = id === null ? undefined : images.get(id);
    return row ? reviewImage(row, ctx) : null;
  };
  return {
    id: ctx.ids.encode(set.id),
    project: set.project,
    branch: set.branch,
    commit: set.commit,
    created_at: formatGmt(set.createdAt),
    files: [...files]
      .sort((a, b) => byName(a.name, b.name))
      .map((file) => ({
        name: file.name,
        md5: file.md5,
        width: file.width,
        height: file.height,
        image: image(file.imageId),
      })),
  };
}

const ORDER: Record<ComparisonStatus, number> = { changed: 0, added: 1, removed: 2, unchanged: 3 };

/** Code-point order: the same on every machine, whatever its locale. */
export const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export const reviewPagePath = (id: number, ctx: PresentContext): string =>
  `/compare/${ctx.ids.encode(id)}`;

export function presentComparison(
  comparison: ComparisonRow,
  files: ComparisonFileRow[],
  images: Map<number, ImageRow>,
  ctx: PresentContext,
): Comparison {
  const image = (id: number | null) => {
    const row = id === null ? undefined : images.get(id);
    return row ? reviewImage(row, ctx) : null;
  };
  const compared: ComparedFile[] = [...files]
    .sort((a, b) => ORDER[a.status] - ORDER[b.status] || byName(a.name, b.name))
    .map((file) => ({
      name: file.name,
      status: file.status,
      before: image(file.beforeImageId),
      after: image(file.afterImageId),
      diff: image(file.diffImageId),
      size_changed: file.sizeChanged,
      changed_pixels: file.changedPixels,
      total_pixels: file.totalPixels,
      changed_ratio: file.totalPixels > 0 ? Math.min(1, file.changedPixels / file.totalPixels) : 0,
    }));
  return {
    id: ctx.ids.encode(comparison.id),
    url: ctx.baseUrl + reviewPagePath(comparison.id, ctx),
    project: comparison.project,
    base_branch: comparison.baseBranch,
    head_branch: comparison.headBranch,
    commit: comparison.commit,
    pull_request: comparison.pullRequest,
    threshold: comparison.threshold,
    created_at: formatGmt(comparison.createdAt),
    baseline:
      comparison.baselineCreatedAt === null
        ? null
        : {
            id: comparison.baselineSetId === null ? '' : ctx.ids.encode(comparison.baselineSetId),
            commit: comparison.baselineCommit,
            created_at: formatGmt(comparison.baselineCreatedAt),
          },
    summary: {
      changed: comparison.changed,
      added: comparison.added,
      removed: comparison.removed,
      unchanged: comparison.unchanged,
    },
    files: compared,
  };
}
