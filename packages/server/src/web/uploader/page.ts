import type { AlbumRow } from '../../db/schema/index.ts';
import { type MessageKey, messagesFor } from '../../i18n/index.ts';
import { assetPath } from '../assets.ts';
import type { WebContext } from '../context.ts';
import { fill, Html, html } from '../html.ts';
import { EXPIRATIONS } from '../settings/pages.ts';

/** Strings the uploader script shows; sent in the page so the script has no text of its own. */
const SCRIPT_KEYS: readonly MessageKey[] = [
  'upload.progress',
  'upload.progressOne',
  'upload.complete',
  'upload.partial',
  'upload.failedSummary',
  'upload.noneUploaded',
  'upload.noneReason',
  'upload.status.queued',
  'upload.status.uploading',
  'upload.status.done',
  'upload.status.failed',
  'upload.errorReason',
  'upload.networkError',
  'upload.customize',
  'upload.done',
  'upload.remove',
  'upload.copy',
  'upload.copied',
  'upload.albumCreated',
  'albums.nameRequired',
  'albums.untitled',
  'field.title',
  'field.description',
  'field.tags',
  'field.album',
  'field.noAlbum',
  'field.expiration',
  'field.nsfw',
  'expiry.default',
  'expiry.none',
  'embed.viewer',
  'embed.direct',
  'embed.markdown',
  'embed.html',
  'embed.bbcode',
  ...EXPIRATIONS.map((value) => `expiry.${value}` as MessageKey),
];

export interface UploaderView {
  guestUploads: boolean;
  guestExpiration: string;
  maxMb: number;
  albums: AlbumRow[];
  encodeAlbum: (id: number) => string;
}

/** `P1D` → "1 day"-like text for the guest notice, via the expiry labels when they match. */
function policyText(ctx: WebContext, duration: string): string {
  if ((EXPIRATIONS as readonly string[]).includes(duration)) {
    return ctx
      .t(`expiry.${duration}` as MessageKey)
      .replace(/^After |后$/g, '')
      .trim();
  }
  return duration;
}

export function uploaderPage(ctx: WebContext, view: UploaderView): { head: Html; body: Html } {
  const { t } = ctx;
  const signedIn = ctx.signedIn !== null;
  const canUpload = signedIn || view.guestUploads;
  const data = {
    messages: messagesFor(ctx.locale, SCRIPT_KEYS),
    signedIn,
    albums: view.albums.map((album) => ({ id: view.encodeAlbum(album.id), name: album.name })),
    expirations: EXPIRATIONS,
    maxBytes: Math.floor(view.maxMb * 1_000_000),
  };
  // JSON inside <script> must not close the element: escape '<'.
  const json = JSON.stringify(data).replace(/</g, '\\u003c');
  const head = html`<script src="${assetPath('uploader.js')}" defer></script>`;
  if (!canUpload) {
    return {
      head,
      body: html`<section class="hero"><h1>${t('upload.title')}</h1><p>${fill(t('upload.guestOff'), { signIn: html`<a href="/signin">${t('nav.signIn')}</a>` })}</p></section>`,
    };
  }
  const body = html`<section id="uploader" class="uploader" data-endpoint="/api/1/upload" data-csrf="${ctx.csrf}">
<script type="application/json" id="uploader-data">${new Html(json)}</script>
<div id="dropzone" class="dropzone"><h1>${t('upload.title')}</h1><p class="lead">${t('upload.lead')}</p>
<p>${fill(t('upload.browse'), { browse: html`<button type="button" class="link" id="browse">${t('upload.browseLink')}</button>` })}</p>
<input type="file" id="file-input" class="sr-only" multiple accept="image/jpeg,image/png,image/gif,image/webp,image/avif,image/bmp,video/mp4,video/webm,video/quicktime,.bmp,.avif,.mov" aria-label="${t('upload.pick')}" tabindex="-1">
<p class="muted small">${t('upload.maxSize', { size: view.maxMb })}</p>
${signedIn ? '' : html`<p class="guest-note"><a href="/signup">${t('upload.guestNotice')}</a><br><span class="muted small">${t('upload.guestExpiry', { time: policyText(ctx, view.guestExpiration) })}</span></p>`}</div>
<section id="queue-section" class="card" hidden aria-labelledby="queue-title"><h2 id="queue-title">${t('upload.queue')}</h2><p class="muted small">${t('upload.hintClick')}</p><ul id="queue" class="queue"></ul>
<div class="row wrap"><button type="button" id="start">${t('upload.start')}</button><button type="button" id="clear" class="secondary">${t('upload.clear')}</button></div></section>
<section id="progress-section" class="card" hidden><p id="progress-text" role="status" aria-live="polite"></p><progress id="progress-total" max="100" value="0" aria-labelledby="progress-text"></progress><p class="muted small">${t('upload.wait')}</p></section>
<section id="results" class="card" hidden aria-labelledby="results-title"><h2 id="results-title" tabindex="-1"></h2><p id="results-summary"></p><ul id="result-list" class="results"></ul>
${
  signedIn
    ? html`<form id="album-form" class="row wrap"><label for="album-name">${t('field.name')}</label><input id="album-name" name="name" maxlength="100" placeholder="${t('albums.untitled')}"><label for="album-privacy">${t('field.privacy')}</label><select id="album-privacy" name="privacy"><option value="public">${t('privacy.public')}</option><option value="unlisted">${t('privacy.unlisted')}</option><option value="private">${t('privacy.private')}</option></select><button type="submit" id="album-create">${t('upload.createAlbum')}</button></form><p id="album-result" role="status"></p>`
    : html`<p class="guest-note">${fill(t('upload.saveHint'), { signUp: html`<a href="/signup">${t('upload.saveHintSignUp')}</a>`, signIn: html`<a href="/signin">${t('upload.saveHintSignIn')}</a>` })}</p>`
}
<p><button type="button" id="more" class="secondary">${t('upload.moreUploads')}</button></p></section>
</section>`;
  return { head, body };
}
