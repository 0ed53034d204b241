// The pages' HTTP side: headers every page gets and what the layout needs to know.
// Markup itself is JSX (web/jsx/jsx-runtime.ts escapes text by default).
import type { Locale, Translate } from '../i18n/index.ts';
import type { Html } from './jsx/jsx-runtime.ts';

export { Html, raw } from './jsx/jsx-runtime.ts';

export const CSP =
  "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

export function htmlResponse(
  body: Html,
  status = 200,
  headers: Record<string, string> | Headers = {},
): Response {
  const out = new Headers({
    'Content-Type': 'text/html; charset=UTF-8',
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'same-origin',
    'Content-Security-Policy': CSP,
  });
  new Headers(headers).forEach((value, name) => {
    if (name === 'set-cookie') return;
    out.set(name, value);
  });
  if (headers instanceof Headers)
    for (const cookie of headers.getSetCookie()) out.append('Set-Cookie', cookie);
  return new Response(`<!doctype html>\n${body.value}`, { status, headers: out });
}

/** What the layout needs to know about the request. */
export interface PageContext {
  locale: Locale;
  t: Translate;
  /** Path and query of the request, for the language switcher to come back to. */
  path: string;
  user: { username: string; isAdmin: boolean } | null;
  csrf: string;
  /** Whether the sign-up link is shown (UPSHOT_SIGNUPS is not closed). */
  signupsOpen?: boolean;
}

export type Script = 'app' | 'uploader';

export interface PageOptions {
  title: string;
  head?: Html;
  /** A message shown at the top (saved, deleted, ...). */
  notice?: string | null;
  error?: string | null;
  /** Extra class on <body> (the uploader uses the whole page as a drop zone). */
  bodyClass?: string;
  /** Browser scripts the page runs; every page gets `app` (copy buttons, galleries). */
  scripts?: Script[];
  /** JSON the scripts read (`#page-data`), escaped so it cannot close its element. */
  data?: unknown;
}
