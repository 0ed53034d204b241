import { Elysia } from 'elysia';
import type { Repository } from '../../db/repository.ts';
import type { AlbumRow, ImageRow } from '../../db/schema.ts';
import { jsonResponse } from '../../http/api-error.ts';
import type { MessageKey } from '../../i18n/index.ts';
import {
  accountPage,
  albumPage,
  categoriesPage,
  editImagePage,
  PRIVACIES,
  type Privacy,
} from '../../web/album-pages.ts';
import { type FormData_, field, type Web, type WebContext } from '../../web/context.ts';
import { html } from '../../web/html.ts';
import { deletePanel, imageVisible } from '../../web/image-pages.ts';
import { CSRF_FIELD, CSRF_HEADER, type Sessions } from '../accounts/session.ts';
import type { ImageDeleter } from '../images/delete.ts';
import { type PresentContext, viewerPaths } from '../images/image-object.ts';
import { cutTitle, parseTags } from '../upload/naming.ts';

export interface AlbumRoutesDeps {
  web: Web;
  sessions: Sessions;
  repo: Repository;
  present: PresentContext;
  deleter: ImageDeleter;
  now: () => Date;
}

/** The last `.`-separated part of a path reference (`seo-words.<id>` or `<id>`). */
const idPart = (ref: string): string =>
  ref.includes('.') ? ref.slice(ref.lastIndexOf('.') + 1) : ref;

/**
 * The signed-in user's images and albums, album pages, image editing, and the admin's
 * categories. Every lookup by id checks the owner and answers 404 otherwise, so guessing
 * ids shows nothing of other people's private things.
 */
export function albumRoutes(deps: AlbumRoutesDeps) {
  const { web, sessions, repo, present, deleter } = deps;
  const decode = (encoded: string): number | null => present.ids.decode(idPart(encoded));

  /** The signed-in context and the posted form, or the response that ends the request. */
  async function posted(
    request: Request,
  ): Promise<{ ctx: WebContext; form: FormData_ } | Response> {
    const ctx = web.context(request);
    const form = await web.form(request);
    if (!ctx.signedIn) return web.redirect(ctx, '/signin');
    const token = form[CSRF_FIELD]?.[0] ?? request.headers.get(CSRF_HEADER);
    if (!sessions.checkCsrf(ctx.session, token)) {
      return web.render(
        ctx,
        { title: ctx.t('error.title'), error: ctx.t('auth.csrf') },
        html403(ctx),
        403,
      );
    }
    return { ctx, form };
  }

  function signedInContext(request: Request): WebContext | Response {
    const ctx = web.context(request);
    if (!ctx.signedIn) return web.redirect(ctx, `/signin?next=${encodeURIComponent(ctx.path)}`);
    return ctx;
  }

  const ownAlbum = (ctx: WebContext, encoded: string): AlbumRow | null => {
    const id = decode(encoded);
    const album = id === null ? null : repo.findAlbum(id);
    return album && album.userId === ctx.signedIn?.id ? album : null;
  };
  const ownImage = (ctx: WebContext, encoded: string): ImageRow | null => {
    const id = decode(encoded);
    const row =
      id === null || !ctx.signedIn ? null : repo.findOwnedImages(ctx.signedIn.id, [id])[0];
    return row ?? null;
  };
  const readPrivacy = (value: string): Privacy =>
    PRIVACIES.includes(value as Privacy) ? (value as Privacy) : 'public';
  const readIds = (form: FormData_, name: string): number[] =>
    (form[name] ?? [])
      .flatMap((v) => v.split(','))
      .map((v) => decode(v.trim()))
      .filter((n): n is number => n !== null);

  function summaries(userId: number) {
    return repo.listAlbums(userId).map(({ album, count, coverId }) => ({
      album,
      count,
      cover: coverId === null ? null : repo.findImage(coverId),
    }));
  }

  return new Elysia({ name: 'albums' })
    .get('/account', ({ request }) => {
      const ctx = signedInContext(request);
      if (ctx instanceof Response) return ctx;
      const user = ctx.signedIn!;
      const claimed = Number(ctx.url.searchParams.get('claimed') ?? 0);
      const moved = ctx.url.searchParams.get('moved');
      const deleted = ctx.url.searchParams.get('deleted');
      const message =
        moved !== null
          ? ctx.t('albums.moved', { n: Number(moved) || 0 })
          : deleted !== null
            ? ctx.t('albums.deletedN', { n: Number(deleted) || 0 })
            : null;
      return web.render(
        ctx,
        { title: ctx.t('albums.title') },
        accountPage(ctx, {
          albums: summaries(user.id),
          images: repo.listUserImages(user.id, deps.now()),
          present,
          claimed: Number.isSafeInteger(claimed) ? claimed : 0,
          message,
        }),
      );
    })
    .post('/account/images', async ({ request }) => {
      const got = await posted(request);
      if (got instanceof Response) return got;
      const { ctx, form } = got;
      const user = ctx.signedIn!;
      const ids = readIds(form, 'ids');
      if (field(form, 'action') === 'delete') {
        const rows = repo.findOwnedImages(user.id, ids);
        for (const row of rows) await deleter.delete(row);
        return web.redirect(ctx, `/account?deleted=${rows.length}`);
      }
      const albumRef = field(form, 'album');
      let albumId: number | null = null;
      if (albumRef !== '') {
        const album = ownAlbum(ctx, albumRef);
        if (!album) return web.notFound(ctx);
        albumId = album.id;
      }
      return web.redirect(ctx, `/account?moved=${repo.moveImages(user.id, ids, albumId)}`);
    })
    .post('/albums', async ({ request }) => {
      const wantsJson = request.headers.has(CSRF_HEADER);
      const got = await posted(request);
      if (got instanceof Response) {
        return wantsJson
          ? jsonResponse({ error: 'Sign in and reload the page' }, got.status === 403 ? 403 : 401)
          : got;
      }
      const { ctx, form } = got;
      const user = ctx.signedIn!;
      const imageIds = [...readIds(form, 'images'), ...readIds(form, 'ids')];
      // From a selection of images, an unnamed album is still made; alone, it needs a name.
      const name =
        field(form, 'name').slice(0, 100) || (imageIds.length > 0 ? ctx.t('albums.untitled') : '');
      if (name === '') {
        if (wantsJson) return jsonResponse({ error: ctx.t('albums.nameRequired') }, 400);
        return web.redirect(ctx, '/account');
      }
      const album = repo.createAlbum({
        userId: user.id,
        name,
        description: field(form, 'description') || null,
        privacy: readPrivacy(field(form, 'privacy')),
        now: deps.now(),
      });
      const moved = repo.moveImages(user.id, imageIds, album.id);
      const path = `/album/${present.ids.encode(album.id)}`;
      if (wantsJson)
        return jsonResponse({
          id: present.ids.encode(album.id),
          name: album.name,
          url: present.baseUrl + path,
          images: moved,
        });
      return web.redirect(ctx, path);
    })
    .get('/album/:ref', ({ request, params }) => {
      const ctx = web.context(request);
      const id = decode(params.ref);
      const album = id === null ? null : repo.findAlbum(id);
      const isOwner = album !== null && album.userId === ctx.signedIn?.id;
      if (!album || (album.privacy === 'private' && !isOwner)) return web.notFound(ctx);
      const owner = repo.findUser(album.userId)?.username ?? '';
      const images = repo
        .listAlbumImages(album.id, deps.now())
        .filter((row) => imageVisible(row, album, ctx.signedIn?.id ?? null));
      return web.render(
        ctx,
        { title: album.name },
        albumPage(ctx, { album, owner, images, present, isOwner }),
      );
    })
    .post('/album/:ref/edit', async ({ request, params }) => {
      const got = await posted(request);
      if (got instanceof Response) return got;
      const { ctx, form } = got;
      const album = ownAlbum(ctx, params.ref);
      const name = field(form, 'name').slice(0, 100);
      if (!album) return web.notFound(ctx);
      if (name !== '') {
        repo.updateAlbum(album.id, album.userId, {
          name,
          description: field(form, 'description') || null,
          privacy: readPrivacy(field(form, 'privacy')),
        });
      }
      return web.redirect(ctx, `/album/${present.ids.encode(album.id)}`, 'albums.saved');
    })
    .post('/album/:ref/delete', async ({ request, params }) => {
      const got = await posted(request);
      if (got instanceof Response) return got;
      const { ctx } = got;
      const album = ownAlbum(ctx, params.ref);
      if (!album) return web.notFound(ctx);
      repo.deleteAlbum(album.id, album.userId);
      return web.redirect(ctx, '/account', 'albums.deleted');
    })
    .get('/edit/image/:ref', ({ request, params }) => {
      const ctx = signedInContext(request);
      if (ctx instanceof Response) return ctx;
      const row = ownImage(ctx, params.ref);
      if (!row) return web.notFound(ctx);
      const albums = repo.listAlbums(ctx.signedIn!.id).map((a) => a.album);
      return web.render(
        ctx,
        { title: ctx.t('edit.title', { title: row.title }) },
        editImagePage(ctx, { row, albums, categories: repo.listCategories(), present }),
      );
    })
    .post('/edit/image/:ref', async ({ request, params }) => {
      const got = await posted(request);
      if (got instanceof Response) return got;
      const { ctx, form } = got;
      const row = ownImage(ctx, params.ref);
      if (!row) return web.notFound(ctx);
      const albumRef = field(form, 'album');
      const album = albumRef === '' ? null : ownAlbum(ctx, albumRef);
      if (albumRef !== '' && !album) return web.notFound(ctx);
      repo.updateImage(row.id, ctx.signedIn!.id, {
        title: cutTitle(field(form, 'title')) || row.title,
        description: field(form, 'description') || null,
        tags: parseTags(field(form, 'tags')),
        albumId: album?.id ?? null,
        nsfw: field(form, 'nsfw') === '1',
      });
      const categoryRef = field(form, 'category');
      if (form.category !== undefined) {
        const category = categoryRef === '' ? null : repo.findCategory(Number(categoryRef));
        repo.setImageCategory(row.id, ctx.signedIn!.id, category?.id ?? null);
      }
      const updated = repo.findImage(row.id) ?? row;
      return web.redirect(ctx, viewerPaths(updated, present).pathViewer, 'edit.saved');
    })
    .get('/edit/image/:ref/delete', ({ request, params }) => {
      const ctx = signedInContext(request);
      if (ctx instanceof Response) return ctx;
      const row = ownImage(ctx, params.ref);
      if (!row) return web.notFound(ctx);
      return web.render(
        ctx,
        { title: ctx.t('delete.title', { title: row.title }) },
        deletePanel(ctx, row, present, '', true),
      );
    })
    .post('/edit/image/:ref/delete', async ({ request, params }) => {
      const got = await posted(request);
      if (got instanceof Response) return got;
      const { ctx } = got;
      const row = ownImage(ctx, params.ref);
      if (!row) return web.notFound(ctx);
      await deleter.delete(row);
      return web.redirect(ctx, '/account', 'upload.deleted');
    })
    .get('/admin/categories', ({ request }) => {
      const ctx = signedInContext(request);
      if (ctx instanceof Response) return ctx;
      if (!ctx.signedIn!.isAdmin) return web.notFound(ctx);
      return web.render(
        ctx,
        { title: ctx.t('categories.title') },
        categoriesPage(ctx, repo.listCategories()),
      );
    })
    .post('/admin/categories', async ({ request }) => {
      const got = await posted(request);
      if (got instanceof Response) return got;
      const { ctx, form } = got;
      if (!ctx.signedIn!.isAdmin) return web.notFound(ctx);
      const name = field(form, 'name').slice(0, 64);
      const urlKey = field(form, 'url_key').toLowerCase();
      let error: MessageKey | null = null;
      if (name === '' || !/^[a-z0-9-]{1,64}$/.test(urlKey)) error = 'categories.invalid';
      else if (repo.findCategoryByUrlKey(urlKey)) error = 'categories.taken';
      if (error) {
        return web.render(
          ctx,
          { title: ctx.t('categories.title'), error: ctx.t(error) },
          categoriesPage(ctx, repo.listCategories()),
          400,
        );
      }
      repo.createCategory(name, urlKey);
      return web.redirect(ctx, '/admin/categories');
    })
    .post('/admin/categories/:id/delete', async ({ request, params }) => {
      const got = await posted(request);
      if (got instanceof Response) return got;
      const { ctx } = got;
      if (!ctx.signedIn!.isAdmin) return web.notFound(ctx);
      repo.deleteCategory(Number(params.id));
      return web.redirect(ctx, '/admin/categories');
    });
}

const html403 = (ctx: WebContext) => html`<p><a href="/">${ctx.t('nav.upload')}</a></p>`;
