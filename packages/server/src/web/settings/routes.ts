import { Elysia } from 'elysia';
import type { Config } from '../../config.ts';
import type { Repositories } from '../../db/repositories/index.ts';
import type { MessageKey } from '../../i18n/index.ts';
import type { Accounts } from '../../services/accounts/accounts.ts';
import type { Instance } from '../../services/instance.ts';
import { generateUserKey, hashSecret } from '../../services/keys.ts';
import { ACCOUNT_MESSAGES } from '../accounts/routes.ts';
import { field, type Web, type WebContext } from '../context.ts';
import type { Guard } from '../guard.ts';
import { clientSnippets, sharexConfig } from './clients.ts';
import { EXPIRATIONS, SettingsPage } from './pages.tsx';

export interface SettingsRoutesDeps {
  config: Config;
  repos: Pick<Repositories, 'users' | 'keys' | 'images'>;
  instance: Instance;
  web: Web;
  guard: Guard;
  accounts: Accounts;
  now: () => Date;
}

/** Password, API keys, default expiration and ready-made client configurations. */
export function settingsRoutes(deps: SettingsRoutesDeps) {
  const { config, repos, instance, web, guard, accounts } = deps;

  async function render(
    ctx: WebContext,
    extra: { newKey?: { label: string; key: string }; error?: MessageKey; status?: number } = {},
  ) {
    const user = (await repos.users.find(ctx.signedIn!.id))!;
    const now = deps.now();
    const body = SettingsPage({
      ctx,
      view: {
        user,
        keys: await repos.keys.list(user.id),
        encodeKeyId: (id) => instance.ids.encode(id),
        newKey: extra.newKey ?? null,
        endpoint: `${config.baseUrl}/api/1/upload`,
        usage: {
          ...(await repos.images.usage(user.id, now)),
          quotaMb: user.isAdmin ? 0 : (user.quotaMb ?? config.userQuotaMb),
        },
      },
    });
    return web.render(
      ctx,
      { title: ctx.t('settings.title'), error: extra.error ? ctx.t(extra.error) : null },
      body,
      extra.status ?? 200,
    );
  }

  /** A new key for a program; the plain key exists only in this reply. */
  async function newKey(userId: number, label: string): Promise<string> {
    const key = generateUserKey(instance.ids.encode(userId));
    await repos.keys.add(userId, label.slice(0, 64), hashSecret(key), deps.now());
    return key;
  }

  const download = (body: string, filename: string, type: string) =>
    new Response(body, {
      headers: {
        'Content-Type': type,
        'Content-Disposition': `attachment; filename="${filename}"`,
        'Cache-Control': 'no-store',
        'X-Content-Type-Options': 'nosniff',
      },
    });

  return new Elysia({ name: 'settings' })
    .get('/settings', async ({ request }) => {
      const ctx = await guard.signedIn(request);
      if (ctx instanceof Response) return ctx;
      return render(ctx);
    })
    .post('/settings/keys', async ({ request }) => {
      const got = await guard.posted(request);
      if (got instanceof Response) return got;
      const { ctx, form } = got;
      const label = field(form, 'label').slice(0, 64) || 'API key';
      return render(ctx, { newKey: { label, key: await newKey(ctx.signedIn!.id, label) } });
    })
    .post('/settings/keys/:id/revoke', async ({ request, params }) => {
      const got = await guard.posted(request);
      if (got instanceof Response) return got;
      const { ctx } = got;
      const id = instance.ids.decode(params.id);
      if (id === null || !(await repos.keys.revoke(id, ctx.signedIn!.id, deps.now())))
        return web.notFound(ctx);
      return web.redirect(ctx, '/settings', 'settings.keyRevoked');
    })
    .post('/settings/expiration', async ({ request }) => {
      const got = await guard.posted(request);
      if (got instanceof Response) return got;
      const { ctx, form } = got;
      const value = field(form, 'expiration');
      if (value !== '' && !(EXPIRATIONS as readonly string[]).includes(value))
        return render(ctx, { status: 400 });
      await repos.users.setDefaultExpiration(ctx.signedIn!.id, value === '' ? null : value);
      return web.redirect(ctx, '/settings', 'settings.expirationSaved');
    })
    .post('/settings/password', async ({ request }) => {
      const got = await guard.posted(request);
      if (got instanceof Response) return got;
      const { ctx, form } = got;
      const user = (await repos.users.find(ctx.signedIn!.id))!;
      const error = await accounts.changePassword(
        user,
        form.current?.[0] ?? '',
        form.password?.[0] ?? '',
      );
      if (error) return render(ctx, { error: ACCOUNT_MESSAGES[error], status: 400 });
      // Everywhere else this account was signed in is signed out.
      if (ctx.session.row) await repos.users.deleteOtherSessions(user.id, ctx.session.row.id);
      return web.redirect(ctx, '/settings', 'settings.passwordSaved');
    })
    .post('/settings/clients/sharex', async ({ request }) => {
      const got = await guard.posted(request);
      if (got instanceof Response) return got;
      const key = await newKey(got.ctx.signedIn!.id, 'ShareX');
      const host = new URL(config.baseUrl).hostname.replace(/[^A-Za-z0-9.-]/g, '');
      return download(
        sharexConfig(config.baseUrl, key),
        `upshot-${host}.sxcu`,
        'application/json; charset=UTF-8',
      );
    })
    .post('/settings/clients/snippets', async ({ request }) => {
      const got = await guard.posted(request);
      if (got instanceof Response) return got;
      const key = await newKey(got.ctx.signedIn!.id, 'PicGo / Flameshot');
      return download(
        clientSnippets(config.baseUrl, key),
        'upshot-clients.txt',
        'text/plain; charset=UTF-8',
      );
    });
}
