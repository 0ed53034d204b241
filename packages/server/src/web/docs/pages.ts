import type { Config } from '../../config.ts';
import type { MessageKey } from '../../i18n/index.ts';
import type { Web } from '../context.ts';
import { html } from '../html.ts';

interface OpenApiLike {
  paths: Record<
    string,
    Record<string, { summary?: string; parameters?: { name: string; description?: string }[] }>
  >;
  components: { schemas: Record<string, unknown> };
}

interface SchemaLike {
  properties?: Record<string, { description?: string; type?: string }>;
  required?: string[];
}

const PARAMETERS = [
  'source',
  'key',
  'title',
  'description',
  'tags',
  'album_id',
  'category_id',
  'width',
  'expiration',
  'nsfw',
  'format',
] as const;

/** The human API page, like the original document; shows the guest key when guests may upload. */
export async function apiV1Page(
  web: Web,
  request: Request,
  config: Config,
  guestKey: string | null,
): Promise<Response> {
  const ctx = await web.context(request);
  const { t } = ctx;
  const endpoint = `${config.baseUrl}/api/1/upload`;
  const body = html`<h1>${t('api.title')}</h1>
<p>${t('api.lead')}</p>
${guestKey ? html`<div class="card"><h2>${t('api.guestKey')}</h2><p><input class="code" readonly value="${guestKey}" aria-label="${t('api.guestKey')}" style="width:100%"></p><p class="muted">${t('api.guestKeyNote', { time: config.guestExpiration.replace(/^P(T?)/, '') })}</p></div>` : html`<p class="muted">${t('api.ownKey')}</p>`}
<div class="card"><h2>${t('api.method')}</h2><p>${t('api.methodText')}</p>
<h2>${t('api.url')}</h2><pre>${endpoint}</pre>
<h2>${t('api.auth')}</h2><p>${t('api.authText')}</p><pre>X-API-Key: chv_key_here</pre></div>
<div class="card"><h2>${t('api.params')}</h2><table>${PARAMETERS.map((name) => html`<tr><th scope="row"><code>${name}</code>${name === 'source' ? '' : html` <span class="muted">(${t('api.optional')})</span>`}</th><td>${t(`api.p.${name}` as MessageKey)}</td></tr>`)}</table></div>
<div class="card"><h2>${t('api.example')}</h2><pre>curl --fail-with-body -X POST \\
  -H "X-API-Key: YOUR_API_KEY" \\
  -F "source=@example.jpg" \\
  ${endpoint}</pre>
<h2>${t('api.reply')}</h2><p>${t('api.replyText')}</p>
<p>${t('api.more')} <a href="/api/docs">${t('api.reference')}</a> · <a href="/api/openapi.json">${t('api.openapi')}</a></p></div>`;
  return web.render(ctx, { title: 'API' }, body);
}

/** A readable page generated from the OpenAPI document (no external scripts; the document is English). */
export async function apiDocsPage(
  web: Web,
  request: Request,
  openapi: OpenApiLike,
): Promise<Response> {
  const ctx = await web.context(request);
  const operations = Object.entries(openapi.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({
      path,
      method: method.toUpperCase(),
      summary: op.summary ?? '',
    })),
  );
  const schemas = Object.entries(openapi.components.schemas as Record<string, SchemaLike>);
  const body = html`<h1>${ctx.t('api.reference')}</h1><p><a href="/api/openapi.json">${ctx.t('api.openapi')}</a></p>
<div class="card"><h2>Operations</h2><table>${operations.map((op) => html`<tr><td><code>${op.method} ${op.path}</code></td><td lang="en">${op.summary}</td></tr>`)}</table></div>
${schemas.map(
  ([name, schema]) =>
    html`<div class="card"><h2 id="${name}">${name}</h2><table lang="en"><tr><th>Field</th><th>Type</th><th>Notes</th></tr>${Object.entries(
      schema.properties ?? {},
    ).map(
      ([field, prop]) =>
        html`<tr><td><code>${field}</code>${schema.required?.includes(field) ? '' : html` <span class="muted">optional</span>`}</td><td>${prop.type ?? 'see document'}</td><td>${prop.description ?? ''}</td></tr>`,
    )}</table></div>`,
)}`;
  return web.render(ctx, { title: ctx.t('api.reference') }, body);
}
