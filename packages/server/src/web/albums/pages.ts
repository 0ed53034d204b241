import type { AlbumRow, CategoryRow, ImageRow } from '../../db/schema/index.ts';
import { type PresentContext, viewerPaths } from '../../services/images/present.ts';
import type { WebContext } from '../context.ts';
import { csrfField, fill, type Html, html } from '../html.ts';
import { fileUrls } from '../viewer/pages.ts';

export type Privacy = AlbumRow['privacy'];
export const PRIVACIES: Privacy[] = ['public', 'unlisted', 'private'];

export interface AlbumSummary {
  album: AlbumRow;
  count: number;
  cover: ImageRow | null;
}

const thumbOf = (row: ImageRow, present: PresentContext): string => {
  const urls = fileUrls(row, present);
  return urls.thumb ?? urls.frame ?? urls.main;
};

function privacySelect(ctx: WebContext, selected: Privacy, id: string): Html {
  return html`<label for="${id}">${ctx.t('field.privacy')}</label><select id="${id}" name="privacy">${PRIVACIES.map(
    (p) =>
      html`<option value="${p}"${p === selected ? html` selected` : ''}>${ctx.t(`privacy.${p}`)}</option>`,
  )}</select>`;
}

export function albumFields(
  ctx: WebContext,
  album: Pick<AlbumRow, 'name' | 'description' | 'privacy'> | null,
  prefix: string,
): Html {
  const { t } = ctx;
  return html`<label for="${prefix}-name">${t('field.name')}</label><input id="${prefix}-name" name="name" required maxlength="100" value="${album?.name ?? ''}">
<label for="${prefix}-description">${t('field.description')}</label><textarea id="${prefix}-description" name="description" rows="2" maxlength="2000">${album?.description ?? ''}</textarea>
${privacySelect(ctx, album?.privacy ?? 'public', `${prefix}-privacy`)}`;
}

/** A grid of thumbnails linking to the viewers; with `select`, each has a checkbox. */
function grid(ctx: WebContext, rows: ImageRow[], present: PresentContext, select: boolean): Html {
  return html`<ul class="grid">${rows.map((row) => {
    const { pathViewer, id } = viewerPaths(row, present);
    return html`<li class="tile">${select ? html`<input type="checkbox" name="ids" value="${id}" id="pick-${id}" aria-label="${ctx.t('albums.select', { title: row.title })}">` : ''}<a href="${pathViewer}"><img src="${thumbOf(row, present)}" alt="${row.title}" loading="lazy" width="160" height="160"><span class="tile-title">${row.title}</span></a></li>`;
  })}</ul>`;
}

export function accountPage(
  ctx: WebContext,
  data: {
    albums: AlbumSummary[];
    images: ImageRow[];
    present: PresentContext;
    claimed: number;
    message: string | null;
  },
): Html {
  const { t } = ctx;
  const { present } = data;
  const albumCards = data.albums.length
    ? html`<ul class="grid albums">${data.albums.map(
        ({ album, count, cover }) =>
          html`<li class="tile"><a href="/album/${present.ids.encode(album.id)}">${cover ? html`<img src="${thumbOf(cover, present)}" alt="" width="160" height="160">` : html`<span class="placeholder" aria-hidden="true">▦</span>`}<span class="tile-title">${album.name}</span><span class="muted small">${t('albums.count', { n: count })} · ${t(`privacy.${album.privacy}`)}</span></a></li>`,
      )}</ul>`
    : html`<p class="muted">${t('albums.none')}</p>`;
  const images = data.images.length
    ? html`<form method="post" action="/account/images" class="stack">${csrfField(ctx)}${grid(ctx, data.images, present, true)}
<div class="row wrap"><label for="move-album">${t('albums.moveTo')}</label><select id="move-album" name="album"><option value="">${t('field.noAlbum')}</option>${data.albums.map(({ album }) => html`<option value="${present.ids.encode(album.id)}">${album.name}</option>`)}</select><button type="submit" name="action" value="move" class="secondary">${t('albums.move')}</button><button type="submit" name="action" value="delete" class="danger">${t('albums.deleteSelected')}</button></div>
<div class="row wrap"><label for="selected-album-name">${t('field.name')}</label><input id="selected-album-name" name="name" maxlength="100" placeholder="${t('albums.untitled')}"><button type="submit" formaction="/albums" class="secondary">${t('upload.createAlbum')}</button></div></form>`
    : html`<p class="muted">${fill(t('albums.noImages'), { upload: html`<a href="/">${t('nav.upload')}</a>` })}</p>`;
  return html`<h1>${t('albums.title')}</h1>
${data.claimed > 0 ? html`<p class="notice" role="status">${t('auth.claimed', { n: data.claimed })}</p>` : ''}
${data.message ? html`<p class="notice" role="status">${data.message}</p>` : ''}
<section aria-labelledby="albums-title"><h2 id="albums-title">${t('albums.albums')}</h2>${albumCards}
<details class="card"><summary>${t('albums.new')}</summary><form method="post" action="/albums" class="stack">${csrfField(ctx)}${albumFields(ctx, null, 'new-album')}<button type="submit">${t('albums.create')}</button></form></details></section>
<section aria-labelledby="images-title"><h2 id="images-title">${t('albums.images')}</h2>${images}</section>`;
}

export function albumPage(
  ctx: WebContext,
  data: {
    album: AlbumRow;
    owner: string;
    images: ImageRow[];
    present: PresentContext;
    isOwner: boolean;
  },
): Html {
  const { t } = ctx;
  const { album, present } = data;
  const id = present.ids.encode(album.id);
  const manage = data.isOwner
    ? html`<details class="card"><summary>${t('albums.edit')}</summary><form method="post" action="/album/${id}/edit" class="stack">${csrfField(ctx)}${albumFields(ctx, album, 'edit-album')}<button type="submit">${t('settings.save')}</button></form>
<form method="post" action="/album/${id}/delete" class="stack">${csrfField(ctx)}<p class="muted small">${t('albums.deleteNote')}</p><button type="submit" class="danger">${t('albums.delete')}</button></form></details>`
    : '';
  return html`<h1>${album.name}</h1><p class="muted">${t('albums.by', { name: data.owner })} · ${t('albums.count', { n: data.images.length })} · ${t(`privacy.${album.privacy}`)}</p>
${album.description ? html`<p class="description">${album.description}</p>` : ''}${manage}
${data.images.length ? grid(ctx, data.images, present, false) : html`<p class="muted">${t('albums.empty')}</p>`}`;
}

export function editImagePage(
  ctx: WebContext,
  data: { row: ImageRow; albums: AlbumRow[]; categories: CategoryRow[]; present: PresentContext },
): Html {
  const { t } = ctx;
  const { row, present } = data;
  const id = present.ids.encode(row.id);
  const { pathViewer } = viewerPaths(row, present);
  return html`<div class="narrow"><h1>${t('edit.title', { title: row.title })}</h1><p><a href="${pathViewer}"><img class="thumb-preview" src="${thumbOf(row, present)}" alt="${row.title}" width="160"></a></p>
<form method="post" action="/edit/image/${id}" class="card stack">${csrfField(ctx)}
<label for="edit-title">${t('field.title')}</label><input id="edit-title" name="title" maxlength="100" required value="${row.title}">
<label for="edit-description">${t('field.description')}</label><textarea id="edit-description" name="description" rows="3">${row.description ?? ''}</textarea>
<label for="edit-tags">${t('field.tags')}</label><input id="edit-tags" name="tags" value="${row.tags.join(', ')}">
<label for="edit-album">${t('field.album')}</label><select id="edit-album" name="album"><option value="">${t('field.noAlbum')}</option>${data.albums.map((album) => html`<option value="${present.ids.encode(album.id)}"${album.id === row.albumId ? html` selected` : ''}>${album.name}</option>`)}</select>
${data.categories.length ? html`<label for="edit-category">${t('field.category')}</label><select id="edit-category" name="category"><option value="">${t('field.noCategory')}</option>${data.categories.map((c) => html`<option value="${c.id}"${c.id === row.categoryId ? html` selected` : ''}>${c.name}</option>`)}</select>` : ''}
<label class="check"><input type="checkbox" name="nsfw" value="1"${row.nsfw ? html` checked` : ''}> ${t('field.nsfw')}</label>
<div class="row"><button type="submit">${t('edit.save')}</button><a class="button secondary" href="${pathViewer}">${t('delete.cancel')}</a></div></form></div>`;
}

export function categoriesPage(ctx: WebContext, categories: CategoryRow[]): Html {
  const { t } = ctx;
  return html`<div class="narrow"><h1>${t('categories.title')}</h1>
${categories.length ? html`<table><tbody>${categories.map((c) => html`<tr><td>${c.name}</td><td><code>${c.urlKey}</code></td><td class="muted">#${c.id}</td><td><form method="post" action="/admin/categories/${c.id}/delete">${csrfField(ctx)}<button type="submit" class="danger small" aria-label="${t('categories.delete')} ${c.name}">${t('categories.delete')}</button></form></td></tr>`)}</tbody></table>` : html`<p class="muted">${t('categories.none')}</p>`}
<form method="post" action="/admin/categories" class="card stack">${csrfField(ctx)}<h2>${t('categories.add')}</h2>
<label for="cat-name">${t('field.name')}</label><input id="cat-name" name="name" required maxlength="64">
<label for="cat-key">${t('categories.urlKey')}</label><input id="cat-key" name="url_key" required pattern="[a-z0-9\\-]{1,64}" maxlength="64">
<button type="submit">${t('categories.add')}</button></form></div>`;
}
