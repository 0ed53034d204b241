import type { Repositories } from '../../db/repositories/index.ts';
import type { AlbumRow, ImageRow } from '../../db/schema/index.ts';
import type { Translate } from '../../i18n/index.ts';
import { variantsOf } from '../../services/images/files.ts';
import { formatGmt, formatSize } from '../../services/images/formatting.ts';
import { type PresentContext, viewerPaths } from '../../services/images/present.ts';
import { assetPath } from '../assets.ts';
import type { Web, WebContext } from '../context.ts';
import { csrfField, fill, type Html, html } from '../html.ts';

/** URLs of an image's stored files. */
export function fileUrls(row: ImageRow, ctx: PresentContext) {
  const files = variantsOf(row);
  const url = (kind: string) => {
    const file = files.find((f) => f.kind === kind);
    return file ? `${ctx.filesUrl}/${file.key}` : undefined;
  };
  return { main: url('image')!, thumb: url('thumb'), frame: url('frame'), medium: url('medium') };
}

/** Embed codes people paste elsewhere: viewer link, direct link, Markdown, HTML, BBCode. */
export function embedCodes(row: ImageRow, ctx: PresentContext, t: Translate) {
  const { urlViewer } = viewerPaths(row, ctx);
  const { main, thumb, frame } = fileUrls(row, ctx);
  const shown = row.type === 'video' ? (frame ?? thumb ?? main) : main;
  const alt = row.title.replace(/[\][]/g, '');
  return [
    { id: 'viewer', label: t('embed.viewer'), value: urlViewer },
    { id: 'direct', label: t('embed.direct'), value: main },
    { id: 'markdown', label: t('embed.markdown'), value: `[![${alt}](${shown})](${urlViewer})` },
    {
      id: 'html',
      label: t('embed.html'),
      value: `<a href="${urlViewer}"><img src="${shown}" alt="${alt.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;')}"></a>`,
    },
    {
      id: 'bbcode',
      label: t('embed.bbcode'),
      value: `[url=${urlViewer}][img]${shown}[/img][/url]`,
    },
  ];
}

/** A read-only field with a copy button (the script wires `data-copy`). */
export function copyField(id: string, label: string, value: string, t: Translate): Html {
  return html`<div class="copy-row"><label for="${id}">${label}</label><div class="copy-field"><input id="${id}" class="code" readonly value="${value}"><button type="button" class="secondary" data-copy="${id}" data-copied="${t('upload.copied')}">${t('upload.copy')}</button></div></div>`;
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

export function createImagePages(deps: {
  web: Web;
  repos: Pick<Repositories, 'albums' | 'users'>;
  present: PresentContext;
}) {
  const { web, repos, present } = deps;
  const albumOf = (row: ImageRow) =>
    row.albumId === null ? Promise.resolve(null) : repos.albums.find(row.albumId);

  async function viewer(ctx: WebContext, row: ImageRow): Promise<Response> {
    const { t } = ctx;
    const { main, frame, medium, thumb } = fileUrls(row, present);
    const { urlViewer } = viewerPaths(row, present);
    const album = await albumOf(row);
    const owner = row.userId === null ? null : await repos.users.find(row.userId);
    const isOwner = ctx.signedIn !== null && ctx.signedIn.id === row.userId;
    const preview = row.type === 'video' ? (frame ?? thumb) : (medium ?? main);
    const head = html`<meta property="og:site_name" content="Upshot"><meta property="og:type" content="${row.type === 'video' ? 'video.other' : 'website'}"><meta property="og:title" content="${row.title}"><meta property="og:url" content="${urlViewer}"><meta property="og:image" content="${preview ?? main}">${row.type === 'image' ? html`<meta property="og:image:width" content="${medium ? 500 : row.width}"><meta property="og:image:height" content="${medium ? Math.round((500 * row.height) / Math.max(1, row.width)) : row.height}"><meta name="twitter:card" content="summary_large_image">` : html`<meta property="og:video" content="${main}"><meta property="og:video:type" content="${row.mime}"><meta property="og:video:width" content="${row.width}"><meta property="og:video:height" content="${row.height}"><meta name="twitter:card" content="player">`}${row.description ? html`<meta property="og:description" content="${row.description}"><meta name="description" content="${row.description}">` : ''}<link rel="canonical" href="${urlViewer}"><script src="${assetPath('uploader.js')}" defer></script>`;
    const media =
      // A build artifact is never shown in the page: it is a download (README: Build artifacts).
      row.type === 'file'
        ? html`<p><a class="button" href="${main}" download>${t('viewer.download', { name: `${row.name}.${row.extension}` })}</a></p>`
        : row.type === 'video'
          ? html`<video class="media" src="${main}" poster="${frame ?? ''}" controls autoplay muted loop playsinline preload="metadata" width="${row.width}" height="${row.height}"></video>`
          : html`<a href="${main}"><img class="media" src="${main}" alt="${row.title}" width="${row.width}" height="${row.height}"></a>`;
    const actions = isOwner
      ? html`<div class="actions"><a class="button secondary" href="/edit/image/${present.ids.encode(row.id)}">${t('viewer.edit')}</a><a class="button danger" href="/edit/image/${present.ids.encode(row.id)}/delete">${t('viewer.delete')}</a></div>`
      : '';
    const albumLink =
      album && (album.privacy !== 'private' || isOwner)
        ? html`<li>${fill(t('viewer.inAlbum'), { album: html`<a href="/album/${present.ids.encode(album.id)}">${album.name}</a>` })}</li>`
        : '';
    const body = html`<article class="viewer"><div class="media-box">${media}</div>
<div class="viewer-info"><h1>${row.title}</h1>${actions}
${row.description ? html`<p class="description">${row.description}</p>` : ''}
<ul class="facts">
<li>${t('viewer.uploadedBy', { name: owner?.username ?? t('viewer.guest') })}</li>
<li><span class="muted">${t('viewer.dimensions')}</span> ${row.width} × ${row.height}</li>
<li><span class="muted">${t('viewer.size')}</span> ${formatSize(row.size)}</li>
<li><span class="muted">${t('viewer.date')}</span> <time datetime="${row.createdAt.toISOString()}">${formatGmt(row.createdAt)} UTC</time></li>
${albumLink}
${row.tags.length > 0 ? html`<li><span class="muted">${t('viewer.tags')}</span> ${row.tags.join(', ')}</li>` : ''}
${row.nsfw ? html`<li class="badge">${t('viewer.nsfw')}</li>` : ''}
${row.expiresAt ? html`<li class="warn">${t('viewer.expires', { date: formatGmt(row.expiresAt) })}</li>` : ''}
</ul>
<section class="card" aria-labelledby="embed-title"><h2 id="embed-title">${t('embed.codes')}</h2>${embedCodes(row, present, t).map((code) => copyField(`embed-${code.id}`, code.label, code.value, t))}</section></div></article>`;
    return web.render(ctx, { title: row.title, head }, body);
  }

  return {
    async canView(request: Request, row: ImageRow): Promise<boolean> {
      const album = await albumOf(row);
      if (album?.privacy !== 'private') return true;
      return imageVisible(row, album, (await web.context(request)).signedIn?.id ?? null);
    },
    async viewer(request: Request, row: ImageRow): Promise<Response> {
      return viewer(await web.context(request), row);
    },
    /** The delete link's confirmation (the token in the URL is the permission). */
    async deleteConfirm(request: Request, row: ImageRow): Promise<Response> {
      const ctx = await web.context(request);
      return web.render(
        ctx,
        { title: ctx.t('delete.title', { title: row.title }) },
        deletePanel(ctx, row, present, ''),
      );
    },
  };
}

/** The confirmation panel; `action` '' posts back to the same URL. */
export function deletePanel(
  ctx: WebContext,
  row: ImageRow,
  present: PresentContext,
  action: string,
  withCsrf = false,
): Html {
  const { t } = ctx;
  const { thumb, main, frame } = fileUrls(row, present);
  const { pathViewer } = viewerPaths(row, present);
  return html`<div class="narrow"><h1>${t('delete.title', { title: row.title })}</h1><div class="card stack"><img class="media thumb-preview" src="${thumb ?? frame ?? main}" alt="${row.title}" width="320">
<p>${t('delete.body')}</p>
<form method="post"${action ? html` action="${action}"` : ''} class="row">${withCsrf ? csrfField(ctx) : ''}<button type="submit" class="danger">${t('delete.confirm')}</button><a class="button secondary" href="${pathViewer}">${t('delete.cancel')}</a></form></div></div>`;
}

export type ImagePages = ReturnType<typeof createImagePages>;
