import { Limits } from '@upshot/schema';
import { Elysia } from 'elysia';
import type { Repositories } from '../../db/repositories/index.ts';
import type { AlbumRow, ImageRow } from '../../db/schema/index.ts';
import { jsonResponse } from '../../http/api-error.ts';
import { CSRF_HEADER } from '../../services/accounts/sessions.ts';
import type { ImageDeleter } from '../../services/images/deleter.ts';
import { type PresentContext, viewerPaths } from '../../services/images/present.ts';
import { cutTitle, parseTags, TooManyTagsError } from '../../services/uploads/naming.ts';
import { type FormData_, field, type Web, type WebContext } from '../context.ts';
import type { Guard } from '../guard.ts';
import { imageVisible } from '../ui/media.ts';
import { DeletePanel } from '../viewer/pages.tsx';
import { AccountPage, AlbumPage, EditImagePage, PRIVACIES, type Privacy } from './pages.tsx';

export interface AlbumRoutesDeps {
  web: Web;
  guard: Guard;
  repos: Pick<Repositories, 'albums' | 'images' | 'users'>;
  present: PresentContext;
  deleter: ImageDeleter;
  now: () => Date;
  /** UPSHOT_USER_QUOTA_MB, shown beside the user's storage use. */
  userQuotaMb: number;
}

/** The last `.`-separated part of a path reference (`seo-words.<id>` or `<id>`). */
const idPart = (ref: string): string =>
  ref.includes('.') ? ref.slice(ref.lastIndexOf('.') + 1) : ref;

/** Description text as the pages take it: trimmed, cut to the documented limit. */
const description = (form: FormData_): string | null =>
  field(form, 'description').slice(0, Limits.descriptionMaxLength) || null;

/**
 * The signed-in user's images and albums, album pages, image editing, and the admin's
 * categories. Every lookup by id checks the owner and answers 404 otherwise, so guessing
 * ids shows nothing of other people's private things.
 */
export function albumRoutes(deps: AlbumRoutesDeps) {
  const { web, guard, repos, present, deleter } = deps;
  const decode = (encoded: string): number | null => present.ids.decode(idPart(encoded));

  const ownAlbum = async (ctx: WebContext, encoded: string): Promise<AlbumRow | null> => {
    const id = decode(encoded);
    const album = id === null ? null : await repos.albums.find(id);
    return album && album.userId === ctx.signedIn?.id ? album : null;
  };
  const ownImage = async (ctx: WebContext, encoded: string): Promise<ImageRow | null> => {
    const id = decode(encoded);
    if (id === null || !ctx.signedIn) return null;
    return (await repos.images.findOwned(ctx.signedIn.id, [id], deps.now()))[0] ?? null;
  };
  const readPrivacy = (value: string): Privacy =>
    PRIVACIES.includes(value as Privacy) ? (value as Privacy) : 'public';
  const readIds = (form: FormData_, name: string): number[] =>
    (form[name] ?? [])
      .flatMap((v) => v.split(','))
      .slice(0, 1000)
      .map((v) => decode(v.trim()))
      .filter((n): n is number => n !== null);

  async function summaries(userId: number) {
    const rows = await repos.albums.listOf(userId, deps.now());
    return Promise.all(
      rows.map(async ({ album, count, coverId }) => ({
        album,
        count,
        cover: coverId === null ? null : await repos.images.findLive(coverId, deps.now()),
      })),
    );
  }

  return new Elysia({ name: 'albums' })
    .get('/account', async ({ request }) => {
      const ctx = await guard.signedIn(request);
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
        AccountPage({
          ctx,
          albums: await summaries(user.id),
          images: await repos.images.listUserImages(user.id, deps.now()),
          present,
          claimed: Number.isSafeInteger(claimed) ? claimed : 0,
          message,
          usage: {
            bytes: await repos.images.usedBytes(user.id, deps.now()),
            quotaMb: user.isAdmin ? 0 : (user.quotaMb ?? deps.userQuotaMb),
          },
        }),
      );
    })
    .post('/account/images', async ({ request }) => {
      const got = await guard.posted(request);
      if (got instanceof Response) return got;
      const { ctx, form } = got;
      const user = ctx.signedIn!;
      const ids = readIds(form, 'ids');
      if (field(form, 'action') === 'delete') {
        const rows = await repos.images.findOwned(user.id, ids, deps.now());
        for (const row of rows) await deleter.delete(row);
        return web.redirect(ctx, `/account?deleted=${rows.length}`);
      }
      const albumRef = field(form, 'album');
      let albumId: number | null = null;
      if (albumRef !== '') {
        const album = await ownAlbum(ctx, albumRef);
        if (!album) return web.notFound(ctx);
        albumId = album.id;
      }
      const moved = await repos.images.move(user.id, ids, albumId);
      return web.redirect(ctx, `/account?moved=${moved}`);
    })
    .post('/albums', async ({ request }) => {
      const wantsJson = request.headers.has(CSRF_HEADER);
      const got = await guard.posted(request);
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
        field(form, 'name').slice(0, Limits.albumNameMaxLength) ||
        (imageIds.length > 0 ? ctx.t('albums.untitled') : '');
      if (name === '') {
        if (wantsJson) return jsonResponse({ error: ctx.t('albums.nameRequired') }, 400);
        return web.redirect(ctx, '/account');
      }
      const album = await repos.albums.create({
        userId: user.id,
        name,
        description: description(form),
        privacy: readPrivacy(field(form, 'privacy')),
        now: deps.now(),
      });
      const moved = await repos.images.move(user.id, imageIds, album.id);
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
    .get('/album/:ref', async ({ request, params }) => {
      const ctx = await web.context(request);
      const id = decode(params.ref);
      const album = id === null ? null : await repos.albums.find(id);
      const isOwner = album !== null && album.userId === ctx.signedIn?.id;
      if (!album || (album.privacy === 'private' && !isOwner)) return web.notFound(ctx);
      const owner = (await repos.users.find(album.userId))?.username ?? '';
      const images = (await repos.images.listAlbumImages(album.id, deps.now())).filter((row) =>
        imageVisible(row, album, ctx.signedIn?.id ?? null),
      );
      return web.render(
        ctx,
        { title: album.name },
        AlbumPage({ ctx, album, owner, images, present, isOwner }),
      );
    })
    .post('/album/:ref/edit', async ({ request, params }) => {
      const got = await guard.posted(request);
      if (got instanceof Response) return got;
      const { ctx, form } = got;
      const album = await ownAlbum(ctx, params.ref);
      const name = field(form, 'name').slice(0, Limits.albumNameMaxLength);
      if (!album) return web.notFound(ctx);
      if (name !== '') {
        await repos.albums.update(album.id, album.userId, {
          name,
          description: description(form),
          privacy: readPrivacy(field(form, 'privacy')),
        });
      }
      return web.redirect(ctx, `/album/${present.ids.encode(album.id)}`, 'albums.saved');
    })
    .post('/album/:ref/delete', async ({ request, params }) => {
      const got = await guard.posted(request);
      if (got instanceof Response) return got;
      const { ctx } = got;
      const album = await ownAlbum(ctx, params.ref);
      if (!album) return web.notFound(ctx);
      await repos.albums.remove(album.id, album.userId);
      return web.redirect(ctx, '/account', 'albums.deleted');
    })
    .get('/edit/image/:ref', async ({ request, params }) => {
      const ctx = await guard.signedIn(request);
      if (ctx instanceof Response) return ctx;
      const row = await ownImage(ctx, params.ref);
      if (!row) return web.notFound(ctx);
      const albums = (await repos.albums.listOf(ctx.signedIn!.id, deps.now())).map((a) => a.album);
      return web.render(
        ctx,
        { title: ctx.t('edit.title', { title: row.title }) },
        EditImagePage({
          ctx,
          row,
          albums,
          categories: await repos.albums.listCategories(),
          present,
        }),
      );
    })
    .post('/edit/image/:ref', async ({ request, params }) => {
      const got = await guard.posted(request);
      if (got instanceof Response) return got;
      const { ctx, form } = got;
      const row = await ownImage(ctx, params.ref);
      if (!row) return web.notFound(ctx);
      const albumRef = field(form, 'album');
      const album = albumRef === '' ? null : await ownAlbum(ctx, albumRef);
      if (albumRef !== '' && !album) return web.notFound(ctx);
      let tags: string[];
      try {
        tags = parseTags(field(form, 'tags'));
      } catch (error) {
        if (!(error instanceof TooManyTagsError)) throw error;
        tags = row.tags;
      }
      await repos.images.update(row.id, ctx.signedIn!.id, {
        title: cutTitle(field(form, 'title')) || row.title,
        description: description(form),
        tags,
        albumId: album?.id ?? null,
        nsfw: field(form, 'nsfw') === '1',
      });
      const categoryRef = field(form, 'category');
      if (form.category !== undefined) {
        const category =
          categoryRef === '' || !/^\d{1,9}$/.test(categoryRef)
            ? null
            : await repos.albums.findCategory(Number(categoryRef));
        await repos.images.setCategory(row.id, ctx.signedIn!.id, category?.id ?? null);
      }
      const updated = (await repos.images.findLive(row.id, deps.now())) ?? row;
      return web.redirect(ctx, viewerPaths(updated, present).pathViewer, 'edit.saved');
    })
    .get('/edit/image/:ref/delete', async ({ request, params }) => {
      const ctx = await guard.signedIn(request);
      if (ctx instanceof Response) return ctx;
      const row = await ownImage(ctx, params.ref);
      if (!row) return web.notFound(ctx);
      return web.render(
        ctx,
        { title: ctx.t('delete.title', { title: row.title }) },
        DeletePanel({ ctx, row, present, action: '', withCsrf: true }),
      );
    })
    .post('/edit/image/:ref/delete', async ({ request, params }) => {
      const got = await guard.posted(request);
      if (got instanceof Response) return got;
      const { ctx } = got;
      const row = await ownImage(ctx, params.ref);
      if (!row) return web.notFound(ctx);
      await deleter.delete(row);
      return web.redirect(ctx, '/account', 'upload.deleted');
    });
}
