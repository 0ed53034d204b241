import { Elysia } from 'elysia';
import type { Config } from '../../config.ts';
import type { Repository } from '../../db/repository.ts';
import type { MessageKey } from '../../i18n/index.ts';
import type { Instance } from '../../instance.ts';
import { type FormData_, field, type Web, type WebContext } from '../../web/context.ts';
import { html } from '../../web/html.ts';
import {
  clientSnippets,
  EXPIRATIONS,
  settingsPage,
  sharexConfig,
} from '../../web/settings-pages.ts';
import type { Accounts } from '../accounts/service.ts';
import { CSRF_FIELD, type Sessions } from '../accounts/session.ts';
import { generateUserKey, hashSecret } from '../keys/keys.ts';

export interface SettingsRoutesDeps {
  config: Config;
  repo: Repository;
  instance: Instance;
  web: Web;
  sessions: Sessions;
  accounts: Accounts;
  now: () => Date;
}

/** Password, API keys, default expiration and ready-made client configurations. */
export function settingsRoutes(deps: SettingsRoutesDeps) {
  const { config, repo, instance, web, sessions, accounts } = deps;

  function render(
    ctx: WebContext,
    extra: { newKey?: { label: string; key: string }; error?: MessageKey; status?: number } = {},
  ) {
    const user = repo.findUser(ctx.signedIn!.id)!;
    const view = settingsPage(ctx, {
      user,
      keys: repo.listApiKeys(user.id),
      encodeKeyId: (id) => instance.ids.encode(id),
      newKey: extra.newKey ?? null,
      endpoint: `${config.baseUrl}/api/1/upload`,
    });
    return web.render(
      ctx,
      {
        title: ctx.t('settings.title'),
        head: view.head,
        error: extra.error ? ctx.t(extra.error) : null,
      },
      view.body,
      extra.status ?? 200,
    );
  }

  async function posted(
    request: Request,
  ): Promise<{ ctx: WebContext; form: FormData_ } | Response> {
    const ctx = web.context(request);
    const form = await web.form(request);
    if (!ctx.signedIn) return web.redirect(ctx, '/signin?next=/settings');
    if (!sessions.checkCsrf(ctx.session, form[CSRF_FIELD]?.[0])) {
      return web.render(
        ctx,
        { title: ctx.t('settings.title'), error: ctx.t('auth.csrf') },
        html``,
        403,
      );
    }
    return { ctx, form };
  }

  /** A new key for a program; the plain key exists only in this reply. */
  function newKey(userId: number, label: string): string {
    const key = generateUserKey(instance.ids.encode(userId));
    repo.addApiKey(userId, label.slice(0, 64), hashSecret(key), deps.now());
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
    .get('/settings', ({ request }) => {
      const ctx = web.context(request);
      if (!ctx.signedIn) return web.redirect(ctx, '/signin?next=/settings');
      return render(ctx);
    })
    .post('/settings/keys', async ({ request }) => {
      const got = await posted(request);
      if (got instanceof Response) return got;
      const { ctx, form } = got;
      const label = field(form, 'label').slice(0, 64) || 'API key';
      return render(ctx, { newKey: { label, key: newKey(ctx.signedIn!.id, label) } });
    })
    .post('/settings/keys/:id/revoke', async ({ request, params }) => {
      const got = await posted(request);
      if (got instanceof Response) return got;
      const { ctx } = got;
      const id = instance.ids.decode(params.id);
      if (id === null || !repo.revokeApiKey(id, ctx.signedIn!.id, deps.now()))
        return web.notFound(ctx);
      return web.redirect(ctx, '/settings', 'settings.keyRevoked');
    })
    .post('/settings/expiration', async ({ request }) => {
      const got = await posted(request);
      if (got instanceof Response) return got;
      const { ctx, form } = got;
      const value = field(form, 'expiration');
      if (value !== '' && !(EXPIRATIONS as readonly string[]).includes(value))
        return render(ctx, { status: 400 });
      repo.setDefaultExpiration(ctx.signedIn!.id, value === '' ? null : value);
      return web.redirect(ctx, '/settings', 'settings.expirationSaved');
    })
    .post('/settings/password', async ({ request }) => {
      const got = await posted(request);
      if (got instanceof Response) return got;
      const { ctx, form } = got;
      const user = repo.findUser(ctx.signedIn!.id)!;
      const error = await accounts.changePassword(
        user,
        form.current?.[0] ?? '',
        form.password?.[0] ?? '',
      );
      if (error) return render(ctx, { error, status: 400 });
      // Everywhere else this account was signed in is signed out.
      if (ctx.session.row) repo.deleteOtherSessions(user.id, ctx.session.row.id);
      return web.redirect(ctx, '/settings', 'settings.passwordSaved');
    })
    .post('/settings/clients/sharex', async ({ request }) => {
      const got = await posted(request);
      if (got instanceof Response) return got;
      const key = newKey(got.ctx.signedIn!.id, 'ShareX');
      const host = new URL(config.baseUrl).hostname.replace(/[^A-Za-z0-9.-]/g, '');
      return download(
        sharexConfig(config.baseUrl, key),
        `upshot-${host}.sxcu`,
        'application/json; charset=UTF-8',
      );
    })
    .post('/settings/clients/snippets', async ({ request }) => {
      const got = await posted(request);
      if (got instanceof Response) return got;
      const key = newKey(got.ctx.signedIn!.id, 'PicGo / Flameshot');
      return download(
        clientSnippets(config.baseUrl, key),
        'upshot-clients.txt',
        'text/plain; charset=UTF-8',
      );
    });
}
