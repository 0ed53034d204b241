import { type Static, Type } from '@sinclair/typebox';
import { Binary } from './formats.ts';

/** Limits the contract puts on parameter values (docs/api.md §2, §7). */
export const Limits = {
  titleMaxLength: 100,
  tagMaxLength: 32,
  /** Upshot: more distinct tags than this is refused (Chevereto has no limit). */
  tagsMaxCount: 100,
  /** Upshot: a `tags` value longer than this is refused before it is split. */
  tagsMaxTextLength: 4_000,
  /** Upshot: image and album descriptions, in characters. */
  descriptionMaxLength: 10_000,
  /** Upshot: album names, in characters. */
  albumNameMaxLength: 100,
  expirationMinSeconds: 5 * 60,
  expirationMaxSeconds: 31_536_000,
  /** Upshot: a duration beyond this (100 years) is refused rather than clamped. */
  expirationSaneMaxSeconds: 100 * 31_536_000,
} as const;

export const UploadFormat = Type.Union(
  [Type.Literal('json'), Type.Literal('txt'), Type.Literal('redirect')],
  { description: 'Reply format', default: 'json' },
);
export type UploadFormat = Static<typeof UploadFormat>;

/**
 * The upload parameters as they arrive on the wire (query string, multipart, urlencoded
 * or JSON): every value is text, or a file part for `source`/`image`. The server checks
 * each value and answers the contract's error for a bad one.
 */
export const UploadParams = Type.Object(
  {
    source: Type.Optional(
      Type.Union([Binary(), Type.String()], {
        description: 'A file, a base64 string (POST only), or an http(s) URL',
      }),
    ),
    image: Type.Optional(
      Type.Union([Binary(), Type.String()], {
        description: 'imgbb alias of source; switches the reply to the imgbb shape',
      }),
    ),
    key: Type.Optional(Type.String({ description: 'The API key, when no header can be sent' })),
    title: Type.Optional(Type.String({ description: 'Cut to 100 characters' })),
    name: Type.Optional(Type.String({ description: 'Alias of title' })),
    description: Type.Optional(Type.String()),
    tags: Type.Optional(Type.String({ description: 'Comma-separated tags' })),
    album_id: Type.Optional(Type.String({ description: 'Encoded album id' })),
    category_id: Type.Optional(Type.String({ pattern: '^\\d+$' })),
    width: Type.Optional(Type.String({ pattern: '^[1-9]\\d*$', description: 'Target width' })),
    expiration: Type.Optional(
      Type.String({ description: 'ISO 8601 duration (PT5M, P3D) or seconds; empty or 0: none' }),
    ),
    nsfw: Type.Optional(
      Type.Union([
        Type.Literal('0'),
        Type.Literal('1'),
        Type.Literal('true'),
        Type.Literal('false'),
      ]),
    ),
    format: Type.Optional(UploadFormat),
  },
  { $id: 'UploadParams', description: 'Upload parameters (docs/api.md §2)' },
);
export type UploadParams = Static<typeof UploadParams>;

/** The same parameters as a program passes them: typed values instead of text. */
export const UploadOptions = Type.Object(
  {
    title: Type.Optional(Type.String()),
    description: Type.Optional(Type.String()),
    tags: Type.Optional(Type.Union([Type.String(), Type.Array(Type.String())])),
    album_id: Type.Optional(Type.String()),
    category_id: Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), Type.String()])),
    width: Type.Optional(Type.Integer({ minimum: 1 })),
    expiration: Type.Optional(Type.Union([Type.String(), Type.Integer({ minimum: 0 })])),
    nsfw: Type.Optional(Type.Union([Type.Boolean(), Type.Literal(0), Type.Literal(1)])),
    format: Type.Optional(UploadFormat),
  },
  { $id: 'UploadOptions' },
);
export type UploadOptions = Static<typeof UploadOptions>;
