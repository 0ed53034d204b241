/** @jsxImportSource @upshot/server */
// The gallery grid of the account, album and admin pages: square thumbnails with the
// title under them and actions that show on hover or focus (always on touch screens).
import type { AlbumRow, ImageRow } from '../../db/schema/index.ts';
import type { Translate } from '../../i18n/index.ts';
import { formatSize } from '../../services/images/formatting.ts';
import { type PresentContext, viewerPaths } from '../../services/images/present.ts';
import type { Child } from '../jsx/jsx-runtime.ts';
import { icon } from './icons.ts';
import { fileUrls, thumbOf } from './media.ts';

export interface TileOptions {
  /** A checkbox named `ids` for bulk actions. */
  select?: boolean;
  /** A line under the title (the admin's content page: owner and address). */
  extra?: (row: ImageRow) => Child;
}

export function Tile(props: {
  row: ImageRow;
  present: PresentContext;
  t: Translate;
  options?: TileOptions;
}) {
  const { row, present, t } = props;
  const { pathViewer, urlViewer, id } = viewerPaths(row, present);
  const { main } = fileUrls(row, present);
  const options = props.options ?? {};
  return (
    <li class="tile" data-id={id}>
      <a class="tile-link" href={pathViewer}>
        <span class="tile-media">
          <img src={thumbOf(row, present)} alt="" loading="lazy" width="320" height="320" />
          {row.type === 'video' ? <span class="badge tile-badge">▶</span> : null}
        </span>
        <span class="tile-title">{row.title}</span>
      </a>
      <span class="tile-meta muted small">
        {formatSize(row.size)} · {row.width}×{row.height}
        {options.extra ? <span class="tile-extra">{options.extra(row)}</span> : null}
      </span>
      {options.select ? (
        <label class="tile-check">
          <input
            type="checkbox"
            name="ids"
            value={id}
            aria-label={t('albums.select', { title: row.title })}
          />
        </label>
      ) : null}
      <span class="tile-actions">
        <button
          type="button"
          class="icon-button"
          data-copy-text={urlViewer}
          data-copied={t('upload.copied')}
          aria-label={t('a11y.action', { action: t('albums.copyLink'), target: row.title })}
          title={t('albums.copyLink')}
        >
          {icon('link')}
        </button>
        <a
          class="icon-button"
          href={main}
          download=""
          aria-label={t('a11y.action', { action: t('viewer.download'), target: row.title })}
          title={t('viewer.download')}
        >
          {icon('download')}
        </a>
      </span>
    </li>
  );
}

/** "Select all" and the count of selected tiles, above a selectable gallery (app.ts fills it). */
export const SelectAll = (props: { t: Translate }) => (
  <>
    <label class="check">
      <input type="checkbox" data-select-all />
      {props.t('albums.selectAll')}
    </label>
    <span
      class="muted small"
      data-selected-count
      data-template={props.t('albums.selected', { n: '{n}' })}
    >
      {props.t('albums.selected', { n: 0 })}
    </span>
  </>
);

export const Gallery = (props: {
  rows: ImageRow[];
  present: PresentContext;
  t: Translate;
  options?: TileOptions;
}) => (
  <ul class="grid">
    {props.rows.map((row) => (
      <Tile row={row} present={props.present} t={props.t} options={props.options} />
    ))}
  </ul>
);

/** An album as a card: its newest image as the cover, its name, count and privacy. */
export function AlbumCard(props: {
  album: AlbumRow;
  count: number;
  cover: ImageRow | null;
  present: PresentContext;
  t: Translate;
}) {
  const { album, t, present } = props;
  const privacyIcon =
    album.privacy === 'public' ? 'globe' : album.privacy === 'unlisted' ? 'eye-off' : 'lock';
  return (
    <li class="tile album-card">
      <a class="tile-link" href={`/album/${present.ids.encode(album.id)}`}>
        <span class="tile-media">
          {props.cover ? (
            <img
              src={thumbOf(props.cover, present)}
              alt=""
              width="320"
              height="320"
              loading="lazy"
            />
          ) : (
            <span class="placeholder">{icon('folder')}</span>
          )}
        </span>
        <span class="tile-title">{album.name}</span>
      </a>
      <span class="tile-meta muted small">
        {t('albums.count', { n: props.count })} · {icon(privacyIcon)}
        {t(`privacy.${album.privacy}`)}
      </span>
    </li>
  );
}
