import {
  Baseline,
  BaselineFile,
  BaselineInput,
  BaselineReply,
  ComparedFile,
  CompareInput,
  Comparison,
  ComparisonReply,
  ComparisonSummary,
  DiffReply,
  DiffResult,
  EmptyVariant,
  ErrorEnvelope,
  Image,
  ImageVariant,
  ImgbbModeSuccess,
  ImgbbSuccess,
  ReviewFileInput,
  ReviewImage,
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
      ...reviewPaths(security),
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
          ReviewFileInput,
          ReviewImage,
          BaselineInput,
          BaselineFile,
          Baseline,
          BaselineReply,
          CompareInput,
          ComparedFile,
          ComparisonSummary,
          Comparison,
          ComparisonReply,
          DiffResult,
          DiffReply,
        }).map(([name, schema]) => [name, plain(schema)]),
      ),
    },
  };
}

/**
 * Visual review (README: Visual review), an Upshot extension: baseline sets per branch, pull
 * request runs compared with them, and the diff of two images. A user key is required.
 */
function reviewPaths(security: unknown[]) {
  const review = (status: number, description: string) => [
    status,
    { description, content: json(ref('ErrorEnvelope')) },
  ];
  const errors = Object.fromEntries([
    review(400, 'Bad body, an unknown or foreign image, a duplicate name (code 400)'),
    review(401, 'No key or unknown key (code 100)'),
    review(403, 'The guest key: sets belong to a user (code 401)'),
    review(500, 'Internal error, with a request id'),
  ]);
  const body = (name: string) => ({ required: true, content: json(ref(name)) });
  return {
    '/api/1/baselines': {
      post: {
        tags: ['Visual review'],
        operationId: 'recordBaseline',
        summary: "Record a branch's set of screenshots (older sets past the kept number go)",
        security,
        requestBody: body('BaselineInput'),
        responses: {
          200: { description: 'The set', content: json(ref('BaselineReply')) },
          ...errors,
        },
      },
      get: {
        tags: ['Visual review'],
        operationId: 'latestBaseline',
        summary: 'The latest set of a branch',
        security,
        parameters: ['project', 'branch'].map((name) => ({
          name,
          in: 'query',
          required: true,
          schema: { type: 'string' },
        })),
        responses: {
          200: { description: 'The set', content: json(ref('BaselineReply')) },
          404: { description: 'No set yet (code 404)', content: json(ref('ErrorEnvelope')) },
          ...errors,
        },
      },
    },
    '/api/1/compare': {
      post: {
        tags: ['Visual review'],
        operationId: 'compare',
        summary:
          'Compare screenshots, by name, with the latest set of the base branch; the reply links the review page',
        security,
        requestBody: body('CompareInput'),
        responses: {
          200: { description: 'The comparison', content: json(ref('ComparisonReply')) },
          ...errors,
        },
      },
    },
    '/api/1/diff': {
      post: {
        tags: ['Visual review'],
        operationId: 'diff',
        summary: 'Compare two images sent in the request (nothing is stored)',
        security,
        requestBody: {
          required: true,
          content: {
            'multipart/form-data': {
              schema: {
                type: 'object',
                required: ['a', 'b'],
                properties: {
                  a: { type: 'string', format: 'binary', description: 'The image before' },
                  b: { type: 'string', format: 'binary', description: 'The image after' },
                  threshold: {
                    type: 'string',
                    description: "Per-pixel colour tolerance, 0 to 1 (pixelmatch's), default 0.1",
                  },
                },
              },
            },
          },
        },
        responses: {
          200: { description: 'The counts and the diff image', content: json(ref('DiffReply')) },
          413: {
            description: 'An image over the user size limit',
            content: json(ref('ErrorEnvelope')),
          },
          ...errors,
        },
      },
    },
  };
}
