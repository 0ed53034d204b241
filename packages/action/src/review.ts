// The comment of a pull request run compared with its base branch's baseline: a summary line,
// the changed screenshots as before | after | diff, the new ones, the removed ones, the
// unchanged ones collapsed, then the other files, failures and skipped files. It must fit in
// GitHub's 65,536 characters for hundreds of screenshots, so it gives up detail in steps
// (thumbnails of the unchanged, new and changed files, then rows) and says so.
import type { ComparedFile, Comparison, ComparisonSummary, ReviewImage } from '@upshot/client';
import {
  encodeData,
  escapeHtml,
  type FileResult,
  GITHUB_COMMENT_LIMIT,
  type ListedUpload,
  markerFor,
  type RenderOptions,
} from './comment.ts';

/** "3 changed, 1 new, 1 removed, 45 unchanged". */
export function comparisonLine(summary: ComparisonSummary): string {
  return `${summary.changed} changed, ${summary.added} new, ${summary.removed} removed, ${summary.unchanged} unchanged`;
}

/** A share of pixels as people read it: 0.0123 → "1.23%", tiny shares keep their digits. */
export function formatShare(ratio: number): string {
  const digits = ratio > 0 && ratio < 0.001 ? 3 : ratio < 0.1 ? 2 : 1;
  return `${Number((ratio * 100).toFixed(digits))}%`;
}

/**
 * How much detail the comment keeps, from everything (0) to bare links (3). Each step drops
 * the thumbnails of one section, the least useful first.
 */
export type Detail = 0 | 1 | 2 | 3;

const THUMB_WIDTH = 260;

function thumb(image: ReviewImage | null, label: string, name: string): string {
  if (!image) return '<sub>gone</sub>';
  return `<a href="${escapeHtml(image.url)}"><img src="${escapeHtml(image.preview_url)}" width="${THUMB_WIDTH}" alt="${escapeHtml(`${label}: ${name}`)}"></a>`;
}

const link = (image: ReviewImage | null, label: string) =>
  image ? `<a href="${escapeHtml(image.url)}">${label}</a>` : `<s>${label}</s>`;

function changedRow(file: ComparedFile, detail: Detail): string {
  const name = escapeHtml(file.name);
  const share = `${formatShare(file.changed_ratio)} changed`;
  const size =
    file.size_changed && file.before && file.after
      ? `, ${file.before.width}×${file.before.height} → ${file.after.width}×${file.after.height}`
      : '';
  if (detail >= 3) {
    return `- <code>${name}</code> ${share}${size}: ${link(file.before, 'before')} · ${link(file.after, 'after')} · ${link(file.diff, 'diff')}`;
  }
  const diff = file.diff ? thumb(file.diff, 'diff', file.name) : '<sub>no pixel diff</sub>';
  return `<tr><td><code>${name}</code><br><sub>${share}${size}</sub></td><td>${thumb(file.before, 'before', file.name)}</td><td>${thumb(file.after, 'after', file.name)}</td><td>${diff}</td></tr>`;
}

function changedSection(files: ComparedFile[], detail: Detail): string {
  const rows = files.map((file) => changedRow(file, detail));
  const body =
    detail >= 3
      ? rows.join('\n')
      : `<table>\n<tr><th>File</th><th>Before</th><th>After</th><th>Diff</th></tr>\n${rows.join('\n')}\n</table>`;
  return `#### Changed (${files.length})\n\n${body}`;
}

function newSection(files: ComparedFile[], detail: Detail, columns: number): string {
  if (detail >= 2) {
    const items = files.map(
      (f) =>
        `- ${f.after ? `<a href="${escapeHtml(f.after.url)}">` : ''}<code>${escapeHtml(f.name)}</code>${f.after ? '</a>' : ''}`,
    );
    return `#### New (${files.length})\n\n${items.join('\n')}`;
  }
  const cells = files.map(
    (f) =>
      `<td align="center" valign="top">${thumb(f.after, 'new', f.name)}<br><sub><code>${escapeHtml(f.name)}</code></sub></td>`,
  );
  const rows: string[] = [];
  for (let i = 0; i < cells.length; i += columns) {
    rows.push(`<tr>${cells.slice(i, i + columns).join('')}</tr>`);
  }
  return `#### New (${files.length})\n\n<table>\n${rows.join('\n')}\n</table>`;
}

function removedSection(files: ComparedFile[]): string {
  const items = files.map((f) =>
    f.before
      ? `- <a href="${escapeHtml(f.before.url)}"><code>${escapeHtml(f.name)}</code></a> <sub>(baseline)</sub>`
      : `- <code>${escapeHtml(f.name)}</code>`,
  );
  return `#### Removed (${files.length})\n\n${items.join('\n')}`;
}

function unchangedSection(files: ComparedFile[], detail: Detail): string {
  const items = files.map((f) =>
    detail === 0 && f.after
      ? `- <a href="${escapeHtml(f.after.url)}"><code>${escapeHtml(f.name)}</code></a>`
      : `- <code>${escapeHtml(f.name)}</code>`,
  );
  return `<details><summary>${files.length} unchanged</summary>\n\n${items.join('\n')}\n\n</details>`;
}

/** Videos and build artifacts: linked, never embedded. */
export function filesSection(results: FileResult[]): string | null {
  const files = results.filter((r) => r.url && r.kind !== 'image');
  if (files.length === 0) return null;
  const items = files.map((r) => {
    const target = r.kind === 'file' ? r.url : r.viewerUrl || r.url;
    const mime = r.mime ? ` <sub>${escapeHtml(r.mime)}</sub>` : '';
    return `- ${r.kind === 'video' ? 'video' : 'file'}: <a href="${escapeHtml(target ?? '')}">${escapeHtml(r.file)}</a>${mime}`;
  });
  return `**Files**\n\n${items.join('\n')}`;
}

/** Failures with the server's message, and files skipped because the server takes no artifacts. */
export function problemsSection(results: FileResult[]): string[] {
  const out: string[] = [];
  const failed = results.filter((r) => r.status === 'failed');
  if (failed.length) {
    out.push(
      `**Failed**\n\n${failed.map((r) => `- <code>${escapeHtml(r.file)}</code>: ${escapeHtml(r.error ?? 'upload failed')}`).join('\n')}`,
    );
  }
  const skipped = results.filter((r) => r.status === 'skipped' && r.error);
  if (skipped.length) {
    out.push(
      `**Skipped**\n\n${skipped.map((r) => `- <code>${escapeHtml(r.file)}</code>: ${escapeHtml(r.error!)}`).join('\n')}`,
    );
  }
  return out;
}

export interface ComparisonView {
  comparison: Comparison;
  results: FileResult[];
  options: RenderOptions;
  detail: Detail;
  /** Rows shown per section (changed first); the rest are on the review page. */
  limit: number;
}

/** The comparison as Markdown with HTML, at a level of detail. */
export function renderComparison(view: ComparisonView): string {
  const { comparison, results, options, detail, limit } = view;
  const by = (status: ComparedFile['status']) =>
    comparison.files.filter((file) => file.status === status);
  const sections: Array<[ComparedFile['status'], ComparedFile[]]> = [
    ['changed', by('changed')],
    ['added', by('added')],
    ['removed', by('removed')],
    ['unchanged', by('unchanged')],
  ];
  let left = limit;
  const shown = sections.map(([status, files]) => {
    const take = files.slice(0, Math.max(0, left));
    left -= take.length;
    return [status, take, files.length] as const;
  });
  const base = comparison.baseline?.commit
    ? `\`${escapeHtml(comparison.base_branch)}\` (${escapeHtml(comparison.baseline.commit.slice(0, 7))})`
    : `\`${escapeHtml(comparison.base_branch)}\``;
  const run = options.runUrl ? ` · [workflow run](${options.runUrl})` : '';
  const failed = results.filter((r) => r.status === 'failed').length;
  const problems = failed ? `, ${failed} failed to upload` : '';
  const parts = [
    `### ${escapeHtml(options.title)}`,
    `**${comparisonLine(comparison.summary)}**${problems} · compared with ${base} · [review page](${comparison.url})${run}`,
  ];
  for (const [status, files, total] of shown) {
    if (total === 0) continue;
    if (files.length === 0) {
      parts.push(
        `> ${total} ${status === 'added' ? 'new' : status} not shown: see the [review page](${comparison.url}).`,
      );
      continue;
    }
    if (status === 'changed') parts.push(changedSection(files, detail));
    if (status === 'added') parts.push(newSection(files, detail, options.columns));
    if (status === 'removed') parts.push(removedSection(files));
    if (status === 'unchanged') parts.push(unchangedSection(files, detail));
    if (files.length < total) {
      parts.push(`> ${total - files.length} more: see the [review page](${comparison.url}).`);
    }
  }
  const other = filesSection(results);
  if (other) parts.push(other);
  parts.push(...problemsSection(results));
  return parts.join('\n\n');
}

const NOTE = (where: string, what: string) =>
  `> [!NOTE]\n> ${what} to stay under GitHub's comment size limit; every screenshot is on the ${where}.`;

/**
 * The pull request comment of a comparison: marker, report, and the hidden list of uploads
 * (so the next run skips unchanged bytes) in at most a quarter of the room. Within `maxLength`:
 * detail goes first (thumbnails), then rows, and the comment says so.
 */
export function renderComparisonComment(
  comparison: Comparison,
  results: FileResult[],
  listed: ListedUpload[],
  options: RenderOptions,
  maxLength = GITHUB_COMMENT_LIMIT,
): { body: string; truncated: boolean } {
  const marker = markerFor(options.header);
  let data = encodeData(listed);
  if (data.length > maxLength / 4) {
    let lo = 0;
    let hi = listed.length;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (encodeData(listed.slice(0, mid)).length <= maxLength / 4) lo = mid;
      else hi = mid - 1;
    }
    data = encodeData(listed.slice(0, lo));
  }
  const review = `[review page](${comparison.url})`;
  const compose = (detail: Detail, limit: number, note: string | null) =>
    `${marker}\n${renderComparison({ comparison, results, options, detail, limit })}${note ? `\n\n${note}` : ''}\n\n${data}\n`;
  const all = comparison.files.length;
  for (const detail of [0, 1, 2, 3] as const) {
    const note =
      detail === 0
        ? null
        : NOTE(review, detail === 3 ? 'Thumbnails are left out' : 'Some thumbnails are left out');
    const body = compose(detail, all, note);
    if (body.length <= maxLength) return { body, truncated: detail > 0 };
  }
  const note = NOTE(review, 'Not every file is listed');
  let lo = 0;
  let hi = all;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (compose(3, mid, note).length <= maxLength) lo = mid;
    else hi = mid - 1;
  }
  const body = compose(3, lo, note);
  if (body.length <= maxLength) return { body, truncated: true };
  // Only an absurd title or file names get here: keep the marker and the data, cut the rest.
  return { body: `${body.slice(0, maxLength - data.length - 2)}\n${data}`, truncated: true };
}
