import type { ComparedFile, Comparison, ReviewImage } from '@upshot/schema';
import { type MessageKey, messagesFor } from '../../i18n/index.ts';
import type { WebContext } from '../context.ts';
import { Html, html } from '../html.ts';
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

function picture(ctx: WebContext, image: ReviewImage | null, label: string, name: string): Html {
  if (!image) {
    return html`<figure class="pane missing"><figcaption>${label}</figcaption><p class="muted">${ctx.t('review.gone')}</p></figure>`;
  }
  return html`<figure class="pane"><figcaption>${label} <span class="muted small">${size(image)}</span></figcaption><a href="${image.url}"><img src="${image.url}" alt="${label}: ${name}" width="${image.width}" height="${image.height}" loading="lazy"></a></figure>`;
}

/** Before and after stacked; the slider uncovers the after image from the left. */
function slider(ctx: WebContext, file: ComparedFile, id: string): Html {
  const { before, after, diff } = file;
  if (!before || !after) return html``;
  const width = Math.max(before.width, after.width, 1);
  const height = Math.max(before.height, after.height, 1);
  const layer = (image: ReviewImage, cls: string, alt: string) =>
    html`<img class="${cls}" src="${image.url}" alt="${alt}" loading="lazy" style="width:${((image.width / width) * 100).toFixed(4)}%">`;
  return html`<div class="overlay"><div class="stack-view" style="aspect-ratio:${width} / ${height};max-width:${width}px">${layer(before, 'under', `${ctx.t('review.before')}: ${file.name}`)}${layer(after, 'over over-after', `${ctx.t('review.after')}: ${file.name}`)}${diff ? layer(diff, 'over over-diff', `${ctx.t('review.diff')}: ${file.name}`) : ''}<span class="handle" aria-hidden="true"></span></div>
<label class="slider-label" for="${id}-slider">${ctx.t('review.slider')}</label><input type="range" class="slider" id="${id}-slider" min="0" max="100" step="1" value="50"></div>`;
}

function changedItem(ctx: WebContext, file: ComparedFile, index: number): Html {
  const { t } = ctx;
  const id = `change-${index + 1}`;
  const share = formatShare(file.changed_ratio, ctx.locale);
  const sizes =
    file.size_changed && file.before && file.after
      ? html`<span class="badge">${t('review.sizeChanged', { before: size(file.before), after: size(file.after) })}</span>`
      : '';
  return html`<li class="change card" id="${id}" tabindex="-1" data-index="${index}" data-name="${file.name}">
<h3><code>${file.name}</code> <span class="share">${t('review.share', { share })}</span> ${sizes}</h3>
<div class="panes">${picture(ctx, file.before, t('review.before'), file.name)}${picture(ctx, file.after, t('review.after'), file.name)}${file.diff ? html`<div class="diff-pane">${picture(ctx, file.diff, t('review.diff'), file.name)}</div>` : html`<p class="diff-pane muted small">${t('review.noDiff')}</p>`}</div>
${slider(ctx, file, id)}
</li>`;
}

function thumbList(files: ComparedFile[], pick: 'before' | 'after', ctx: WebContext): Html {
  return html`<ul class="grid review-grid">${files.map((file) => {
    const image = file[pick];
    return html`<li class="tile">${image ? html`<a href="${image.url}"><img src="${image.preview_url}" alt="${file.name}" loading="lazy"></a>` : html`<span class="placeholder">${ctx.t('review.gone')}</span>`}<span class="tile-title"><code>${file.name}</code></span></li>`;
  })}</ul>`;
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
  const head = html`<meta name="robots" content="noindex"><link rel="stylesheet" href="${reviewAssetPath('review.css')}"><script src="${reviewAssetPath('review.js')}" defer></script>`;
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
  const data = JSON.stringify({ messages: messagesFor(ctx.locale, SCRIPT_KEYS) }).replace(
    /</g,
    '\\u003c',
  );
  const toolbar =
    changed.length > 0
      ? html`<div class="review-toolbar" role="toolbar" aria-label="${t('review.view')}"><div class="segmented" role="group" aria-label="${t('review.view')}"><button type="button" class="secondary" data-view="side" aria-pressed="true">${t('review.viewSide')}</button><button type="button" class="secondary" data-view="slider" aria-pressed="false">${t('review.viewSlider')}</button></div><button type="button" class="secondary" id="diff-toggle" aria-pressed="false">${t('review.showDiff')}</button></div><p class="muted small" id="review-keys">${t('review.keys')}</p><p class="sr-only" id="review-status" role="status" aria-live="polite"></p>`
      : '';
  const body = html`<article class="review" id="review" data-view="side" data-diff="off">
<script type="application/json" id="review-data">${new Html(data)}</script>
<header class="review-head"><h1>${t('review.heading', { project: comparison.project })}</h1>
<p class="muted">${from ? html`${from} · ` : ''}${comparison.commit ? html`<code>${comparison.commit.slice(0, 7)}</code> · ` : ''}${against}</p>
<p class="review-summary"><strong>${t('review.summary', summary)}</strong></p>${toolbar}</header>
${
  changed.length > 0
    ? html`<section aria-labelledby="changed-title"><h2 id="changed-title">${t('review.changed', { n: changed.length })}</h2><ol class="changes">${changed.map((file, i) => changedItem(ctx, file, i))}</ol></section>`
    : html`<p class="notice">${t('review.nothingChanged')}</p>`
}
${added.length > 0 ? html`<section aria-labelledby="added-title"><h2 id="added-title">${t('review.added', { n: added.length })}</h2>${thumbList(added, 'after', ctx)}</section>` : ''}
${removed.length > 0 ? html`<section aria-labelledby="removed-title"><h2 id="removed-title">${t('review.removed', { n: removed.length })}</h2>${thumbList(removed, 'before', ctx)}</section>` : ''}
${unchanged.length > 0 ? html`<details class="unchanged"><summary>${t('review.unchanged', { n: unchanged.length })}</summary><ul>${unchanged.map((file) => html`<li>${file.after ? html`<a href="${file.after.url}"><code>${file.name}</code></a>` : html`<code>${file.name}</code>`}</li>`)}</ul></details>` : ''}
</article>`;
  return { head, body };
}
