/** @jsxImportSource @upshot/server */
// The review page of one comparison (README: Visual review): changed screenshots side by
// side with a slider and a diff toggle, then new, removed and unchanged ones.
import type { ComparedFile, Comparison, ReviewImage } from '@upshot/schema';
import { type MessageKey, messagesFor } from '../../i18n/index.ts';
import type { WebContext } from '../context.ts';
import { type Html, raw } from '../html.ts';
import { reviewAssetPath } from './assets.ts';

/** Strings the review script shows; sent in the page so the script has no text of its own. */
const SCRIPT_KEYS: readonly MessageKey[] = ['review.position'];

const size = (image: { width: number; height: number }) => `${image.width} × ${image.height}`;

/** "12.3 %"-like share of changed pixels: small shares keep their digits, none reads 0. */
export function formatShare(ratio: number, locale: string): string {
  const digits = ratio > 0 && ratio < 0.001 ? 3 : ratio < 0.1 ? 2 : 1;
  return new Intl.NumberFormat(locale, {
    style: 'percent',
    maximumFractionDigits: digits,
    minimumFractionDigits: 0,
  }).format(ratio);
}

function Picture(props: {
  ctx: WebContext;
  image: ReviewImage | null;
  label: string;
  name: string;
}): Html {
  const { ctx, image, label, name } = props;
  if (!image) {
    return (
      <figure class="pane missing">
        <figcaption>{label}</figcaption>
        <p class="muted">{ctx.t('review.gone')}</p>
      </figure>
    );
  }
  return (
    <figure class="pane">
      <figcaption>
        {label} <span class="muted small">{size(image)}</span>
      </figcaption>
      <a href={image.url}>
        <img
          src={image.url}
          alt={`${label}: ${name}`}
          width={String(image.width)}
          height={String(image.height)}
          loading="lazy"
        />
      </a>
    </figure>
  );
}

/** Before and after stacked; the slider uncovers the after image from the left. */
function Slider(props: { ctx: WebContext; file: ComparedFile; id: string }): Html {
  const { ctx, file, id } = props;
  const { before, after, diff } = file;
  if (!before || !after) return raw('');
  const width = Math.max(before.width, after.width, 1);
  const height = Math.max(before.height, after.height, 1);
  const layer = (image: ReviewImage, cls: string, alt: string) => (
    <img
      class={cls}
      src={image.url}
      alt={alt}
      loading="lazy"
      style={`width:${((image.width / width) * 100).toFixed(4)}%`}
    />
  );
  return (
    <div class="overlay">
      <div class="stack-view" style={`aspect-ratio:${width} / ${height};max-width:${width}px`}>
        {layer(before, 'under', `${ctx.t('review.before')}: ${file.name}`)}
        {layer(after, 'over over-after', `${ctx.t('review.after')}: ${file.name}`)}
        {diff ? layer(diff, 'over over-diff', `${ctx.t('review.diff')}: ${file.name}`) : null}
        <span class="handle" aria-hidden="true" />
      </div>
      <label class="slider-label" for={`${id}-slider`}>
        {ctx.t('review.slider')}
      </label>
      <input
        type="range"
        class="slider"
        id={`${id}-slider`}
        min="0"
        max="100"
        step="1"
        value="50"
      />
    </div>
  );
}

function ChangedItem(props: { ctx: WebContext; file: ComparedFile; index: number }): Html {
  const { ctx, file, index } = props;
  const { t } = ctx;
  const id = `change-${index + 1}`;
  const share = formatShare(file.changed_ratio, ctx.locale);
  return (
    <li class="change card" id={id} tabindex="-1" data-index={String(index)} data-name={file.name}>
      <h3>
        <code>{file.name}</code> <span class="share">{t('review.share', { share })}</span>{' '}
        {file.size_changed && file.before && file.after ? (
          <span class="badge">
            {t('review.sizeChanged', { before: size(file.before), after: size(file.after) })}
          </span>
        ) : null}
      </h3>
      <div class="panes">
        <Picture ctx={ctx} image={file.before} label={t('review.before')} name={file.name} />
        <Picture ctx={ctx} image={file.after} label={t('review.after')} name={file.name} />
        {file.diff ? (
          <div class="diff-pane">
            <Picture ctx={ctx} image={file.diff} label={t('review.diff')} name={file.name} />
          </div>
        ) : (
          <p class="diff-pane muted small">{t('review.noDiff')}</p>
        )}
      </div>
      <Slider ctx={ctx} file={file} id={id} />
    </li>
  );
}

function ThumbList(props: {
  files: ComparedFile[];
  pick: 'before' | 'after';
  ctx: WebContext;
}): Html {
  return (
    <ul class="grid review-grid">
      {props.files.map((file) => {
        const image = file[props.pick];
        return (
          <li class="tile">
            {image ? (
              <a href={image.url}>
                <img src={image.preview_url} alt={file.name} loading="lazy" />
              </a>
            ) : (
              <span class="placeholder">{props.ctx.t('review.gone')}</span>
            )}
            <span class="tile-title">
              <code>{file.name}</code>
            </span>
          </li>
        );
      })}
    </ul>
  );
}

export function reviewPage(ctx: WebContext, comparison: Comparison): { head: Html; body: Html } {
  const { t } = ctx;
  const by = (status: ComparedFile['status']) =>
    comparison.files.filter((file) => file.status === status);
  const changed = by('changed');
  const added = by('added');
  const removed = by('removed');
  const unchanged = by('unchanged');
  const { summary, baseline } = comparison;
  const head = (
    <>
      <meta name="robots" content="noindex" />
      <link rel="stylesheet" href={reviewAssetPath('review.css')} />
      <script src={reviewAssetPath('review.js')} defer />
    </>
  );
  const from = comparison.pull_request
    ? t('review.pr', { number: comparison.pull_request })
    : comparison.head_branch
      ? t('review.branch', { branch: comparison.head_branch })
      : '';
  const against = baseline
    ? baseline.commit
      ? t('review.compared', {
          base: comparison.base_branch,
          commit: baseline.commit.slice(0, 7),
          date: baseline.created_at,
        })
      : t('review.comparedNoCommit', { base: comparison.base_branch, date: baseline.created_at })
    : t('review.noBaseline', { base: comparison.base_branch });
  // JSON for the script, with `<` escaped so it cannot close the script element.
  const data = JSON.stringify({ messages: messagesFor(ctx.locale, SCRIPT_KEYS) }).replace(
    /</g,
    '\\u003c',
  );
  const body = (
    <article class="review" id="review" data-view="side" data-diff="off">
      <script type="application/json" id="review-data">
        {raw(data)}
      </script>
      <header class="review-head">
        <h1>{t('review.heading', { project: comparison.project })}</h1>
        <p class="muted">
          {from ? `${from} · ` : null}
          {comparison.commit ? (
            <>
              <code>{comparison.commit.slice(0, 7)}</code> ·{' '}
            </>
          ) : null}
          {against}
        </p>
        <p class="review-summary">
          <strong>{t('review.summary', summary)}</strong>
        </p>
        {changed.length > 0 ? (
          <>
            <div class="review-toolbar" role="toolbar" aria-label={t('review.view')}>
              <fieldset class="segmented">
                <legend class="sr-only">{t('review.view')}</legend>
                <button type="button" class="secondary" data-view="side" aria-pressed="true">
                  {t('review.viewSide')}
                </button>
                <button type="button" class="secondary" data-view="slider" aria-pressed="false">
                  {t('review.viewSlider')}
                </button>
              </fieldset>
              <button type="button" class="secondary" id="diff-toggle" aria-pressed="false">
                {t('review.showDiff')}
              </button>
            </div>
            <p class="muted small" id="review-keys">
              {t('review.keys')}
            </p>
            <p class="sr-only" id="review-status" role="status" aria-live="polite" />
          </>
        ) : null}
      </header>
      {changed.length > 0 ? (
        <section aria-labelledby="changed-title">
          <h2 id="changed-title">{t('review.changed', { n: changed.length })}</h2>
          <ol class="changes">
            {changed.map((file, i) => (
              <ChangedItem ctx={ctx} file={file} index={i} />
            ))}
          </ol>
        </section>
      ) : (
        <p class="notice">{t('review.nothingChanged')}</p>
      )}
      {added.length > 0 ? (
        <section aria-labelledby="added-title">
          <h2 id="added-title">{t('review.added', { n: added.length })}</h2>
          <ThumbList files={added} pick="after" ctx={ctx} />
        </section>
      ) : null}
      {removed.length > 0 ? (
        <section aria-labelledby="removed-title">
          <h2 id="removed-title">{t('review.removed', { n: removed.length })}</h2>
          <ThumbList files={removed} pick="before" ctx={ctx} />
        </section>
      ) : null}
      {unchanged.length > 0 ? (
        <details class="unchanged">
          <summary>{t('review.unchanged', { n: unchanged.length })}</summary>
          <ul>
            {unchanged.map((file) => (
              <li>
                {file.after ? (
                  <a href={file.after.url}>
                    <code>{file.name}</code>
                  </a>
                ) : (
                  <code>{file.name}</code>
                )}
              </li>
            ))}
          </ul>
        </details>
      ) : null}
    </article>
  );
  return { head, body };
}
