import type { Locale, Translate } from '../i18n/index.ts';
import { LOCALE_NAMES, LOCALES } from '../i18n/index.ts';
import { escapeHtml } from '../services/images/formatting.ts';
import { assetPath } from './assets.ts';

/** A trusted HTML fragment; interpolated values are escaped unless they are one of these. */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

type Interpolated = Html | string | number | null | undefined | false | Interpolated[];

function render(value: Interpolated): string {
  if (value === null || value === undefined || value === false) return '';
  if (Array.isArray(value)) return value.map(render).join('');
  if (value instanceof Html) return value.value;
  return escapeHtml(String(value));
}

/** Tagged template that escapes every interpolation. */
export function html(strings: TemplateStringsArray, ...values: Interpolated[]): Html {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? '');
  });
  return new Html(out);
}

/** A translated sentence with `{name}` slots filled by HTML fragments (links, buttons). */
export function fill(text: string, parts: Record<string, Html>): Html {
  return new Html(
    text
      .split(/(\{\w+\})/)
      .map((piece) => {
        const name = /^\{(\w+)\}$/.exec(piece)?.[1];
        return name && parts[name] ? parts[name].value : escapeHtml(piece);
      })
      .join(''),
  );
}

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
}

export interface PageOptions {
  title: string;
  head?: Html;
  /** A message shown at the top (saved, deleted, ...). */
  notice?: string | null;
  error?: string | null;
  /** Extra class on <body> (the uploader uses the whole page as a drop zone). */
  bodyClass?: string;
}

export const csrfField = (ctx: PageContext): Html =>
  html`<input type="hidden" name="csrf_token" value="${ctx.csrf}">`;

export function page(ctx: PageContext, options: PageOptions, body: Html): Html {
  const { t, user } = ctx;
  const next = encodeURIComponent(ctx.path);
  const nav = user
    ? html`<a href="/">${t('nav.upload')}</a><a href="/account">${t('nav.myImages')}</a><a href="/settings">${t('nav.settings')}</a>${user.isAdmin ? html`<a href="/admin/categories">${t('nav.categories')}</a>` : ''}<form method="post" action="/signout" class="inline">${csrfField(ctx)}<button type="submit" class="link" title="${t('nav.signedInAs', { name: user.username })}">${t('nav.signOut')}</button></form>`
    : html`<a href="/">${t('nav.upload')}</a><a href="/signin">${t('nav.signIn')}</a><a href="/signup" class="button small">${t('nav.signUp')}</a>`;
  const languages = html`<nav class="lang" aria-label="${t('nav.language')}">${LOCALES.map(
    (locale) =>
      locale === ctx.locale
        ? html`<span aria-current="true" lang="${locale}">${LOCALE_NAMES[locale]}</span>`
        : html`<a href="/lang/${locale}?next=${next}" lang="${locale}" hreflang="${locale}" data-lang="${locale}">${LOCALE_NAMES[locale]}</a>`,
  )}</nav>`;
  return html`<html lang="${ctx.locale}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="color-scheme" content="light dark"><title>${options.title} · Upshot</title><link rel="stylesheet" href="${assetPath('upshot.css')}">${options.head ?? ''}</head><body class="${options.bodyClass ?? ''}"><a class="skip" href="#main">${t('site.skip')}</a><header class="top"><a class="brand" href="/">Upshot</a><nav class="main" aria-label="Upshot">${nav}</nav></header><main id="main" tabindex="-1">${options.notice ? html`<p class="notice" role="status">${options.notice}</p>` : ''}${options.error ? html`<p class="error" role="alert">${options.error}</p>` : ''}${body}</main><footer class="muted"><a href="/api-v1">${t('nav.api')}</a>${languages}</footer></body></html>`;
}
