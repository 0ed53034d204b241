/** @jsxImportSource @upshot/server */
import { LOCALE_NAMES, LOCALES } from '../../i18n/index.ts';
import { assetPath } from '../assets.ts';
import type { PageContext, PageOptions } from '../html.ts';
import type { Html } from '../jsx/jsx-runtime.ts';
import { CsrfField, Notice, PageData } from './components.tsx';
import { type IconName, icon } from './icons.ts';

/** The mark beside the name: a frame with a sun, drawn once here and in favicon.svg. */
const Logo = () => (
  <svg class="logo" viewBox="0 0 32 32" aria-hidden="true" focusable="false">
    <rect x="2" y="2" width="28" height="28" rx="8" fill="currentColor" />
    <circle cx="21" cy="11" r="3.5" fill="#fff" opacity=".9" />
    <path d="M6 24l7-8 5 5 3-3 5 6z" fill="#fff" />
  </svg>
);

function NavLink(props: {
  href: string;
  icon: IconName;
  label: string;
  current: string;
  exact?: boolean;
}) {
  const here = props.exact
    ? props.current === props.href
    : props.current === props.href || props.current.startsWith(`${props.href}/`);
  return (
    <a href={props.href} class="nav-link" aria-current={here ? 'page' : undefined}>
      {icon(props.icon)}
      <span class="label">{props.label}</span>
    </a>
  );
}

/** Every page: header with the main links, the notices, the page, and the footer. */
export function Layout(props: { ctx: PageContext; options: PageOptions; body: Html }): Html {
  const { ctx, options } = props;
  const { t, user } = ctx;
  const current = ctx.path.split('?')[0] ?? '/';
  const next = encodeURIComponent(ctx.path);
  const scripts = options.scripts ?? ['app'];
  return (
    <html lang={ctx.locale}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light dark" />
        <title>{`${options.title} · Upshot`}</title>
        <link rel="icon" href={assetPath('favicon.svg')} type="image/svg+xml" />
        <link rel="stylesheet" href={assetPath('upshot.css')} />
        {scripts.map((name) => (
          <script type="module" src={assetPath(`${name}.js` as const)} />
        ))}
        {options.head ?? null}
      </head>
      <body class={options.bodyClass ?? undefined}>
        <a class="skip" href="#main">
          {t('site.skip')}
        </a>
        <header class="top">
          <div class="top-inner">
            <a class="brand" href="/">
              <Logo />
              <span>Upshot</span>
            </a>
            <nav class="main-nav" aria-label="Upshot">
              <NavLink href="/" icon="upload" label={t('nav.upload')} current={current} exact />
              {user ? (
                <>
                  <NavLink
                    href="/account"
                    icon="images"
                    label={t('nav.myImages')}
                    current={current}
                  />
                  <NavLink
                    href="/settings"
                    icon="settings"
                    label={t('nav.settings')}
                    current={current}
                  />
                  {user.isAdmin ? (
                    <NavLink href="/admin" icon="shield" label={t('nav.admin')} current={current} />
                  ) : null}
                  <form method="post" action="/signout" class="inline">
                    <CsrfField ctx={ctx} />
                    <button
                      type="submit"
                      class="nav-link"
                      title={t('nav.signedInAs', { name: user.username })}
                    >
                      {icon('log-out')}
                      <span class="label">{t('nav.signOut')}</span>
                    </button>
                  </form>
                </>
              ) : (
                <>
                  <NavLink href="/signin" icon="log-in" label={t('nav.signIn')} current={current} />
                  {ctx.signupsOpen === false ? null : (
                    <a href="/signup" class="button primary small">
                      {icon('user-plus')}
                      <span class="label">{t('nav.signUp')}</span>
                    </a>
                  )}
                </>
              )}
            </nav>
          </div>
        </header>
        <main id="main" tabindex="-1" class="wrap">
          {options.notice ? <Notice>{options.notice}</Notice> : null}
          {options.error ? (
            <div class="notice notice-error">
              {icon('triangle-alert')}
              <p class="error" role="alert">
                {options.error}
              </p>
            </div>
          ) : null}
          {props.body}
        </main>
        <footer class="foot">
          <div class="wrap foot-inner">
            <a href="/api-v1" class="foot-link">
              {icon('code')}
              {t('nav.api')}
            </a>
            <nav class="lang" aria-label={t('nav.language')}>
              {icon('globe')}
              {LOCALES.map((locale) =>
                locale === ctx.locale ? (
                  <span aria-current="true" lang={locale}>
                    {LOCALE_NAMES[locale]}
                  </span>
                ) : (
                  <a
                    href={`/lang/${locale}?next=${next}`}
                    lang={locale}
                    hreflang={locale}
                    data-lang={locale}
                  >
                    {LOCALE_NAMES[locale]}
                  </a>
                ),
              )}
            </nav>
          </div>
        </footer>
        <div id="live" class="sr-only" role="status" aria-live="polite" />
        {options.data === undefined ? null : <PageData data={options.data} />}
      </body>
    </html>
  );
}
