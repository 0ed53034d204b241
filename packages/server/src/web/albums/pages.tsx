/** @jsxImportSource @upshot/server */
import type { AlbumRow, CategoryRow, ImageRow } from '../../db/schema/index.ts';
import { formatSize } from '../../services/images/formatting.ts';
import { type PresentContext, viewerPaths } from '../../services/images/present.ts';
import type { WebContext } from '../context.ts';
import { CsrfField, EmptyState, LinkButton, Notice, PageHeader } from '../ui/components.tsx';
import { AlbumCard, Gallery, SelectAll } from '../ui/gallery.tsx';
import { icon } from '../ui/icons.ts';
import { thumbOf } from '../ui/media.ts';

export type Privacy = AlbumRow['privacy'];
export const PRIVACIES: Privacy[] = ['public', 'unlisted', 'private'];

export interface AlbumSummary {
  album: AlbumRow;
  count: number;
  cover: ImageRow | null;
}

function PrivacySelect(props: { ctx: WebContext; selected: Privacy; id: string }) {
  return (
    <>
      <label for={props.id}>{props.ctx.t('field.privacy')}</label>
      <select id={props.id} name="privacy">
        {PRIVACIES.map((p) => (
          <option value={p} selected={p === props.selected}>
            {props.ctx.t(`privacy.${p}`)}
          </option>
        ))}
      </select>
    </>
  );
}

export function AlbumFields(props: {
  ctx: WebContext;
  album: Pick<AlbumRow, 'name' | 'description' | 'privacy'> | null;
  prefix: string;
}) {
  const { ctx, album, prefix } = props;
  const { t } = ctx;
  return (
    <>
      <label for={`${prefix}-name`}>{t('field.name')}</label>
      <input id={`${prefix}-name`} name="name" required maxlength="100" value={album?.name ?? ''} />
      <label for={`${prefix}-description`}>{t('field.description')}</label>
      <textarea id={`${prefix}-description`} name="description" rows="2" maxlength="2000">
        {album?.description ?? ''}
      </textarea>
      <PrivacySelect ctx={ctx} selected={album?.privacy ?? 'public'} id={`${prefix}-privacy`} />
    </>
  );
}

/** My images: storage use, albums as cards, and every image in a gallery with bulk actions. */
export function AccountPage(props: {
  ctx: WebContext;
  albums: AlbumSummary[];
  images: ImageRow[];
  present: PresentContext;
  claimed: number;
  message: string | null;
  usage: { bytes: number; quotaMb: number };
}) {
  const { ctx, present } = props;
  const { t } = ctx;
  const used = formatSize(props.usage.bytes);
  const usageLine =
    props.usage.quotaMb > 0
      ? t('settings.storageQuota', {
          used,
          quota: formatSize(props.usage.quotaMb * 1_000_000),
          n: props.images.length,
        })
      : t('settings.storageUsed', { used, n: props.images.length });
  const percent =
    props.usage.quotaMb > 0
      ? Math.min(100, Math.round((props.usage.bytes / (props.usage.quotaMb * 1_000_000)) * 100))
      : null;
  return (
    <>
      <PageHeader title={t('albums.title')} lead={usageLine}>
        <LinkButton href="/" icon="upload" kind="primary">
          {t('nav.upload')}
        </LinkButton>
      </PageHeader>
      {percent !== null ? (
        <div class="meter" role="img" aria-label={usageLine}>
          <span style={`width:${percent}%`} />
        </div>
      ) : null}
      {props.claimed > 0 ? <Notice>{t('auth.claimed', { n: props.claimed })}</Notice> : null}
      {props.message ? <Notice>{props.message}</Notice> : null}
      <section aria-labelledby="albums-title" class="section">
        <div class="section-head">
          <h2 id="albums-title">{t('albums.albums')}</h2>
        </div>
        {props.albums.length ? (
          <ul class="grid albums">
            {props.albums.map((a) => (
              <AlbumCard album={a.album} count={a.count} cover={a.cover} present={present} t={t} />
            ))}
          </ul>
        ) : (
          <p class="muted">{t('albums.none')}</p>
        )}
        <details class="card disclosure">
          <summary>
            {icon('folder-plus')}
            {t('albums.new')}
          </summary>
          <form method="post" action="/albums" class="stack">
            <CsrfField ctx={ctx} />
            <AlbumFields ctx={ctx} album={null} prefix="new-album" />
            <button type="submit" class="button primary">
              {t('albums.create')}
            </button>
          </form>
        </details>
      </section>
      <section aria-labelledby="images-title" class="section">
        <div class="section-head">
          <h2 id="images-title">{t('albums.images')}</h2>
        </div>
        {props.images.length ? (
          <form method="post" action="/account/images" class="stack" data-selection>
            <CsrfField ctx={ctx} />
            <div class="bulk-bar">
              <SelectAll t={t} />
            </div>
            <Gallery rows={props.images} present={present} t={t} options={{ select: true }} />
            <div class="bulk-actions card">
              <div class="row wrap">
                <label for="move-album">{t('albums.moveTo')}</label>
                <select id="move-album" name="album">
                  <option value="">{t('field.noAlbum')}</option>
                  {props.albums.map(({ album }) => (
                    <option value={present.ids.encode(album.id)}>{album.name}</option>
                  ))}
                </select>
                <button type="submit" name="action" value="move" class="button secondary">
                  {icon('folder')}
                  <span class="label">{t('albums.move')}</span>
                </button>
                <button type="submit" name="action" value="delete" class="button danger">
                  {icon('trash-2')}
                  <span class="label">{t('albums.deleteSelected')}</span>
                </button>
              </div>
              <div class="row wrap">
                <label for="selected-album-name">{t('field.name')}</label>
                <input
                  id="selected-album-name"
                  name="name"
                  maxlength="100"
                  placeholder={t('albums.untitled')}
                />
                <button type="submit" formaction="/albums" class="button secondary">
                  {icon('folder-plus')}
                  <span class="label">{t('upload.createAlbum')}</span>
                </button>
              </div>
            </div>
          </form>
        ) : (
          <EmptyState icon="images" title={t('albums.noImages')} lead={t('albums.noImagesLead')}>
            <LinkButton href="/" icon="upload" kind="primary">
              {t('albums.uploadFirst')}
            </LinkButton>
            <LinkButton href="/settings" icon="key-round">
              {t('albums.getKey')}
            </LinkButton>
          </EmptyState>
        )}
      </section>
    </>
  );
}

export function AlbumPage(props: {
  ctx: WebContext;
  album: AlbumRow;
  owner: string;
  images: ImageRow[];
  present: PresentContext;
  isOwner: boolean;
}) {
  const { ctx, album, present } = props;
  const { t } = ctx;
  const id = present.ids.encode(album.id);
  const privacyIcon =
    album.privacy === 'public' ? 'globe' : album.privacy === 'unlisted' ? 'eye-off' : 'lock';
  return (
    <>
      <PageHeader
        title={album.name}
        lead={
          <>
            {t('albums.by', { name: props.owner })} ·{' '}
            {t('albums.count', { n: props.images.length })} ·{' '}
            <span class="badge">
              {icon(privacyIcon)}
              {t(`privacy.${album.privacy}`)}
            </span>
          </>
        }
      >
        <button
          type="button"
          class="button secondary"
          data-copy-text={`${present.baseUrl}/album/${id}`}
          data-copied={t('upload.copied')}
        >
          {icon('link')}
          <span class="label">{t('albums.copyLink')}</span>
        </button>
      </PageHeader>
      {album.description ? <p class="description">{album.description}</p> : null}
      {props.isOwner ? (
        <details class="card disclosure">
          <summary>
            {icon('pencil')}
            {t('albums.edit')}
          </summary>
          <form method="post" action={`/album/${id}/edit`} class="stack">
            <CsrfField ctx={ctx} />
            <AlbumFields ctx={ctx} album={album} prefix="edit-album" />
            <button type="submit" class="button primary">
              {t('settings.save')}
            </button>
          </form>
          <form method="post" action={`/album/${id}/delete`} class="stack">
            <CsrfField ctx={ctx} />
            <p class="muted small">{t('albums.deleteNote')}</p>
            <button type="submit" class="button danger">
              {icon('trash-2')}
              <span class="label">{t('albums.delete')}</span>
            </button>
          </form>
        </details>
      ) : null}
      {props.images.length ? (
        <Gallery rows={props.images} present={present} t={t} />
      ) : (
        <EmptyState
          icon="images"
          title={props.isOwner ? t('albums.emptyOwner') : t('albums.empty')}
        >
          {props.isOwner ? (
            <LinkButton href="/account" icon="images" kind="primary">
              {t('nav.myImages')}
            </LinkButton>
          ) : null}
        </EmptyState>
      )}
    </>
  );
}

export function EditImagePage(props: {
  ctx: WebContext;
  row: ImageRow;
  albums: AlbumRow[];
  categories: CategoryRow[];
  present: PresentContext;
}) {
  const { ctx, row, present } = props;
  const { t } = ctx;
  const id = present.ids.encode(row.id);
  const { pathViewer } = viewerPaths(row, present);
  return (
    <div class="narrow">
      <h1>{t('edit.title', { title: row.title })}</h1>
      <p>
        <a href={pathViewer}>
          <img class="thumb-preview" src={thumbOf(row, present)} alt={row.title} width="160" />
        </a>
      </p>
      <form method="post" action={`/edit/image/${id}`} class="card stack">
        <CsrfField ctx={ctx} />
        <label for="edit-title">{t('field.title')}</label>
        <input id="edit-title" name="title" maxlength="100" required value={row.title} />
        <label for="edit-description">{t('field.description')}</label>
        <textarea id="edit-description" name="description" rows="3">
          {row.description ?? ''}
        </textarea>
        <label for="edit-tags">{t('field.tags')}</label>
        <input id="edit-tags" name="tags" value={row.tags.join(', ')} />
        <label for="edit-album">{t('field.album')}</label>
        <select id="edit-album" name="album">
          <option value="">{t('field.noAlbum')}</option>
          {props.albums.map((album) => (
            <option value={present.ids.encode(album.id)} selected={album.id === row.albumId}>
              {album.name}
            </option>
          ))}
        </select>
        {props.categories.length ? (
          <>
            <label for="edit-category">{t('field.category')}</label>
            <select id="edit-category" name="category">
              <option value="">{t('field.noCategory')}</option>
              {props.categories.map((c) => (
                <option value={String(c.id)} selected={c.id === row.categoryId}>
                  {c.name}
                </option>
              ))}
            </select>
          </>
        ) : null}
        <label class="check">
          <input type="checkbox" name="nsfw" value="1" checked={row.nsfw} /> {t('field.nsfw')}
        </label>
        <div class="row">
          <button type="submit" class="button primary">
            {t('edit.save')}
          </button>
          <a class="button secondary" href={pathViewer}>
            {t('delete.cancel')}
          </a>
        </div>
      </form>
    </div>
  );
}
