import type { Config } from '../config.ts';
import type { UserRow } from '../db/schema/index.ts';
import { safeLocalPath } from '../http/safe-path.ts';
import { isLocale, LANG_COOKIE, type MessageKey, pickLocale, translator } from '../i18n/index.ts';
import { parseCookies, type Sessions, type WebSession } from '../services/accounts/sessions.ts';
import { type Html, html, htmlResponse, type PageContext, type PageOptions, page } from './html.ts';

/** Everything a page handler knows about its request. */
export interface WebContext extends PageContext {
  request: Request;
  url: URL;
  session: WebSession;
  signedIn: UserRow | null;
}

/** Notices a redirect may ask the next page to show (`?notice=`), and nothing else. */
const NOTICES = new Set<MessageKey>([
  'upload.deleted',
  'auth.signedOut',
  'settings.passwordSaved',
  'settings.keyRevoked',
  'settings.expirationSaved',
  'albums.saved',
  'albums.deleted',
  'edit.saved',
]);

export type FormData_ = Record<string, string[]>;

export function createWeb(deps: { config: Config; sessions: Sessions }) {
  const { sessions } = deps;

  /** The context of a request with a known session (just signed in or out). */
  function contextWith(request: Request, current: WebSession): WebContext {
    const url = new URL(request.url);
    const cookies = parseCookies(request.headers.get('cookie'));
    const locale = pickLocale(cookies.get(LANG_COOKIE), request.headers.get('accept-language'));
    const user = current.user;
    return {
      request,
      url,
      locale,
      t: translator(locale),
      path: url.pathname + url.search,
      user: user ? { username: user.username, isAdmin: user.isAdmin } : null,
      csrf: current.csrf,
      session: current,
      signedIn: user,
    };
  }

  /** Response headers every page gets: the session cookie when it is new, no caching. */
  function baseHeaders(ctx: WebContext, extra: Record<string, string> = {}): Headers {
    const headers = new Headers({
      'Cache-Control': 'private, no-store',
      Vary: 'Cookie, Accept-Language',
      ...extra,
    });
    if (ctx.session.isNew) headers.append('Set-Cookie', sessions.cookie(ctx.session));
    return headers;
  }

  /** Everything a page handler knows about its request, its session read from the cookie. */
  async function context(request: Request): Promise<WebContext> {
    return contextWith(request, await sessions.read(request));
  }

  return {
    context,
    contextWith,

    /** Renders a page in the layout. */
    render(
      ctx: WebContext,
      options: PageOptions,
      body: Html,
      status = 200,
      extra: Record<string, string> = {},
    ): Response {
      const notice = ctx.url.searchParams.get('notice');
      const shown =
        options.notice ??
        (notice && NOTICES.has(notice as MessageKey) ? ctx.t(notice as MessageKey) : null);
      return htmlResponse(
        page(ctx, { ...options, notice: shown }, body),
        status,
        baseHeaders(ctx, extra),
      );
    },

    /** 303 to a local path (after a form post), carrying the session cookie when new. */
    redirect(ctx: WebContext, location: string, notice?: MessageKey): Response {
      const target = notice
        ? `${location}${location.includes('?') ? '&' : '?'}notice=${notice}`
        : location;
      const headers = baseHeaders(ctx, { Location: target });
      return new Response(null, { status: 303, headers });
    },

    notFound(ctx: WebContext): Response {
      return htmlResponse(
        page(ctx, { title: ctx.t('error.title') }, htmlNotFound(ctx)),
        404,
        baseHeaders(ctx),
      );
    },

    /** Reads a urlencoded or multipart form body as lists of text values. */
    async form(request: Request): Promise<FormData_> {
      const out: FormData_ = {};
      let data: FormData;
      try {
        data = await request.formData();
      } catch {
        return out;
      }
      for (const [name, value] of data.entries()) {
        if (typeof value !== 'string') continue;
        const list = out[name] ?? [];
        list.push(value);
        out[name] = list;
      }
      return out;
    },

    /** The language switch: remembers the choice for a year and goes back. */
    setLanguage(request: Request, locale: string): Response {
      const url = new URL(request.url);
      const location = safeLocalPath(url.searchParams.get('next'), '/');
      const headers = new Headers({ Location: location, 'Cache-Control': 'no-store' });
      if (isLocale(locale)) {
        headers.append(
          'Set-Cookie',
          `${LANG_COOKIE}=${locale}; Path=/; Max-Age=31536000; SameSite=Lax`,
        );
      }
      return new Response(null, { status: 303, headers });
    },
  };
}

function htmlNotFound(ctx: WebContext): Html {
  return html`<h1>${ctx.t('error.title')}</h1><p>${ctx.t('error.notFound')}</p><p><a href="/">${ctx.t('nav.upload')}</a></p>`;
}

export type Web = ReturnType<typeof createWeb>;

/** First value of a form field, trimmed; '' when absent. */
export const field = (form: FormData_, name: string): string => form[name]?.[0]?.trim() ?? '';
