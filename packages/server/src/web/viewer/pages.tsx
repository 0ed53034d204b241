/** @jsxImportSource @upshot/server */
import type { Repositories } from '../../db/repositories/index.ts';
import type { AlbumRow, ImageRow } from '../../db/schema/index.ts';
import { formatGmt, formatSize } from '../../services/images/formatting.ts';
import { type PresentContext, viewerPaths } from '../../services/images/present.ts';
import type { Web, WebContext } from '../context.ts';
import { CopyField, CsrfField, fill, LinkButton } from '../ui/components.tsx';
import { icon } from '../ui/icons.ts';
import { embedCodes, fileUrls, imageVisible } from '../ui/media.ts';

/** The neighbours of an image in its album, in the album page's order (newest first). */
interface AlbumPlace {
  album: AlbumRow;
  index: number;
  count: number;
  previous: string | null;
  next: string | null;
}

/** Link previews: Open Graph and Twitter cards (a video is shown by its poster frame). */
function SocialMeta(props: { row: ImageRow; present: PresentContext }) {
  const { row, present } = props;
  const { main, frame, medium, thumb } = fileUrls(row, present);
  const { urlViewer } = viewerPaths(row, present);
  const preview = row.type === 'video' ? (frame ?? thumb ?? main) : (medium ?? main);
  const previewWidth = row.type === 'image' && medium ? 500 : row.width;
  const previewHeight =
    row.type === 'image' && medium
      ? Math.round((500 * row.height) / Math.max(1, row.width))
      : row.height;
  return (
    <>
      <meta property="og:site_name" content="Upshot" />
      <meta property="og:type" content={row.type === 'video' ? 'video.other' : 'website'} />
      <meta property="og:title" content={row.title} />
      <meta property="og:url" content={urlViewer} />
      <meta property="og:image" content={preview} />
      <meta property="og:image:width" content={String(previewWidth)} />
      <meta property="og:image:height" content={String(previewHeight)} />
      {row.type === 'video' ? (
        <>
          <meta property="og:video" content={main} />
          <meta property="og:video:type" content={row.mime} />
          <meta property="og:video:width" content={String(row.width)} />
          <meta property="og:video:height" content={String(row.height)} />
        </>
      ) : null}
      {/* A "player" card needs a player page to embed; the large image card needs nothing more. */}
      <meta name="twitter:card" content="summary_large_image" />
      {row.description ? (
        <>
          <meta property="og:description" content={row.description} />
          <meta name="description" content={row.description} />
        </>
      ) : null}
      <link rel="canonical" href={urlViewer} />
    </>
  );
}

function ViewerBody(props: {
  ctx: WebContext;
  row: ImageRow;
  present: PresentContext;
  album: AlbumRow | null;
  place: AlbumPlace | null;
  owner: string | null;
}) {
  const { ctx, row, present, place } = props;
  const { t } = ctx;
  const { main, frame } = fileUrls(row, present);
  const isOwner = ctx.signedIn !== null && ctx.signedIn.id === row.userId;
  const encoded = present.ids.encode(row.id);
  const albumLink =
    props.album && (props.album.privacy !== 'private' || isOwner) ? props.album : null;
  return (
    <article class="viewer" data-viewer>
      <div class="stage" data-stage>
        <div class="stage-media" data-zoomable={row.type === 'image' ? '' : undefined}>
          {/* A build artifact is never shown in the page: it is a download (README: Build artifacts). */}
          {row.type === 'file' ? (
            <p>
              <a class="button" href={main} download="">
                {t('viewer.downloadFile', { name: `${row.name}.${row.extension}` })}
              </a>
            </p>
          ) : row.type === 'video' ? (
            <video
              class="media"
              src={main}
              poster={frame ?? ''}
              controls
              autoplay
              muted
              loop
              playsinline
              preload="metadata"
              width={String(row.width)}
              height={String(row.height)}
            />
          ) : (
            <img
              class="media"
              src={main}
              alt={row.title}
              width={String(row.width)}
              height={String(row.height)}
            />
          )}
        </div>
        {place?.previous ? (
          <a
            class="stage-nav prev"
            href={place.previous}
            rel="prev"
            aria-label={t('viewer.previous')}
          >
            {icon('chevron-left')}
          </a>
        ) : null}
        {place?.next ? (
          <a class="stage-nav next" href={place.next} rel="next" aria-label={t('viewer.next')}>
            {icon('chevron-right')}
          </a>
        ) : null}
        <div class="stage-tools">
          {row.type === 'image' ? (
            <button
              type="button"
              class="icon-button"
              data-zoom
              aria-pressed="false"
              aria-label={t('viewer.zoom')}
              title={`${t('viewer.zoom')} (Z)`}
              data-label-zoom={t('viewer.zoom')}
              data-label-fit={t('viewer.fit')}
            >
              {icon('zoom-in')}
            </button>
          ) : null}
          <button
            type="button"
            class="icon-button"
            data-fullscreen
            aria-label={t('viewer.fullscreen')}
            title={`${t('viewer.fullscreen')} (F)`}
          >
            {icon('maximize')}
          </button>
          <a
            class="icon-button"
            href={main}
            download=""
            aria-label={t('viewer.download')}
            title={t('viewer.download')}
          >
            {icon('download')}
          </a>
        </div>
      </div>
      <div class="viewer-info">
        <h1>{row.title}</h1>
        {place ? (
          <p class="muted small album-place">
            {fill(t('viewer.position', { i: place.index + 1, n: place.count, album: '{album}' }), {
              album: (
                <a href={`/album/${present.ids.encode(place.album.id)}`}>{place.album.name}</a>
              ),
            })}
          </p>
        ) : null}
        {isOwner ? (
          <div class="actions row wrap">
            <LinkButton href={`/edit/image/${encoded}`} icon="pencil">
              {t('viewer.edit')}
            </LinkButton>
            <LinkButton href={`/edit/image/${encoded}/delete`} icon="trash-2" kind="danger">
              {t('viewer.delete')}
            </LinkButton>
          </div>
        ) : null}
        {row.description ? <p class="description">{row.description}</p> : null}
        <ul class="facts">
          <li>
            {icon('user')}
            {t('viewer.uploadedBy', { name: props.owner ?? t('viewer.guest') })}
          </li>
          <li>
            <span class="muted">{t('viewer.dimensions')}</span> {row.width} × {row.height}
          </li>
          <li>
            <span class="muted">{t('viewer.size')}</span> {formatSize(row.size)}
          </li>
          <li>
            <span class="muted">{t('viewer.date')}</span>{' '}
            <time datetime={row.createdAt.toISOString()}>{formatGmt(row.createdAt)} UTC</time>
          </li>
          {albumLink ? (
            <li>
              {icon('folder')}
              {fill(t('viewer.inAlbum'), {
                album: <a href={`/album/${present.ids.encode(albumLink.id)}`}>{albumLink.name}</a>,
              })}
            </li>
          ) : null}
          {row.tags.length > 0 ? (
            <li>
              {icon('tag')}
              <span class="muted">{t('viewer.tags')}</span> {row.tags.join(', ')}
            </li>
          ) : null}
          {row.nsfw ? <li class="badge">{t('viewer.nsfw')}</li> : null}
          {row.expiresAt ? (
            <li class="warn">
              {icon('clock')}
              {t('viewer.expires', { date: formatGmt(row.expiresAt) })}
            </li>
          ) : null}
        </ul>
        <section class="card" aria-labelledby="embed-title">
          <h2 id="embed-title">{t('embed.codes')}</h2>
          {embedCodes(row, present, t).map((code) => (
            <CopyField id={`embed-${code.id}`} label={code.label} value={code.value} t={t} />
          ))}
        </section>
        {place ? <p class="muted small keys-hint">{t('viewer.keys')}</p> : null}
      </div>
    </article>
  );
}

export function createImagePages(deps: {
  web: Web;
  repos: Pick<Repositories, 'albums' | 'users' | 'images'>;
  present: PresentContext;
  now: () => Date;
}) {
  const { web, repos, present } = deps;
  const albumOf = (row: ImageRow) =>
    row.albumId === null ? Promise.resolve(null) : repos.albums.find(row.albumId);

  /** Where the image sits in its album, as the viewer sees the album. */
  async function placeIn(
    album: AlbumRow | null,
    row: ImageRow,
    viewerId: number | null,
  ): Promise<AlbumPlace | null> {
    if (!album || (album.privacy === 'private' && viewerId !== album.userId)) return null;
    const rows = (await repos.images.listAlbumImages(album.id, deps.now())).filter((other) =>
      imageVisible(other, album, viewerId),
    );
    const index = rows.findIndex((other) => other.id === row.id);
    if (index < 0 || rows.length < 2) return null;
    const path = (other: ImageRow | undefined) =>
      other ? viewerPaths(other, present).pathViewer : null;
    return {
      album,
      index,
      count: rows.length,
      previous: path(rows[index - 1]),
      next: path(rows[index + 1]),
    };
  }

  async function viewer(ctx: WebContext, row: ImageRow): Promise<Response> {
    const album = await albumOf(row);
    const owner = row.userId === null ? null : await repos.users.find(row.userId);
    const place = await placeIn(album, row, ctx.signedIn?.id ?? null);
    return web.render(
      ctx,
      { title: row.title, head: SocialMeta({ row, present }), bodyClass: 'viewer-page' },
      ViewerBody({ ctx, row, present, album, place, owner: owner?.username ?? null }),
    );
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
        DeletePanel({ ctx, row, present, action: '' }),
      );
    },
    /** A dead link in a browser: 410 when the image was deleted or expired, else 404. */
    async gone(request: Request, id: number | null): Promise<Response> {
      const ctx = await web.context(request);
      const reason = id === null ? null : await repos.images.tombstone(id);
      return web.errorPage(ctx, reason ?? 'not-found');
    },
  };
}

/** The confirmation panel; `action` '' posts back to the same URL. */
export function DeletePanel(props: {
  ctx: WebContext;
  row: ImageRow;
  present: PresentContext;
  action: string;
  withCsrf?: boolean;
}) {
  const { ctx, row, present } = props;
  const { t } = ctx;
  const { thumb, main, frame } = fileUrls(row, present);
  const { pathViewer } = viewerPaths(row, present);
  return (
    <div class="narrow">
      <h1>{t('delete.title', { title: row.title })}</h1>
      <div class="card stack">
        <img class="media thumb-preview" src={thumb ?? frame ?? main} alt={row.title} width="320" />
        <p>{t('delete.body')}</p>
        <form method="post" action={props.action || undefined} class="row">
          {props.withCsrf ? <CsrfField ctx={ctx} /> : null}
          <button type="submit" class="button danger">
            {icon('trash-2')}
            <span class="label">{t('delete.confirm')}</span>
          </button>
          <a class="button secondary" href={pathViewer}>
            {t('delete.cancel')}
          </a>
        </form>
      </div>
    </div>
  );
}

export type ImagePages = ReturnType<typeof createImagePages>;
