// URLs of an image's files and the embed codes people paste elsewhere, for every page.
import type { AlbumRow, ImageRow } from '../../db/schema/index.ts';
import type { Translate } from '../../i18n/index.ts';
import { variantsOf } from '../../services/images/files.ts';
import { escapeHtml } from '../../services/images/formatting.ts';
import { type PresentContext, viewerPaths } from '../../services/images/present.ts';

/** URLs of an image's stored files. */
export function fileUrls(row: ImageRow, ctx: PresentContext) {
  const files = variantsOf(row);
  const url = (kind: string) => {
    const file = files.find((f) => f.kind === kind);
    return file ? `${ctx.filesUrl}/${file.key}` : undefined;
  };
  return { main: url('image')!, thumb: url('thumb'), frame: url('frame'), medium: url('medium') };
}

/** The small picture of an image in a grid: its thumb, a video's frame, else the file. */
export const thumbOf = (row: ImageRow, present: PresentContext): string => {
  const urls = fileUrls(row, present);
  return urls.thumb ?? urls.frame ?? urls.main;
};

export type EmbedKind = 'viewer' | 'direct' | 'markdown' | 'html' | 'bbcode';
export const EMBED_KINDS: readonly EmbedKind[] = ['viewer', 'direct', 'markdown', 'html', 'bbcode'];

/** Embed codes people paste elsewhere: viewer link, direct link, Markdown, HTML, BBCode. */
export function embedCodes(row: ImageRow, ctx: PresentContext, t: Translate) {
  const { urlViewer } = viewerPaths(row, ctx);
  const { main, thumb, frame } = fileUrls(row, ctx);
  const shown = row.type === 'video' ? (frame ?? thumb ?? main) : main;
  const alt = row.title.replace(/[\][]/g, '');
  const codes: Record<EmbedKind, string> = {
    viewer: urlViewer,
    direct: main,
    markdown: `[![${alt}](${shown})](${urlViewer})`,
    html: `<a href="${urlViewer}"><img src="${shown}" alt="${escapeHtml(alt)}"></a>`,
    bbcode: `[url=${urlViewer}][img]${shown}[/img][/url]`,
  };
  return EMBED_KINDS.map((id) => ({ id, label: t(`embed.${id}`), value: codes[id] }));
}

/**
 * Who may see an image: anyone with its link, unless it sits in a private album, then
 * only its owner. Unlisted albums are open to whoever has the link.
 */
export function imageVisible(
  row: ImageRow,
  album: AlbumRow | null,
  viewerId: number | null,
): boolean {
  if (album?.privacy === 'private') return viewerId !== null && viewerId === row.userId;
  return true;
}
