import type { ApiKeyRow, UserRow } from '../../db/schema/index.ts';
import type { MessageKey } from '../../i18n/index.ts';
import { formatGmt } from '../../services/images/formatting.ts';
import { assetPath } from '../assets.ts';
import type { WebContext } from '../context.ts';
import { csrfField, type Html, html } from '../html.ts';
import { copyField } from '../viewer/pages.ts';

/** The auto-delete choices offered on the pages (the API takes any ISO 8601 duration). */
export const EXPIRATIONS = ['PT5M', 'PT1H', 'P1D', 'P1W', 'P1M', 'P1Y'] as const;

export function expirationOptions(
  ctx: WebContext,
  selected: string | null,
  noneKey: MessageKey = 'expiry.none',
): Html {
  return html`<option value=""${!selected ? html` selected` : ''}>${ctx.t(noneKey)}</option>${EXPIRATIONS.map(
    (value) =>
      html`<option value="${value}"${value === selected ? html` selected` : ''}>${ctx.t(`expiry.${value}`)}</option>`,
  )}`;
}

export interface SettingsView {
  user: UserRow;
  keys: ApiKeyRow[];
  encodeKeyId: (id: number) => string;
  newKey: { label: string; key: string } | null;
  endpoint: string;
}

export function settingsPage(ctx: WebContext, view: SettingsView): { head: Html; body: Html } {
  const { t } = ctx;
  const { user } = view;
  const keyRows = view.keys.length
    ? html`<table class="keys"><thead><tr><th scope="col">${t('field.label')}</th><th scope="col">${t('settings.keyCreatedAt')}</th><th scope="col">${t('settings.keyLastUsed')}</th><th scope="col"><span class="sr-only">${t('settings.keyRevoke')}</span></th></tr></thead><tbody>${view.keys.map(
        (key) =>
          html`<tr><td>${key.label}</td><td>${formatGmt(key.createdAt)}</td><td>${key.lastUsedAt ? formatGmt(key.lastUsedAt) : t('settings.keyNever')}</td><td><form method="post" action="/settings/keys/${view.encodeKeyId(key.id)}/revoke">${csrfField(ctx)}<button type="submit" class="danger small" aria-label="${t('settings.keyRevoke')}: ${key.label}">${t('settings.keyRevoke')}</button></form></td></tr>`,
      )}</tbody></table>`
    : html`<p class="muted">${t('settings.keyNone')}</p>`;
  const created = view.newKey
    ? html`<div class="notice stack" role="status"><p>${t('settings.keyCreated')}</p>${copyField('new-key', view.newKey.label, view.newKey.key, t)}<pre>curl --fail-with-body -H "X-API-Key: ${view.newKey.key}" -F source=@photo.jpg ${view.endpoint}</pre></div>`
    : '';
  const body = html`<h1>${t('settings.title')}</h1>
${user.passwordHash === null ? html`<p class="error" role="alert">${t('settings.noPassword')}</p>` : ''}
<section class="card" aria-labelledby="keys-title"><h2 id="keys-title">${t('settings.keys')}</h2><p class="muted">${t('settings.keysLead')}</p>${created}${keyRows}
<form method="post" action="/settings/keys" class="row wrap">${csrfField(ctx)}<label for="key-label">${t('field.label')}</label><input id="key-label" name="label" required maxlength="64"><button type="submit">${t('settings.keyCreate')}</button></form></section>
<section class="card" aria-labelledby="clients-title"><h2 id="clients-title">${t('settings.clients')}</h2><p class="muted">${t('settings.clientsLead')}</p><div class="row wrap">
<form method="post" action="/settings/clients/sharex">${csrfField(ctx)}<button type="submit" class="secondary">${t('settings.sharex')}</button></form>
<form method="post" action="/settings/clients/snippets">${csrfField(ctx)}<button type="submit" class="secondary">${t('settings.snippets')}</button></form></div></section>
<section class="card" aria-labelledby="expiry-title"><h2 id="expiry-title">${t('settings.expiration')}</h2><p class="muted">${t('settings.expirationLead')}</p>
<form method="post" action="/settings/expiration" class="row wrap">${csrfField(ctx)}<label for="default-expiration">${t('field.expiration')}</label><select id="default-expiration" name="expiration">${expirationOptions(ctx, user.defaultExpiration)}</select><button type="submit">${t('settings.save')}</button></form></section>
<section class="card" aria-labelledby="password-title"><h2 id="password-title">${t('settings.password')}</h2>
<form method="post" action="/settings/password" class="stack">${csrfField(ctx)}<input type="hidden" name="username" autocomplete="username" value="${user.username}">
${user.passwordHash !== null ? html`<label for="current-password">${t('field.passwordCurrent')}</label><input id="current-password" type="password" name="current" autocomplete="current-password" required>` : ''}
<label for="new-password">${t('field.passwordNew')}</label><input id="new-password" type="password" name="password" autocomplete="new-password" required minlength="8">
<button type="submit">${t('settings.savePassword')}</button></form></section>`;
  return { head: html`<script src="${assetPath('uploader.js')}" defer></script>`, body };
}

/** A ShareX custom uploader for this server and key. */
export function sharexConfig(baseUrl: string, key: string): string {
  const host = new URL(baseUrl).host;
  return `${JSON.stringify(
    {
      Version: '17.0.0',
      Name: `Upshot (${host})`,
      DestinationType: 'ImageUploader, FileUploader',
      RequestMethod: 'POST',
      RequestURL: `${baseUrl}/api/1/upload`,
      Headers: { 'X-API-Key': key },
      Body: 'MultipartFormData',
      FileFormName: 'source',
      URL: '{json:image.url}',
      ThumbnailURL: '{json:image.thumb.url}',
      DeletionURL: '{json:image.delete_url}',
      ErrorMessage: '{json:error.message}',
    },
    null,
    2,
  )}\n`;
}

/** PicGo (web-uploader plugin) and Flameshot set-ups for this server and key. */
export function clientSnippets(baseUrl: string, key: string): string {
  const endpoint = `${baseUrl}/api/1/upload`;
  const picgo = {
    picBed: {
      uploader: 'web-uploader',
      current: 'web-uploader',
      'web-uploader': {
        url: endpoint,
        paramName: 'source',
        jsonPath: 'image.url',
        customHeader: JSON.stringify({ 'X-API-Key': key }),
        customBody: '',
      },
    },
    picgoPlugins: { 'picgo-plugin-web-uploader': true },
  };
  return `# Upshot client set-up for ${baseUrl}
# Keep this file private: it holds an API key.

# PicGo / PicList: install the "web-uploader" plugin, then merge this into the config
# (or fill the same values in the plugin's settings).
${JSON.stringify(picgo, null, 2)}

# Flameshot (Linux): take a screenshot, upload it, and put its link on the clipboard.
flameshot gui --raw | curl --fail-with-body -s -H "X-API-Key: ${key}" -F "source=@-;filename=screenshot.png" -F format=txt ${endpoint} | xclip -selection clipboard

# Any script: upload a file and print its link.
curl --fail-with-body -s -H "X-API-Key: ${key}" -F source=@photo.jpg -F format=txt ${endpoint}
`;
}
