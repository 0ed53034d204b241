/** @jsxImportSource @upshot/server */
import { ApiErrors } from '@upshot/schema';
import type { Config } from '../../config.ts';
import { humanDuration, type MessageKey } from '../../i18n/index.ts';
import type { Web } from '../context.ts';
import { CopyField, fill, PageHeader } from '../ui/components.tsx';
import { fieldNote } from './fields.ts';

interface OpenApiLike {
  paths: Record<string, Record<string, { operationId?: string; summary?: string }>>;
  components: { schemas: Record<string, unknown> };
}

interface JsonSchema {
  type?: string | string[];
  const?: unknown;
  enum?: unknown[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  items?: JsonSchema;
  $ref?: string;
  format?: string;
  description?: string;
  properties?: Record<string, JsonSchema>;
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

/** The schemas the reference shows, in this order. */
const SCHEMAS = [
  'UploadParams',
  'UploadSuccess',
  'Image',
  'ImageVariant',
  'EmptyVariant',
  'Tag',
  'ErrorEnvelope',
];

/** A JSON Schema type as people read it: `string | null`, `0 | 1`, `array of Tag`. */
export function typeOf(schema: JsonSchema | undefined): string {
  if (!schema) return 'any';
  if (schema.$ref) return schema.$ref.split('/').pop() ?? 'object';
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  if (schema.enum) return schema.enum.map((v) => JSON.stringify(v)).join(' | ');
  const union = schema.anyOf ?? schema.oneOf;
  if (union) return [...new Set(union.map(typeOf))].join(' | ');
  if (schema.type === 'array') return `array of ${typeOf(schema.items)}`;
  if (Array.isArray(schema.type)) return schema.type.join(' | ');
  if (schema.type === 'string' && schema.format === 'uri') return 'string (URL)';
  return schema.type ?? 'object';
}

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
  const body = (
    <div class="docs">
      <PageHeader title={t('api.title')} lead={t('api.lead')} />
      {guestKey ? (
        <section class="card">
          <h2>{t('api.guestKey')}</h2>
          <CopyField id="guest-key" label={t('api.guestKey')} value={guestKey} t={t} />
          <p class="muted">
            {t('api.guestKeyNote', { time: humanDuration(t, config.guestExpiration) })}
          </p>
        </section>
      ) : (
        <p class="muted">{t('api.ownKey')}</p>
      )}
      <section class="card">
        <h2>{t('api.method')}</h2>
        <p>{t('api.methodText')}</p>
        <h2>{t('api.url')}</h2>
        <pre>{endpoint}</pre>
        <h2>{t('api.auth')}</h2>
        <p>{t('api.authText')}</p>
        <pre>X-API-Key: chv_key_here</pre>
      </section>
      <section class="card">
        <h2>{t('api.params')}</h2>
        <div class="table-wrap">
          <table>
            <tbody>
              {PARAMETERS.map((name) => (
                <tr>
                  <th scope="row">
                    <code>{name}</code>
                    {name === 'source' ? null : (
                      <span class="badge optional">{t('api.optional')}</span>
                    )}
                  </th>
                  <td>{t(`api.p.${name}` as MessageKey)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
      <section class="card">
        <h2>{t('api.example')}</h2>
        <pre>{`curl --fail-with-body -X POST \\\n  -H "X-API-Key: YOUR_API_KEY" \\\n  -F "source=@example.jpg" \\\n  ${endpoint}`}</pre>
        <h2>{t('api.reply')}</h2>
        <p>{t('api.replyText')}</p>
        <p>
          {fill(t('api.more'), {
            reference: <a href="/api/docs">{t('api.reference')}</a>,
            openapi: <a href="/api/openapi.json">{t('api.openapi')}</a>,
          })}
        </p>
      </section>
    </div>
  );
  return web.render(ctx, { title: 'API' }, body);
}

/** Error rows of the reference: the contract's table, with the wire message as sent. */
const ERROR_ROWS = [
  ApiErrors.noKey,
  ApiErrors.invalidKey,
  ApiErrors.requestDenied,
  ApiErrors.emptyUploadSource,
  ApiErrors.invalidBase64,
  ApiErrors.urlUploadGuests,
  ApiErrors.urlNotAllowed,
  ApiErrors.fileTooBig(10),
  ApiErrors.quotaExceeded(1000),
  ApiErrors.unavailableFormat,
  ApiErrors.unknownSource,
  ApiErrors.invalidExpiration,
  ApiErrors.albumNotFound,
  ApiErrors.flooding(50, 'minute'),
  ApiErrors.storageFull,
  ApiErrors.internal,
];

/** The reference, rendered from the OpenAPI document in the reader's language. */
export async function apiDocsPage(
  web: Web,
  request: Request,
  openapi: OpenApiLike,
): Promise<Response> {
  const ctx = await web.context(request);
  const { t, locale } = ctx;
  const operations = Object.entries(openapi.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({
      path,
      method: method.toUpperCase(),
      summary: op.operationId ? t(`api.op.${op.operationId}` as MessageKey) : (op.summary ?? ''),
    })),
  );
  const schemas = openapi.components.schemas as Record<string, JsonSchema>;
  const note = (schema: string, field: string, prop: JsonSchema): string => {
    if (schema === 'UploadParams') {
      const key = `api.p.${field === 'image' ? 'source' : field === 'name' ? 'title' : field}`;
      if ((PARAMETERS as readonly string[]).includes(key.slice(6))) return t(key as MessageKey);
    }
    return fieldNote(schema, field, locale) ?? (locale === 'en' ? (prop.description ?? '') : '');
  };
  const body = (
    <div class="docs">
      <PageHeader
        title={t('api.reference')}
        lead={<a href="/api/openapi.json">{t('api.openapi')}</a>}
      />
      <section class="card">
        <h2>{t('api.operations')}</h2>
        <div class="table-wrap">
          <table>
            <tbody>
              {operations.map((op) => (
                <tr>
                  <td>
                    <code>
                      {op.method} {op.path}
                    </code>
                  </td>
                  <td>{op.summary}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
      <section class="card">
        <h2 id="errors">{t('api.errors')}</h2>
        <p class="muted">{t('api.errorsLead')}</p>
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">{t('api.status')}</th>
                <th scope="col">{t('api.code')}</th>
                <th scope="col">{t('api.message')}</th>
              </tr>
            </thead>
            <tbody>
              {ERROR_ROWS.map((row) => (
                <tr>
                  <td>{row.status}</td>
                  <td>{row.code}</td>
                  <td lang="en">
                    <code>{row.message}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
      {SCHEMAS.filter((name) => schemas[name]).map((name) => {
        const schema = schemas[name]!;
        const intro = [
          'Image',
          'ImageVariant',
          'EmptyVariant',
          'Tag',
          'ErrorEnvelope',
          'UploadSuccess',
        ].includes(name)
          ? t(`api.schema.${name}` as MessageKey)
          : name === 'UploadParams'
            ? t('api.params')
            : t('api.schema.other');
        return (
          <section class="card">
            <h2 id={name}>{name}</h2>
            <p class="muted">{intro}</p>
            <div class="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">{t('api.field')}</th>
                    <th scope="col">{t('api.type')}</th>
                    <th scope="col">{t('api.notes')}</th>
                  </tr>
                </thead>
                <tbody>
                  {Object.entries(schema.properties ?? {}).map(([field, prop]) => (
                    <tr>
                      <td>
                        <code>{field}</code>
                        {schema.required?.includes(field) ? null : (
                          <span class="muted small"> {t('api.optional')}</span>
                        )}
                      </td>
                      <td>
                        <code class="type">{typeOf(prop)}</code>
                      </td>
                      <td>{note(name, field, prop)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </section>
        );
      })}
    </div>
  );
  return web.render(ctx, { title: t('api.reference') }, body);
}
