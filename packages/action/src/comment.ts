/** GitHub refuses an issue comment body over this many characters. */
export const GITHUB_COMMENT_LIMIT = 65_536;

export type Status = 'uploaded' | 'unchanged' | 'failed' | 'skipped';
/** An image is embedded; a video or any other accepted file is linked. */
export type Kind = 'image' | 'video' | 'file';

/** What the action knows about one local file after the run. */
export interface FileResult {
  /** Path relative to the workspace. */
  file: string;
  name: string;
  /** md5 of the local bytes. */
  md5: string;
  status: Status;
  kind?: Kind;
  mime?: string;
  url?: string;
  viewerUrl?: string;
  thumbUrl?: string;
  /** UTC `YYYY-MM-DD HH:MM:SS` when the server deletes it, as the contract writes it. */
  expiresAt?: string | null;
  error?: string;
  /** The server's id of the upload (`id_encoded`): what a baseline or a comparison names. */
  id?: string;
  /** The name in a baseline: the path relative to the matched folder. */
  reviewName?: string;
}

/** An upload listed in a previous comment, found again by the md5 of its bytes. */
export interface ListedUpload {
  md5: string;
  kind: Kind;
  mime: string;
  url: string;
  viewerUrl: string;
  thumbUrl: string;
  expiresAt: string | null;
  /** `id_encoded`; absent in comments written before the action compared screenshots. */
  id?: string;
}

export interface RenderOptions {
  header: string;
  title: string;
  columns: number;
  collapseAfter: number;
  /** Link to the workflow run, or null outside a runner. */
  runUrl: string | null;
  /** Lines shown under the counts (why nothing was compared, ...). */
  notes?: string[];
}

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** The header as it can stand inside an HTML comment: no `--`, `<` or `>`. */
function markerKey(header: string): string {
  return header
    .trim()
    .replace(/[<>\r\n]/g, '_')
    .replace(/-{2,}/g, '-');
}

/** The hidden line that finds the comment again; one per `comment-header`. */
export function markerFor(header: string): string {
  return `<!-- upshot:${markerKey(header)} -->`;
}

const DATA_PREFIX = '<!-- upshot-data ';
const DATA_SUFFIX = ' -->';

type DataRow = [
  md5: string,
  kind: Kind,
  mime: string,
  url: string,
  viewer: string,
  thumb: string,
  expires: string | null,
  id: string,
];

function listedOf(result: FileResult): ListedUpload | null {
  if (result.status !== 'uploaded' && result.status !== 'unchanged') return null;
  if (!result.url) return null;
  return {
    md5: result.md5,
    kind: result.kind ?? 'file',
    mime: result.mime ?? '',
    url: result.url,
    viewerUrl: result.viewerUrl ?? result.url,
    thumbUrl: result.thumbUrl ?? '',
    expiresAt: result.expiresAt ?? null,
    ...(result.id ? { id: result.id } : {}),
  };
}

/** The uploads as a hidden comment; `<` and `>` are JSON-escaped so it can't close early. */
export function encodeData(uploads: ListedUpload[]): string {
  const rows: DataRow[] = uploads.map((u) => [
    u.md5,
    u.kind,
    u.mime,
    u.url,
    u.viewerUrl,
    u.thumbUrl,
    u.expiresAt,
    u.id ?? '',
  ]);
  const json = JSON.stringify({ v: 1, files: rows })
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e');
  return `${DATA_PREFIX}${json}${DATA_SUFFIX}`;
}

const isHttp = (value: unknown): value is string =>
  typeof value === 'string' && /^https?:\/\//i.test(value);

/** The uploads listed by an earlier comment, by md5. Anything malformed is ignored. */
export function parseData(body: string): Map<string, ListedUpload> {
  const listed = new Map<string, ListedUpload>();
  const start = body.indexOf(DATA_PREFIX);
  if (start < 0) return listed;
  const end = body.indexOf(DATA_SUFFIX, start + DATA_PREFIX.length);
  if (end < 0) return listed;
  let data: unknown;
  try {
    data = JSON.parse(body.slice(start + DATA_PREFIX.length, end));
  } catch {
    return listed;
  }
  const files = (data as { files?: unknown })?.files;
  if (!Array.isArray(files)) return listed;
  for (const row of files) {
    if (!Array.isArray(row)) continue;
    const [md5, kind, mime, url, viewer, thumb, expires, id] = row as unknown[];
    if (typeof md5 !== 'string' || !/^[0-9a-f]{32}$/.test(md5) || !isHttp(url)) continue;
    listed.set(md5, {
      md5,
      kind: kind === 'image' || kind === 'video' ? kind : 'file',
      mime: typeof mime === 'string' ? mime : '',
      url,
      viewerUrl: isHttp(viewer) ? viewer : url,
      thumbUrl: isHttp(thumb) ? thumb : '',
      expiresAt: typeof expires === 'string' ? expires : null,
      ...(typeof id === 'string' && /^[A-Za-z0-9]{1,32}$/.test(id) ? { id } : {}),
    });
  }
  return listed;
}

export interface Counts {
  uploaded: number;
  unchanged: number;
  failed: number;
  skipped: number;
}

export function countResults(results: FileResult[]): Counts {
  const counts: Counts = { uploaded: 0, unchanged: 0, failed: 0, skipped: 0 };
  for (const r of results) counts[r.status] += 1;
  return counts;
}

export function summaryLine(results: FileResult[]): string {
  const c = countResults(results);
  const skipped = c.skipped ? `, ${c.skipped} skipped` : '';
  return `${c.uploaded} uploaded, ${c.unchanged} unchanged, ${c.failed} failed${skipped}`;
}

function imageCell(r: FileResult): string {
  const name = escapeHtml(r.name);
  const full = escapeHtml(r.url ?? '');
  const thumb = escapeHtml(r.thumbUrl || r.url || '');
  const viewer = escapeHtml(r.viewerUrl || r.url || '');
  return (
    `<td align="center" valign="top"><a href="${full}"><img src="${thumb}" alt="${name}" title="${escapeHtml(r.file)}"></a>` +
    `<br><sub><a href="${viewer}">${name}</a></sub></td>`
  );
}

function grid(images: FileResult[], columns: number): string {
  const rows: string[] = [];
  for (let i = 0; i < images.length; i += columns) {
    rows.push(
      `<tr>${images
        .slice(i, i + columns)
        .map(imageCell)
        .join('')}</tr>`,
    );
  }
  return `<table>\n${rows.join('\n')}\n</table>`;
}

function linkLine(r: FileResult): string {
  const label = r.kind === 'video' ? 'video' : 'file';
  const mime = r.mime ? ` <sub>${escapeHtml(r.mime)}</sub>` : '';
  // A build artifact links to itself (a download); a video to its viewer page.
  const target = r.kind === 'file' ? r.url : r.viewerUrl || r.url;
  return `- ${label}: <a href="${escapeHtml(target || '')}">${escapeHtml(r.file)}</a>${mime}`;
}

function failedLine(r: FileResult): string {
  return `- <code>${escapeHtml(r.file)}</code>: ${escapeHtml(r.error ?? 'upload failed')}`;
}

const isImage = (r: FileResult) => Boolean(r.url) && r.kind === 'image';
const isLinked = (r: FileResult) => Boolean(r.url) && r.kind !== 'image';

/**
 * The report as Markdown with HTML: title, counts, the image grid (collapsed past
 * `collapseAfter`), linked non-images, failures. `limit` shows only the first entries (images,
 * then links, then failures) and says where the rest is.
 */
export function renderReport(
  results: FileResult[],
  options: RenderOptions,
  limit = Number.POSITIVE_INFINITY,
): string {
  const ordered = [
    ...results.filter(isImage),
    ...results.filter(isLinked),
    ...results.filter((r) => r.status === 'failed'),
  ];
  const shown = ordered.slice(0, limit);
  const images = shown.filter(isImage);
  const linked = shown.filter(isLinked);
  const failed = shown.filter((r) => r.status === 'failed');
  const run = options.runUrl ? ` · [workflow run](${options.runUrl})` : '';
  const parts: string[] = [`### ${escapeHtml(options.title)}`, `**${summaryLine(results)}**${run}`];
  for (const note of options.notes ?? []) parts.push(`> ${note}`);

  const open = options.collapseAfter > 0 ? images.slice(0, options.collapseAfter) : images;
  const collapsed = options.collapseAfter > 0 ? images.slice(options.collapseAfter) : [];
  if (open.length) parts.push(grid(open, options.columns));
  if (collapsed.length) {
    const noun = collapsed.length === 1 ? 'image' : 'images';
    parts.push(
      `<details><summary>${collapsed.length} more ${noun}</summary>\n\n${grid(collapsed, options.columns)}\n\n</details>`,
    );
  }
  if (linked.length) parts.push(`**Files**\n\n${linked.map(linkLine).join('\n')}`);
  if (failed.length) parts.push(`**Failed**\n\n${failed.map(failedLine).join('\n')}`);
  const skipped = results.filter((r) => r.status === 'skipped' && r.error);
  if (skipped.length) parts.push(`**Skipped**\n\n${skipped.map(failedLine).join('\n')}`);
  if (shown.length < ordered.length) {
    const where = options.runUrl ? `the [job summary](${options.runUrl})` : 'the job summary';
    parts.push(
      `> [!NOTE]\n> Showing ${shown.length} of ${ordered.length} files to stay under GitHub's comment size limit; the full list is in ${where}.`,
    );
  }
  return parts.join('\n\n');
}

/**
 * The pull request comment: marker, report, and the hidden list of uploads that lets the next
 * run skip unchanged files. Shortened to `maxLength` characters: the hidden list takes at most
 * half (the newest files first out), the report shows as many files as fit in the rest.
 */
export function renderComment(
  results: FileResult[],
  options: RenderOptions,
  maxLength = GITHUB_COMMENT_LIMIT,
): { body: string; truncated: boolean } {
  const marker = markerFor(options.header);
  const listed = results.map(listedOf).filter((u): u is ListedUpload => u !== null);
  let data = encodeData(listed);
  if (data.length > maxLength / 2) {
    let lo = 0;
    let hi = listed.length;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (encodeData(listed.slice(0, mid)).length <= maxLength / 2) lo = mid;
      else hi = mid - 1;
    }
    data = encodeData(listed.slice(0, lo));
  }
  const compose = (limit: number) =>
    `${marker}\n${renderReport(results, options, limit)}\n\n${data}\n`;

  const full = compose(Number.POSITIVE_INFINITY);
  if (full.length <= maxLength) return { body: full, truncated: false };
  let lo = 0;
  let hi = results.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (compose(mid).length <= maxLength) lo = mid;
    else hi = mid - 1;
  }
  const body = compose(lo);
  if (body.length > maxLength) {
    // Only a title or a file name of absurd length gets here: keep the marker, cut the rest.
    return { body: `${body.slice(0, maxLength - data.length - 2)}\n${data}`, truncated: true };
  }
  return { body, truncated: true };
}
