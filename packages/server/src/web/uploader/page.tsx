/** @jsxImportSource @upshot/server */
import type { AlbumRow } from '../../db/schema/index.ts';
import { humanDuration, type MessageKey, messagesFor } from '../../i18n/index.ts';
import { durationSeconds } from '../../services/uploads/expiration.ts';
import type { WebContext } from '../context.ts';
import { EXPIRATIONS, expiryLabel } from '../settings/pages.tsx';
import { fill, LinkButton, Notice } from '../ui/components.tsx';
import { icon } from '../ui/icons.ts';
import { EMBED_KINDS } from '../ui/media.ts';

/** Strings the uploader script shows; sent in the page so the script has no text of its own. */
export const SCRIPT_KEYS: readonly MessageKey[] = [
  'upload.progress',
  'upload.queueCount',
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
  'upload.copied',
  'upload.albumCreated',
  'albums.untitled',
];

export interface UploaderView {
  guestUploads: boolean;
  guestExpiration: string;
  maxMb: number;
  albums: AlbumRow[];
  encodeAlbum: (id: number) => string;
  now: Date;
}

/**
 * The auto-delete choices of one file. A user may pick any, the default being their
 * account's. A guest's upload lives at most the guest policy: the choices stop there and
 * the default is the policy itself, so the form says what will happen.
 */
function ExpirationSelect(props: { ctx: WebContext; view: UploaderView }) {
  const { ctx, view } = props;
  const { t } = ctx;
  if (ctx.signedIn) {
    return (
      <select name="expiration" data-field="expiration" id="item-expiration">
        <option value="">{t('expiry.default')}</option>
        <option value="0">{t('expiry.none')}</option>
        {EXPIRATIONS.map((value) => (
          <option value={value}>{t(`expiry.${value}`)}</option>
        ))}
      </select>
    );
  }
  const policy = Math.round(durationSeconds(view.guestExpiration, view.now));
  const shorter = EXPIRATIONS.filter(
    (value) => value !== view.guestExpiration && durationSeconds(value, view.now) < policy,
  );
  return (
    <select name="expiration" data-field="expiration" id="item-expiration">
      <option value="" selected>
        {expiryLabel(ctx, view.guestExpiration)}
      </option>
      {shorter.map((value) => (
        <option value={value}>{t(`expiry.${value}`)}</option>
      ))}
    </select>
  );
}

/** One queued file, cloned by the script for each file (its ids get the file's number). */
function QueueItemTemplate(props: { ctx: WebContext; view: UploaderView }) {
  const { ctx, view } = props;
  const { t } = ctx;
  return (
    <template id="queue-item">
      <li class="item" data-status="queued">
        <div class="item-row">
          <button type="button" class="item-thumb" data-toggle-preview>
            <img alt="" data-preview />
          </button>
          <div class="item-main">
            <p class="item-name" data-name />
            <p class="item-meta muted small">
              <span data-size />
              <span data-status-text />
            </p>
            <progress max="100" value="0" data-progress />
            <p class="item-error" role="alert" data-error hidden />
          </div>
          <div class="item-actions">
            <button type="button" class="button secondary small" data-toggle aria-expanded="false">
              {icon('sliders-horizontal')}
              <span class="label" data-toggle-label>
                {t('upload.customize')}
              </span>
            </button>
            <button
              type="button"
              class="icon-button"
              data-remove
              aria-label={t('a11y.action', { action: t('upload.remove'), target: '{file}' })}
            >
              {icon('x')}
            </button>
          </div>
        </div>
        <fieldset class="item-panel" data-panel hidden>
          <legend class="sr-only">{t('upload.customize')}</legend>
          <div class="field">
            <label for="item-title">{t('field.title')}</label>
            <input name="title" maxlength="100" data-field="title" id="item-title" />
          </div>
          <div class="field">
            <label for="item-tags">{t('field.tags')}</label>
            <input name="tags" data-field="tags" id="item-tags" />
          </div>
          <div class="field wide">
            <label for="item-description">{t('field.description')}</label>
            <textarea name="description" rows="2" data-field="description" id="item-description" />
          </div>
          {ctx.signedIn && view.albums.length > 0 ? (
            <div class="field">
              <label for="item-album_id">{t('field.album')}</label>
              <select name="album_id" data-field="album_id" id="item-album_id">
                <option value="">{t('field.noAlbum')}</option>
                {view.albums.map((album) => (
                  <option value={view.encodeAlbum(album.id)}>{album.name}</option>
                ))}
              </select>
            </div>
          ) : null}
          <div class="field">
            <label for="item-expiration">{t('field.expiration')}</label>
            <ExpirationSelect ctx={ctx} view={view} />
          </div>
          <label class="check wide">
            <input type="checkbox" name="nsfw" value="1" data-field="nsfw" id="item-nsfw" />{' '}
            {t('field.nsfw')}
          </label>
        </fieldset>
      </li>
    </template>
  );
}

/** One uploaded file in the results, filled in by the script. */
function ResultTemplate(props: { ctx: WebContext }) {
  const { t } = props.ctx;
  return (
    <template id="result-item">
      <li class="result ok">
        <a class="result-thumb" data-link href="/">
          <img alt="" data-thumb />
        </a>
        <div class="codes">
          <p class="result-title">
            <strong data-title />
            <a class="muted small" data-open href="/">
              {icon('external-link')}
              {t('upload.open')}
            </a>
          </p>
          {EMBED_KINDS.map((kind) => (
            <div class="copy-row" data-code={kind}>
              <label for={`code-${kind}`}>{t(`embed.${kind}`)}</label>
              <div class="copy-field">
                <input class="code" readonly data-kind={kind} id={`code-${kind}`} />
                <button
                  type="button"
                  class="button secondary icon-button"
                  data-copy=""
                  data-copied={t('upload.copied')}
                >
                  {icon('copy')}
                  <span class="label">{t('upload.copy')}</span>
                </button>
              </div>
            </div>
          ))}
        </div>
      </li>
    </template>
  );
}

export function UploaderPage(props: { ctx: WebContext; view: UploaderView }) {
  const { ctx, view } = props;
  const { t } = ctx;
  const signedIn = ctx.signedIn !== null;
  if (!signedIn && !view.guestUploads) {
    return (
      <section class="hero">
        <h1>{t('upload.title')}</h1>
        <Notice kind="info">
          {fill(t('upload.guestOff'), { signIn: <a href="/signin">{t('nav.signIn')}</a> })}
        </Notice>
      </section>
    );
  }
  const guestTime = humanDuration(t, view.guestExpiration);
  return (
    <section id="uploader" class="uploader" data-endpoint="/api/1/upload" data-csrf={ctx.csrf}>
      <div id="dropzone" class="dropzone">
        <span class="dropzone-icon">{icon('cloud-upload')}</span>
        <h1>{t('upload.title')}</h1>
        <p class="lead">{t('upload.lead')}</p>
        <p>
          {fill(t('upload.browse'), {
            browse: (
              <button type="button" class="link" id="browse">
                {t('upload.browseLink')}
              </button>
            ),
          })}
        </p>
        <input
          type="file"
          id="file-input"
          class="sr-only"
          multiple
          accept="image/jpeg,image/png,image/gif,image/webp,image/avif,image/bmp,video/mp4,video/webm,video/quicktime,.bmp,.avif,.mov"
          aria-label={t('upload.pick')}
          tabindex="-1"
        />
        <p class="muted small">{t('upload.maxSize', { size: view.maxMb })}</p>
        {signedIn ? null : (
          <p class="guest-note">
            <a href="/signup">{t('upload.guestNotice')}</a>
            <br />
            <span class="muted small">{t('upload.guestExpiry', { time: guestTime })}</span>
          </p>
        )}
      </div>
      <div class="drop-overlay" aria-hidden="true">
        {icon('cloud-upload')}
        <span>{t('upload.dropOverlay')}</span>
      </div>
      <section id="queue-section" class="card" hidden aria-labelledby="queue-title">
        <div class="section-head">
          <h2 id="queue-title">{t('upload.queue')}</h2>
          <span class="muted small" id="queue-count" />
        </div>
        <p class="muted small">{t('upload.hintClick')}</p>
        <ul id="queue" class="queue" />
        <div class="row wrap queue-actions">
          <button type="button" id="start" class="button primary">
            {icon('upload')}
            <span class="label">{t('upload.start')}</span>
          </button>
          <button type="button" id="add-more" class="button secondary">
            {icon('plus')}
            <span class="label">{t('upload.addMore')}</span>
          </button>
          <button type="button" id="clear" class="button ghost">
            {t('upload.clear')}
          </button>
        </div>
      </section>
      <section id="progress-section" class="card" hidden>
        <p id="progress-text" role="status" aria-live="polite" />
        <progress id="progress-total" max="100" value="0" aria-labelledby="progress-text" />
        <p class="muted small">{t('upload.wait')}</p>
      </section>
      <section id="results" class="card" hidden aria-labelledby="results-title">
        <h2 id="results-title" tabindex="-1">
          {t('upload.complete')}
        </h2>
        <p id="results-summary" />
        <div class="row wrap results-tools">
          <label for="embed-kind">{t('upload.embedAs')}</label>
          <select id="embed-kind">
            {EMBED_KINDS.map((kind) => (
              <option value={kind}>{t(`embed.${kind}`)}</option>
            ))}
          </select>
          <button
            type="button"
            class="button secondary"
            id="copy-all"
            data-copied={t('upload.copied')}
          >
            {icon('copy')}
            <span class="label">{t('upload.copyAll')}</span>
          </button>
        </div>
        <ul id="result-list" class="results" />
        {signedIn ? (
          <>
            <form id="album-form" class="row wrap">
              <label for="album-name">{t('field.name')}</label>
              <input
                id="album-name"
                name="name"
                maxlength="100"
                placeholder={t('albums.untitled')}
              />
              <label for="album-privacy">{t('field.privacy')}</label>
              <select id="album-privacy" name="privacy">
                <option value="public">{t('privacy.public')}</option>
                <option value="unlisted">{t('privacy.unlisted')}</option>
                <option value="private">{t('privacy.private')}</option>
              </select>
              <button type="submit" id="album-create" class="button secondary">
                {icon('folder-plus')}
                <span class="label">{t('upload.createAlbum')}</span>
              </button>
            </form>
            <p id="album-result" role="status" />
          </>
        ) : (
          <p class="guest-note">
            {fill(t('upload.saveHint'), {
              signUp: <a href="/signup">{t('upload.saveHintSignUp')}</a>,
              signIn: <a href="/signin">{t('upload.saveHintSignIn')}</a>,
            })}
          </p>
        )}
        <p>
          <button type="button" id="more" class="button secondary">
            {icon('upload')}
            <span class="label">{t('upload.moreUploads')}</span>
          </button>
          {signedIn ? (
            <>
              {' '}
              <LinkButton href="/account" icon="images" kind="ghost">
                {t('nav.myImages')}
              </LinkButton>
            </>
          ) : null}
        </p>
      </section>
      <QueueItemTemplate ctx={ctx} view={view} />
      <ResultTemplate ctx={ctx} />
    </section>
  );
}

/** What the uploader script reads from the page (`#page-data`). */
export function uploaderData(ctx: WebContext, view: UploaderView) {
  return {
    messages: messagesFor(ctx.locale, SCRIPT_KEYS),
    locale: ctx.locale,
    signedIn: ctx.signedIn !== null,
    maxBytes: Math.floor(view.maxMb * 1_000_000),
  };
}
