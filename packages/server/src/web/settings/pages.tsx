/** @jsxImportSource @upshot/server */
import type { ApiKeyRow, UserRow } from '../../db/schema/index.ts';
import { humanDuration, type MessageKey } from '../../i18n/index.ts';
import { formatGmt, formatSize } from '../../services/images/formatting.ts';
import type { WebContext } from '../context.ts';
import type { PageContext } from '../html.ts';
import {
  CopyField,
  CsrfField,
  EmptyState,
  Notice,
  PageHeader,
  PostButton,
} from '../ui/components.tsx';
import { icon } from '../ui/icons.ts';

/** The auto-delete choices offered on the pages (the API takes any ISO 8601 duration). */
export const EXPIRATIONS = ['PT5M', 'PT1H', 'P1D', 'P1W', 'P1M', 'P1Y'] as const;

/** `<option>`s of the auto-delete choices; `none` is the label of the empty choice. */
export function ExpirationOptions(props: {
  ctx: PageContext;
  selected: string | null;
  noneKey?: MessageKey;
}) {
  const { ctx } = props;
  return (
    <>
      <option value="" selected={!props.selected}>
        {ctx.t(props.noneKey ?? 'expiry.none')}
      </option>
      {EXPIRATIONS.map((value) => (
        <option value={value} selected={value === props.selected}>
          {ctx.t(`expiry.${value}`)}
        </option>
      ))}
    </>
  );
}

/** "After 1 day" for a policy duration, through the preset labels when one matches. */
export function expiryLabel(ctx: PageContext, duration: string): string {
  return (EXPIRATIONS as readonly string[]).includes(duration)
    ? ctx.t(`expiry.${duration}` as MessageKey)
    : ctx.t('expiry.after', { time: humanDuration(ctx.t, duration) });
}

export interface SettingsView {
  user: UserRow;
  keys: ApiKeyRow[];
  encodeKeyId: (id: number) => string;
  newKey: { label: string; key: string } | null;
  endpoint: string;
  usage: { bytes: number; images: number; quotaMb: number };
}

export function SettingsPage(props: { ctx: WebContext; view: SettingsView }) {
  const { ctx, view } = props;
  const { t } = ctx;
  const { user } = view;
  const used = formatSize(view.usage.bytes);
  return (
    <>
      <PageHeader title={t('settings.title')} />
      {user.passwordHash === null ? <Notice kind="warn">{t('settings.noPassword')}</Notice> : null}
      <div class="settings-grid">
        <section class="card" aria-labelledby="keys-title">
          <h2 id="keys-title">
            {icon('key-round')}
            {t('settings.keys')}
          </h2>
          <p class="muted">{t('settings.keysLead')}</p>
          {view.newKey ? (
            <Notice>
              <p>{t('settings.keyCreated')}</p>
              <CopyField id="new-key" label={view.newKey.label} value={view.newKey.key} t={t} />
              <pre>{`curl --fail-with-body -H "X-API-Key: ${view.newKey.key}" -F source=@photo.jpg ${view.endpoint}`}</pre>
            </Notice>
          ) : null}
          {view.keys.length ? (
            <div class="table-wrap">
              <table class="keys">
                <thead>
                  <tr>
                    <th scope="col">{t('field.label')}</th>
                    <th scope="col">{t('settings.keyCreatedAt')}</th>
                    <th scope="col">{t('settings.keyLastUsed')}</th>
                    <th scope="col">
                      <span class="sr-only">{t('settings.keyRevoke')}</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {view.keys.map((key) => (
                    <tr>
                      <td>{key.label}</td>
                      <td>{formatGmt(key.createdAt)}</td>
                      <td>{key.lastUsedAt ? formatGmt(key.lastUsedAt) : t('settings.keyNever')}</td>
                      <td>
                        <PostButton
                          ctx={ctx}
                          action={`/settings/keys/${view.encodeKeyId(key.id)}/revoke`}
                          kind="danger"
                          small
                          label={t('settings.keyRevoke')}
                          target={key.label}
                        />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : (
            <EmptyState icon="key-round" title={t('settings.keyNone')} />
          )}
          <form method="post" action="/settings/keys" class="row wrap">
            <CsrfField ctx={ctx} />
            <label for="key-label">{t('field.label')}</label>
            <input id="key-label" name="label" required maxlength="64" />
            <button type="submit" class="button primary">
              {icon('plus')}
              <span class="label">{t('settings.keyCreate')}</span>
            </button>
          </form>
        </section>
        <section class="card" aria-labelledby="storage-title">
          <h2 id="storage-title">
            {icon('hard-drive')}
            {t('settings.storage')}
          </h2>
          <p>
            {view.usage.quotaMb > 0
              ? t('settings.storageQuota', {
                  used,
                  quota: formatSize(view.usage.quotaMb * 1_000_000),
                  n: view.usage.images,
                })
              : t('settings.storageUsed', { used, n: view.usage.images })}
          </p>
        </section>
        <section class="card" aria-labelledby="clients-title">
          <h2 id="clients-title">
            {icon('sliders-horizontal')}
            {t('settings.clients')}
          </h2>
          <p class="muted">{t('settings.clientsLead')}</p>
          <div class="row wrap">
            <PostButton
              ctx={ctx}
              action="/settings/clients/sharex"
              icon="download"
              label={t('settings.sharex')}
            />
            <PostButton
              ctx={ctx}
              action="/settings/clients/snippets"
              icon="download"
              label={t('settings.snippets')}
            />
          </div>
        </section>
        <section class="card" aria-labelledby="expiry-title">
          <h2 id="expiry-title">
            {icon('clock')}
            {t('settings.expiration')}
          </h2>
          <p class="muted">{t('settings.expirationLead')}</p>
          <form method="post" action="/settings/expiration" class="row wrap">
            <CsrfField ctx={ctx} />
            <label for="default-expiration">{t('field.expiration')}</label>
            <select id="default-expiration" name="expiration">
              <ExpirationOptions ctx={ctx} selected={user.defaultExpiration} />
            </select>
            <button type="submit" class="button primary">
              {t('settings.save')}
            </button>
          </form>
        </section>
        <section class="card" aria-labelledby="password-title">
          <h2 id="password-title">
            {icon('lock')}
            {t('settings.password')}
          </h2>
          <form method="post" action="/settings/password" class="stack">
            <CsrfField ctx={ctx} />
            <input type="hidden" name="username" autocomplete="username" value={user.username} />
            {user.passwordHash !== null ? (
              <>
                <label for="current-password">{t('field.passwordCurrent')}</label>
                <input
                  id="current-password"
                  type="password"
                  name="current"
                  autocomplete="current-password"
                  required
                />
              </>
            ) : null}
            <label for="new-password">{t('field.passwordNew')}</label>
            <input
              id="new-password"
              type="password"
              name="password"
              autocomplete="new-password"
              required
              minlength="8"
            />
            <button type="submit" class="button primary">
              {t('settings.savePassword')}
            </button>
          </form>
        </section>
      </div>
    </>
  );
}
