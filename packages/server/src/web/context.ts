import type { Config } from '../config.ts';
import type { UserRow } from '../db/schema/index.ts';
import { requestIdOf } from '../http/request-id.ts';
import { safeLocalPath } from '../http/safe-path.ts';
import { isLocale, LANG_COOKIE, type MessageKey, pickLocale, translator } from '../i18n/index.ts';
import { parseCookies, type Sessions, type WebSession } from '../services/accounts/sessions.ts';
import { ERROR_STATUS, type ErrorKind, ErrorPage, errorTitle } from './errors/pages.tsx';
import { type Html, htmlResponse, type PageContext, type PageOptions } from './html.ts';
import { Layout } from './ui/layout.tsx';

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
  'reset.done',
  'admin.quotaSaved',
]);

export type FormData_ = Record<string, string[]>;

/** A browser asking for a page (not an API client): it gets HTML error pages. */
export const wantsHtml = (request: Request): boolean =>
  (request.method === 'GET' || request.method === 'HEAD') &&
  (request.headers.get('accept') ?? '').includes('text/html');

export function createWeb(deps: { config: Config; sessions: Sessions }) {
  const { sessions, config } = deps;

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
      signupsOpen: config.signups !== 'closed',
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

  function render(
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
      Layout({ ctx, options: { ...options, notice: shown }, body }),
      status,
      baseHeaders(ctx, extra),
    );
  }

  /**
   * An error page in the reader's language (404, 410, 403, 500 with the request id);
   * `status` overrides the kind's (a 503 while the database is away).
   */
  function errorPage(
    ctx: WebContext,
    kind: ErrorKind,
    message?: string,
    status?: number,
  ): Response {
    const requestId = kind === 'server' ? requestIdOf(ctx.request) : undefined;
    return render(
      ctx,
      { title: errorTitle(ctx.t, kind) },
      ErrorPage({ t: ctx.t, kind, message, requestId }),
      status ?? ERROR_STATUS[kind],
    );
  }

  /**
   * The context of a request whose session cannot be read (the database failed): signed
   * out, no cookie set, the language from the request alone. For error pages.
   */
  function bareContext(request: Request): WebContext {
    return contextWith(request, { token: '', isNew: false, row: null, user: null, csrf: '' });
  }

  return {
    context,
    contextWith,
    render,
    errorPage,
    bareContext,

    /** 303 to a local path (after a form post), carrying the session cookie when new. */
    redirect(ctx: WebContext, location: string, notice?: MessageKey): Response {
      const target = notice
        ? `${location}${location.includes('?') ? '&' : '?'}notice=${notice}`
        : location;
      const headers = baseHeaders(ctx, { Location: target });
      return new Response(null, { status: 303, headers });
    },

    notFound: (ctx: WebContext): Response => errorPage(ctx, 'not-found'),

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

export type Web = ReturnType<typeof createWeb>;

/** First value of a form field, trimmed; '' when absent. */
export const field = (form: FormData_, name: string): string => form[name]?.[0]?.trim() ?? '';
