import { type Static, Type } from '@sinclair/typebox';

/** Every failure answers with this envelope (docs/api.md §4). */
export const ErrorEnvelope = Type.Object(
  {
    status_code: Type.Integer({ description: 'The HTTP status of the reply' }),
    error: Type.Object({
      message: Type.String(),
      code: Type.Integer({ description: "Chevereto's error code" }),
    }),
    status_txt: Type.String({ description: 'The HTTP reason phrase' }),
  },
  { $id: 'ErrorEnvelope', description: 'Error reply' },
);
export type ErrorEnvelope = Static<typeof ErrorEnvelope>;

/** One contract error: the HTTP status Upshot answers with, and Chevereto's code and message. */
export interface ApiErrorSpec {
  readonly status: number;
  readonly code: number;
  readonly message: string;
}

const spec = (status: number, code: number, message: string): ApiErrorSpec => ({
  status,
  code,
  message,
});

/** The contract's error table. Functions build the messages that carry a number. */
export const ApiErrors = {
  noKey: spec(401, 100, 'No key provided'),
  invalidKey: spec(401, 100, 'Invalid API key.'),
  invalidVersion: spec(404, 110, 'Invalid API version.'),
  invalidAction: spec(404, 120, 'Invalid API action'),
  requestDenied: spec(403, 401, 'Request denied'),
  emptyUploadSource: spec(400, 130, 'Empty upload source'),
  emptySource: spec(400, 130, 'Empty source'),
  invalidBase64: spec(400, 120, 'Invalid base64 string'),
  base64OverGet: spec(400, 130, 'Upload using base64 source must be done using POST method.'),
  urlUploadDisabled: spec(403, 403, 'URL uploading is disabled'),
  /** Upshot: guests may not upload from a URL; saying so beats "disabled". */
  urlUploadGuests: spec(403, 403, 'URL uploading is disabled for guests, use an API key'),
  urlNotAllowed: spec(403, 403, 'URL not allowed'),
  urlFetchFailed: spec(400, 400, "Can't fetch the source URL"),
  unavailableFormat: spec(415, 613, 'Unavailable image format'),
  unknownSource: spec(415, 610, "Can't get target upload source info"),
  fileTooBig: (maxMb: number) => spec(413, 400, `File too big - max ${maxMb} MB`),
  tooManyPixels: (maxMegapixels: number) =>
    spec(400, 400, `Image too large - max ${maxMegapixels} megapixels`),
  invalidImage: spec(400, 400, 'Invalid image'),
  invalidVideo: spec(400, 400, 'Invalid video file provided'),
  widthTooLarge: spec(400, 610, 'Target width is greater than the original image width'),
  tooManyFrames: (maxFrames: number) =>
    spec(400, 400, `Animation too long - max ${maxFrames} frames`),
  processingTimeout: spec(400, 400, 'Image took too long to process'),
  invalidWidth: spec(400, 400, 'Invalid width'),
  invalidCategory: spec(400, 400, 'Invalid category'),
  invalidNsfw: spec(400, 400, 'Invalid nsfw value'),
  invalidFormat: spec(400, 400, 'Invalid format'),
  invalidExpiration: spec(400, 400, 'Invalid expiration'),
  invalidParameter: (name: string) => spec(400, 400, `Invalid ${name}`),
  tooManyTags: (maxTags: number, maxLength: number) =>
    spec(400, 400, `Too many tags - max ${maxTags} tags of at most ${maxLength} characters`),
  descriptionTooLong: (maxLength: number) =>
    spec(400, 400, `Description too long - max ${maxLength} characters`),
  albumNotFound: spec(404, 404, 'Album not found'),
  notFound: spec(404, 404, 'Not found'),
  flooding: (limit: number, unit: string) =>
    spec(429, 130, `Flooding detected. You can only upload ${limit} images per ${unit}`),
  storageFull: spec(507, 104, 'No space left on storage'),
  /** Upshot: the object store or the database did not answer; retry after a pause. */
  storageUnavailable: spec(503, 105, 'Storage unavailable, try again later'),
  databaseUnavailable: spec(503, 106, 'Database unavailable, try again later'),
  /** Upshot: the server is shutting down; the upload was not stored, send it again. */
  shuttingDown: spec(503, 107, 'Server is restarting, try again'),
  /**
   * Upshot: the upload would take the user past their storage quota (docs/api.md, Errors).
   * 413 like a file too big for the limit, so clients do not retry it; code 108 is Upshot's.
   */
  quotaExceeded: (quotaMb: number) =>
    spec(413, 108, `Storage quota exceeded - max ${quotaMb} MB per user`),
  /** Upshot: the request body did not arrive in time. */
  bodyTimeout: spec(408, 408, 'Request body timed out'),
  internal: spec(500, 500, 'Internal error'),
} as const;

/** Reason phrases for `status_txt`. */
export const StatusText: Readonly<Record<number, string>> = {
  200: 'OK',
  302: 'Found',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  411: 'Length Required',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
  507: 'Insufficient Storage',
};

export const statusText = (status: number): string => StatusText[status] ?? 'Error';

export function errorEnvelope(error: ApiErrorSpec): ErrorEnvelope {
  return {
    status_code: error.status,
    error: { message: error.message, code: error.code },
    status_txt: statusText(error.status),
  };
}
