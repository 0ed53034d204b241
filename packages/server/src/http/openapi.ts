import {
  EmptyVariant,
  ErrorEnvelope,
  Image,
  ImageVariant,
  ImgbbModeSuccess,
  ImgbbSuccess,
  Tag,
  UploadParams,
  UploadSuccess,
} from '@upshot/schema';

/** TypeBox schemas are JSON Schema; drop their `$id`s so references stay local to components. */
function plain(schema: unknown): unknown {
  return JSON.parse(JSON.stringify(schema), (key, value) => (key === '$id' ? undefined : value));
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: unknown) => ({ 'application/json': { schema } });

const errorResponses = Object.fromEntries(
  [
    [400, 'Bad parameter or source (codes 120, 130, 400, 610)'],
    [401, 'No key or unknown key (code 100)'],
    [403, 'Uploads or URL sources not allowed for this key (codes 401, 403)'],
    [404, 'Album not found (code 404); bad version or action (codes 110, 120)'],
    [413, 'File too big (code 400), or storage quota exceeded (code 108)'],
    [415, 'Not a supported image or video type (codes 610, 613)'],
    [429, 'Rate limit (code 130), with Retry-After'],
    [500, 'Internal error, with a request id'],
    [507, 'No space left on storage (code 104)'],
  ].map(([status, description]) => [status, { description, content: json(ref('ErrorEnvelope')) }]),
);

/** The OpenAPI 3.1 description of the upload API, generated from @upshot/schema. */
export function buildOpenApi(baseUrl: string) {
  const params = plain(UploadParams) as { properties: Record<string, { description?: string }> };
  const queryParameters = Object.entries(params.properties)
    .filter(([name]) => name !== 'source' && name !== 'image')
    .map(([name, schema]) => ({
      name,
      in: 'query',
      required: false,
      schema,
      description: schema.description,
    }));
  const sourceQuery = {
    name: 'source',
    in: 'query',
    required: false,
    schema: { type: 'string' },
    description: 'An http(s) URL (base64 needs POST)',
  };
  const body = {
    required: false,
    content: {
      'multipart/form-data': { schema: ref('UploadParams') },
      'application/x-www-form-urlencoded': { schema: ref('UploadParams') },
      'application/json': { schema: ref('UploadParams') },
    },
  };
  const uploadResponses = {
    200: {
      description:
        'Uploaded (or the same bytes uploaded before: the existing image with a fresh delete URL)',
      content: {
        'application/json': { schema: { oneOf: [ref('UploadSuccess'), ref('ImgbbModeSuccess')] } },
        'text/plain': {
          schema: { type: 'string', format: 'uri' },
          example: `${baseUrl}/images/2026/01/01/photo.jpeg`,
        },
      },
    },
    302: { description: '`format=redirect`: Location is the viewer path' },
    ...errorResponses,
  };
  const security = [{ apiKeyHeader: [] }, { apiKeyQuery: [] }];
  const upload = {
    tags: ['Upload'],
    security,
    responses: uploadResponses,
  };
  return {
    openapi: '3.1.0',
    info: {
      title: 'Upshot upload API',
      version: '1.1',
      description:
        'Wire-compatible with the Chevereto API V1.1 upload endpoint. Parameters may come in the query string or the body; the body wins.',
    },
    servers: [{ url: baseUrl }],
    paths: {
      '/api/1/upload': {
        post: {
          ...upload,
          operationId: 'upload',
          summary: 'Upload an image or video',
          parameters: queryParameters,
          requestBody: body,
        },
        get: {
          ...upload,
          operationId: 'uploadByGet',
          summary: 'Upload from a URL with GET',
          parameters: [sourceQuery, ...queryParameters],
        },
      },
      '/1/upload': {
        post: {
          tags: ['imgbb'],
          operationId: 'imgbbUpload',
          summary: "imgbb's own upload endpoint (image, name, expiration in seconds)",
          security,
          requestBody: body,
          responses: {
            200: { description: 'Uploaded', content: json(ref('ImgbbSuccess')) },
            ...errorResponses,
          },
        },
      },
    },
    components: {
      securitySchemes: {
        apiKeyHeader: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
        apiKeyQuery: { type: 'apiKey', in: 'query', name: 'key' },
      },
      schemas: Object.fromEntries(
        Object.entries({
          UploadParams,
          UploadSuccess,
          ImgbbModeSuccess,
          ImgbbSuccess,
          ErrorEnvelope,
          Image,
          ImageVariant,
          EmptyVariant,
          Tag,
        }).map(([name, schema]) => [name, plain(schema)]),
      ),
    },
  };
}
