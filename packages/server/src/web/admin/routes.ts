import { Elysia } from 'elysia';
import ipaddr from 'ipaddr.js';
import type { Config } from '../../config.ts';
import type { Repositories } from '../../db/repositories/index.ts';
import type { UserRow } from '../../db/schema/index.ts';
import type { MessageKey } from '../../i18n/index.ts';
import type { PresentContext } from '../../services/images/present.ts';
import type { Moderation } from '../../services/moderation.ts';
import { type FormData_, field, type Web, type WebContext } from '../context.ts';
import type { Guard } from '../guard.ts';
import {
  AddressesPage,
  CategoriesPage,
  ContentPage,
  DashboardPage,
  InvitesPage,
  UserPage,
  UsersPage,
} from './pages.tsx';

export interface AdminRoutesDeps {
  config: Config;
  web: Web;
  guard: Guard;
  repos: Pick<Repositories, 'users' | 'images' | 'albums' | 'addresses'>;
  moderation: Moderation;
  present: PresentContext;
  now: () => Date;
}

const PAGE_SIZE = 50;
const CONTENT_PAGE_SIZE = 60;
const DAY_MS = 86_400_000;

/** A page number from the query string: 1 and up, 1 when missing or wrong. */
const pageOf = (url: URL): number => {
  const n = Number(url.searchParams.get('page') ?? 1);
  return Number.isSafeInteger(n) && n >= 1 && n <= 100_000 ? n : 1;
};

/** An IP address as the server records it (IPv4-mapped IPv6 as IPv4), or null. */
function normaliseAddress(text: string): string | null {
  const value = text.trim();
  if (!value.includes(':') && !ipaddr.IPv4.isValidFourPartDecimal(value)) return null;
  return ipaddr.isValid(value) ? ipaddr.process(value).toString() : null;
}

/**
 * The admin's pages (README: Administration): a dashboard, users (search, usage, ban,
 * quota, password reset links, delete with their images), the latest content with bulk
 * delete and address bans, invitations, and categories. Every page and form goes through
 * the guard's admin check; others get 404.
 */
export function adminRoutes(deps: AdminRoutesDeps) {
  const { config, web, guard, repos, moderation, present } = deps;
  const ids = present.ids;

  async function userOf(ref: string): Promise<UserRow | null> {
    const id = ref.length > 32 ? null : ids.decode(ref);
    return id === null ? null : repos.users.find(id);
  }

  async function userPage(
    ctx: WebContext,
    user: UserRow,
    extra: { notice?: string; error?: string; resetLink?: string; status?: number } = {},
  ) {
    const usage = await repos.images.usage(user.id, deps.now());
    return web.render(
      ctx,
      { title: user.username, notice: extra.notice ?? null, error: extra.error ?? null },
      UserPage({
        ctx,
        user,
        images: usage.images,
        bytes: usage.bytes,
        defaultQuotaMb: config.userQuotaMb,
        resetLink: extra.resetLink ?? null,
        encode: (id) => ids.encode(id),
      }),
      extra.status ?? 200,
    );
  }

  /** A posted admin form about one user, or the response that ends it. */
  async function postedUser(
    request: Request,
    ref: string,
  ): Promise<{ ctx: WebContext; form: FormData_; user: UserRow } | Response> {
    const got = await guard.posted(request, { admin: true });
    if (got instanceof Response) return got;
    const user = await userOf(ref);
    if (!user) return web.notFound(got.ctx);
    return { ...got, user };
  }

  async function contentPage(ctx: WebContext, notice: string | null = null) {
    const page = pageOf(ctx.url);
    const now = deps.now();
    const rows = await repos.images.listLatest({
      limit: CONTENT_PAGE_SIZE + 1,
      offset: (page - 1) * CONTENT_PAGE_SIZE,
      now,
    });
    const more = rows.length > CONTENT_PAGE_SIZE;
    const banned = new Set((await repos.addresses.list(10_000)).map((row) => row.address));
    return web.render(
      ctx,
      { title: ctx.t('admin.content'), notice },
      ContentPage({
        ctx,
        rows: rows.slice(0, CONTENT_PAGE_SIZE),
        page,
        pages: more ? page + 1 : page,
        present,
        banned,
      }),
    );
  }

  async function addressesPage(ctx: WebContext, notice: string | null, error: MessageKey | null) {
    return web.render(
      ctx,
      {
        title: ctx.t('admin.addresses'),
        notice,
        error: error ? ctx.t(error) : null,
      },
      AddressesPage({ ctx, rows: await repos.addresses.list() }),
      error ? 400 : 200,
    );
  }

  async function invitesPage(ctx: WebContext, made: string | null) {
    return web.render(
      ctx,
      { title: ctx.t('admin.invites') },
      InvitesPage({
        ctx,
        mode: config.signups,
        rows: await repos.users.listInvites(),
        made,
        now: deps.now(),
      }),
    );
  }

  return new Elysia({ name: 'admin' })
    .get('/admin', async ({ request }) => {
      const ctx = await guard.admin(request);
      if (ctx instanceof Response) return ctx;
      const now = deps.now();
      const since = new Date(
        Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) - 29 * DAY_MS,
      );
      const stats = await repos.images.stats(now, since, 10);
      // Every day of the window, the ones without uploads too.
      const counted = new Map(stats.perDay.map((d) => [d.day, d.uploads]));
      const perDay = Array.from({ length: 30 }, (_, i) => {
        const day = new Date(since.getTime() + i * DAY_MS).toISOString().slice(0, 10);
        return { day, uploads: counted.get(day) ?? 0 };
      });
      return web.render(
        ctx,
        { title: ctx.t('admin.title') },
        DashboardPage({
          ctx,
          data: {
            images: stats.images,
            bytes: stats.bytes,
            users: await repos.users.count(),
            today: perDay[perDay.length - 1]!.uploads,
            perDay,
            uploaders: stats.uploaders,
          },
          encode: (id) => ids.encode(id),
        }),
      );
    })
    .get('/admin/users', async ({ request }) => {
      const ctx = await guard.admin(request);
      if (ctx instanceof Response) return ctx;
      const q = (ctx.url.searchParams.get('q') ?? '').slice(0, 100);
      const page = pageOf(ctx.url);
      const { rows, total } = await repos.users.listWithUsage({
        search: q,
        limit: PAGE_SIZE,
        offset: (page - 1) * PAGE_SIZE,
        now: deps.now(),
      });
      return web.render(
        ctx,
        { title: ctx.t('admin.users') },
        UsersPage({
          ctx,
          q,
          rows,
          total,
          page,
          pages: Math.max(1, Math.ceil(total / PAGE_SIZE)),
          defaultQuotaMb: config.userQuotaMb,
          encode: (id) => ids.encode(id),
        }),
      );
    })
    .get('/admin/users/:ref', async ({ request, params }) => {
      const ctx = await guard.admin(request);
      if (ctx instanceof Response) return ctx;
      const user = await userOf(params.ref);
      if (!user) return web.notFound(ctx);
      const notice = ctx.url.searchParams.get('done');
      const notices: Record<string, MessageKey> = {
        banned: 'admin.banned',
        unbanned: 'admin.unbanned',
        quota: 'admin.quotaSaved',
      };
      const key = notice ? notices[notice] : undefined;
      return userPage(ctx, user, { notice: key ? ctx.t(key, { name: user.username }) : undefined });
    })
    .post('/admin/users/:ref/ban', async ({ request, params }) => {
      const got = await postedUser(request, params.ref);
      if (got instanceof Response) return got;
      if (!(await moderation.setBanned(got.user, true))) {
        return userPage(got.ctx, got.user, {
          error: got.ctx.t('admin.adminProtected'),
          status: 403,
        });
      }
      return web.redirect(got.ctx, `/admin/users/${params.ref}?done=banned`);
    })
    .post('/admin/users/:ref/unban', async ({ request, params }) => {
      const got = await postedUser(request, params.ref);
      if (got instanceof Response) return got;
      await moderation.setBanned(got.user, false);
      return web.redirect(got.ctx, `/admin/users/${params.ref}?done=unbanned`);
    })
    .post('/admin/users/:ref/quota', async ({ request, params }) => {
      const got = await postedUser(request, params.ref);
      if (got instanceof Response) return got;
      const raw = field(got.form, 'quota');
      const value = raw === '' ? null : Number(raw);
      if (value !== null && !(Number.isInteger(value) && value >= 0 && value <= 1e9)) {
        return userPage(got.ctx, got.user, { error: got.ctx.t('admin.quotaInvalid'), status: 400 });
      }
      await moderation.setQuota(got.user, value);
      return web.redirect(got.ctx, `/admin/users/${params.ref}?done=quota`);
    })
    .post('/admin/users/:ref/reset', async ({ request, params }) => {
      const got = await postedUser(request, params.ref);
      if (got instanceof Response) return got;
      const token = await moderation.resetLink(got.user);
      return userPage(got.ctx, got.user, { resetLink: `${config.baseUrl}/reset/${token}` });
    })
    .post('/admin/users/:ref/delete', async ({ request, params }) => {
      const got = await postedUser(request, params.ref);
      if (got instanceof Response) return got;
      const removed = await moderation.deleteUser(got.user);
      if (removed === null) {
        return userPage(got.ctx, got.user, {
          error: got.ctx.t('admin.adminProtected'),
          status: 403,
        });
      }
      const ctx = got.ctx;
      const { rows, total } = await repos.users.listWithUsage({
        search: '',
        limit: PAGE_SIZE,
        offset: 0,
        now: deps.now(),
      });
      return web.render(
        ctx,
        {
          title: ctx.t('admin.users'),
          notice: ctx.t('admin.userDeleted', { name: got.user.username, n: removed }),
        },
        UsersPage({
          ctx,
          q: '',
          rows,
          total,
          page: 1,
          pages: Math.max(1, Math.ceil(total / PAGE_SIZE)),
          defaultQuotaMb: config.userQuotaMb,
          encode: (id) => ids.encode(id),
        }),
      );
    })
    .get('/admin/content', async ({ request }) => {
      const ctx = await guard.admin(request);
      if (ctx instanceof Response) return ctx;
      return contentPage(ctx);
    })
    .post('/admin/content/delete', async ({ request }) => {
      const got = await guard.posted(request, { admin: true });
      if (got instanceof Response) return got;
      const chosen = (got.form.ids ?? [])
        .slice(0, 1000)
        .map((ref) => ids.decode(ref.trim()))
        .filter((n): n is number => n !== null);
      const rows = await repos.images.findLiveMany(chosen, deps.now());
      const removed = await moderation.deleteImages(rows);
      return contentPage(got.ctx, got.ctx.t('admin.content.deleted', { n: removed }));
    })
    .get('/admin/addresses', async ({ request }) => {
      const ctx = await guard.admin(request);
      if (ctx instanceof Response) return ctx;
      return addressesPage(ctx, null, null);
    })
    .post('/admin/addresses', async ({ request }) => {
      const got = await guard.posted(request, { admin: true });
      if (got instanceof Response) return got;
      const address = normaliseAddress(field(got.form, 'address'));
      if (!address) return addressesPage(got.ctx, null, 'admin.addresses.invalid');
      await moderation.banAddress(address, null);
      return addressesPage(got.ctx, got.ctx.t('admin.content.banned', { address }), null);
    })
    .post('/admin/addresses/unban', async ({ request }) => {
      const got = await guard.posted(request, { admin: true });
      if (got instanceof Response) return got;
      const address = normaliseAddress(field(got.form, 'address'));
      if (address) await moderation.unbanAddress(address);
      return addressesPage(
        got.ctx,
        address ? got.ctx.t('admin.addresses.unbanned', { address }) : null,
        address ? null : 'admin.addresses.invalid',
      );
    })
    .get('/admin/invites', async ({ request }) => {
      const ctx = await guard.admin(request);
      if (ctx instanceof Response) return ctx;
      return invitesPage(ctx, null);
    })
    .post('/admin/invites', async ({ request }) => {
      const got = await guard.posted(request, { admin: true });
      if (got instanceof Response) return got;
      const note = field(got.form, 'note').slice(0, 100) || null;
      const token = await moderation.invite(got.ctx.signedIn!, note);
      return invitesPage(got.ctx, `${config.baseUrl}/signup?invite=${token}`);
    })
    .post('/admin/invites/:id/revoke', async ({ request, params }) => {
      const got = await guard.posted(request, { admin: true });
      if (got instanceof Response) return got;
      if (/^\d{1,9}$/.test(params.id)) await repos.users.removeInvite(Number(params.id));
      return web.redirect(got.ctx, '/admin/invites');
    })
    .get('/admin/categories', async ({ request }) => {
      const ctx = await guard.admin(request);
      if (ctx instanceof Response) return ctx;
      return web.render(
        ctx,
        { title: ctx.t('categories.title') },
        CategoriesPage({ ctx, categories: await repos.albums.listCategories() }),
      );
    })
    .post('/admin/categories', async ({ request }) => {
      const got = await guard.posted(request, { admin: true });
      if (got instanceof Response) return got;
      const { ctx, form } = got;
      const name = field(form, 'name').slice(0, 64);
      const urlKey = field(form, 'url_key').toLowerCase();
      let error: MessageKey | null = null;
      if (name === '' || !/^[a-z0-9-]{1,64}$/.test(urlKey)) error = 'categories.invalid';
      else if (await repos.albums.findCategoryByUrlKey(urlKey)) error = 'categories.taken';
      if (error) {
        return web.render(
          ctx,
          { title: ctx.t('categories.title'), error: ctx.t(error) },
          CategoriesPage({ ctx, categories: await repos.albums.listCategories() }),
          400,
        );
      }
      await repos.albums.createCategory(name, urlKey);
      return web.redirect(ctx, '/admin/categories');
    })
    .post('/admin/categories/:id/delete', async ({ request, params }) => {
      const got = await guard.posted(request, { admin: true });
      if (got instanceof Response) return got;
      if (/^\d{1,9}$/.test(params.id)) await repos.albums.removeCategory(Number(params.id));
      return web.redirect(got.ctx, '/admin/categories');
    });
}
