/** @jsxImportSource @upshot/server */
// The small pieces every page is made of. Text is escaped by the JSX runtime.
import type { Translate } from '../../i18n/index.ts';
import type { PageContext } from '../html.ts';
import { type Child, fragment, type Html, raw } from '../jsx/jsx-runtime.ts';
import { type IconName, icon } from './icons.ts';

/** The CSRF token every state-changing form carries. */
export const CsrfField = (props: { ctx: PageContext }) => (
  <input type="hidden" name="csrf_token" value={props.ctx.csrf} />
);

/**
 * A form that is one button: a POST to `action` with the CSRF token. With a `target`, the
 * button's accessible name says what it acts on ("Ban: nina"), for rows of a table.
 */
export const PostButton = (props: {
  ctx: PageContext;
  action: string;
  label: string;
  kind?: 'primary' | 'secondary' | 'danger';
  small?: boolean;
  icon?: IconName;
  target?: string;
  /** The form's class (`inline` in a row of buttons, `stack` in a section). */
  formClass?: string;
  /** Hidden fields sent with it. */
  fields?: Record<string, string>;
}) => (
  <form method="post" action={props.action} class={props.formClass}>
    <CsrfField ctx={props.ctx} />
    {Object.entries(props.fields ?? {}).map(([name, value]) => (
      <input type="hidden" name={name} value={value} />
    ))}
    <button
      type="submit"
      class={`button ${props.kind ?? 'secondary'}${props.small ? ' small' : ''}`}
      aria-label={
        props.target === undefined
          ? undefined
          : props.ctx.t('a11y.action', { action: props.label, target: props.target })
      }
    >
      {props.icon ? icon(props.icon) : null}
      {props.icon ? <span class="label">{props.label}</span> : props.label}
    </button>
  </form>
);

/**
 * A translated sentence with `{name}` slots filled by markup (links, buttons): the text
 * around them is escaped, the slots are inserted as they are.
 */
export function fill(text: string, parts: Record<string, Html>): Html {
  return fragment(
    text.split(/(\{\w+\})/).map((piece) => {
      const name = /^\{(\w+)\}$/.exec(piece)?.[1];
      return name && parts[name] ? parts[name] : piece;
    }),
  );
}

export const Icon = (props: { name: IconName }) => icon(props.name);

/** A message at the top of a page: saved, deleted, or an error. */
export const Notice = (props: { kind?: 'ok' | 'error' | 'warn' | 'info'; children?: Child }) => {
  const kind = props.kind ?? 'ok';
  const glyph: Record<string, IconName> = {
    ok: 'circle-check',
    error: 'triangle-alert',
    warn: 'clock',
    info: 'info',
  };
  return (
    <div class={`notice notice-${kind}`} role={kind === 'error' ? 'alert' : 'status'}>
      {icon(glyph[kind]!)}
      <div>{props.children}</div>
    </div>
  );
};

/** What an empty list shows: what it is, and what to do next. */
export const EmptyState = (props: {
  icon: IconName;
  title: string;
  lead?: string;
  children?: Child;
}) => (
  <div class="empty">
    <span class="empty-icon">{icon(props.icon)}</span>
    <p class="empty-title">{props.title}</p>
    {props.lead ? <p class="muted">{props.lead}</p> : null}
    {props.children ? <div class="row wrap center">{props.children}</div> : null}
  </div>
);

/** A page title with an optional line under it and actions on the right. */
export const PageHeader = (props: { title: string; lead?: Child; children?: Child }) => (
  <div class="page-head">
    <div>
      <h1>{props.title}</h1>
      {props.lead ? <p class="muted lead">{props.lead}</p> : null}
    </div>
    {props.children ? <div class="page-actions">{props.children}</div> : null}
  </div>
);

/**
 * A read-only value with a copy button; the browser script copies it and says so in the
 * button and in a live region.
 */
export const CopyField = (props: { id: string; label: string; value: string; t: Translate }) => (
  <div class="copy-row">
    <label for={props.id}>{props.label}</label>
    <div class="copy-field">
      <input id={props.id} class="code" readonly value={props.value} />
      <button
        type="button"
        class="button secondary icon-button"
        data-copy={props.id}
        data-copied={props.t('upload.copied')}
        aria-label={props.t('a11y.action', { action: props.t('upload.copy'), target: props.label })}
      >
        {icon('copy')}
        <span class="label">{props.t('upload.copy')}</span>
      </button>
    </div>
  </div>
);

/** A link styled as a button, with an icon. */
export const LinkButton = (props: {
  href: string;
  icon?: IconName;
  kind?: 'primary' | 'secondary' | 'danger' | 'ghost';
  children?: Child;
  download?: boolean;
  label?: string;
}) => (
  <a
    class={`button ${props.kind ?? 'secondary'}`}
    href={props.href}
    download={props.download ? '' : undefined}
    aria-label={props.label}
  >
    {props.icon ? icon(props.icon) : null}
    {props.children ? <span class="label">{props.children}</span> : null}
  </a>
);

/** JSON for the browser script, safe inside <script> (no `<` to close it). */
export const PageData = (props: { data: unknown }) => (
  <script type="application/json" id="page-data">
    {raw(JSON.stringify(props.data).replace(/</g, '\\u003c'))}
  </script>
);
