// Replies as servers really send them. Upshot follows the contract to the letter; a stock
// Chevereto 4 (or 3) instance and imgbb leave fields out, send numbers as strings, or use
// imgbb's smaller `data` object. The client checks every field against the contract's
// schema, keeps what conforms (after TypeBox's Value.Convert: "496" → 496), and fills the
// rest with neutral values derived from what it has, listing those fields in `missing`.
// Only `url` is required: a 2xx without a usable image URL is an error.
import { type Static, type TObject, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import {
  ErrorEnvelope,
  escapeHtml,
  formatSize,
  Image,
  ImageVariant,
  ImgbbSuccess,
  mediumDisplaySize,
  statusText,
} from '@upshot/schema';
import { isRetryableStatus, UpshotError } from './errors.ts';
import { parseRetryAfter } from './retry.ts';
import { extensionOf, mimeFromName } from './sniff.ts';

/** The least an image object must have for the client to use it. */
export const LooseImage = Type.Object({ url: Type.String({ format: 'uri' }) });

/** Any upload reply the client can use: Chevereto's `image`, or imgbb's `data`. */
export const LooseUploadReply = Type.Union([
  Type.Object({ image: LooseImage }),
  Type.Object({ data: LooseImage }),
]);

/** An error reply as stock servers send it: the contract's envelope with anything optional. */
export const LooseErrorReply = Type.Object({
  status_code: Type.Optional(Type.Union([Type.Integer(), Type.String()])),
  error: Type.Union([
    Type.Object({
      message: Type.Optional(Type.String()),
      code: Type.Optional(Type.Union([Type.Integer(), Type.String()])),
    }),
    Type.String(),
  ]),
});

/** imgbb's `data` object (docs/api.md §6). */
export const ImgbbData = ImgbbSuccess.properties.data;
export type ImgbbData = Static<typeof ImgbbData>;

type Raw = Record<string, unknown>;
const isObject = (value: unknown): value is Raw =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const num = (value: unknown): number | undefined => {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value.trim())) return Number(value);
  return undefined;
};
const isUrl = (value: unknown): value is string => typeof value === 'string' && URL.canParse(value);

/** `YYYY-MM-DD HH:MM:SS` in UTC. */
export const formatDate = (ms: number): string =>
  new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
const parseDate = (text: unknown): number | undefined => {
  if (typeof text !== 'string') return undefined;
  const ms = Date.parse(`${text.replace(' ', 'T')}Z`);
  return Number.isNaN(ms) ? undefined : ms;
};

const fileParts = (url: string) => {
  const filename = decodeURIComponent(new URL(url).pathname.split('/').pop() || '');
  const extension = extensionOf(filename);
  const name = extension ? filename.slice(0, -(extension.length + 1)) : filename;
  const mime = mimeFromName(filename) ?? 'application/octet-stream';
  return { filename, name, extension, mime };
};

/**
 * Copies each property of `schema` from `raw` when it conforms (as is, or after
 * Value.Convert), else takes `fallback[key]` and records the key in `missing`.
 */
function conform<T extends TObject>(
  schema: T,
  raw: Raw,
  fallback: Raw,
  missing: string[],
  prefix = '',
): Static<T> {
  const out: Raw = {};
  const required = new Set(schema.required ?? []);
  for (const [key, property] of Object.entries(schema.properties)) {
    const value = raw[key];
    if (value === undefined && !required.has(key)) {
      if (fallback[key] !== undefined) out[key] = fallback[key];
      continue;
    }
    if (value !== undefined) {
      if (Value.Check(property, value)) {
        out[key] = value;
        continue;
      }
      const converted = Value.Convert(property, structuredClone(value));
      if (Value.Check(property, converted)) {
        out[key] = converted;
        continue;
      }
    }
    out[key] = fallback[key];
    missing.push(prefix + key);
  }
  return out as Static<T>;
}

type Variant = Static<typeof ImageVariant>;
const EMPTY = { filename: null, name: null, mime: null, extension: null, url: null } as const;

function conformVariant(raw: unknown, key: string, missing: string[]): Variant | null {
  if (!isObject(raw) || !isUrl(raw.url)) return null;
  const parts = fileParts(raw.url);
  return conform(ImageVariant, raw, { ...parts, url: raw.url, size: 0 }, missing, `${key}.`);
}

/** imgbb's own `data` (no `date_gmt`, `time` in Unix seconds) rewritten with Chevereto's names. */
function imgbbDataAsImage(data: Raw): Raw {
  const time = num(data.time);
  const expiration = num(data.expiration);
  const withSize = (variant: unknown, size: unknown) =>
    isObject(variant) ? { ...variant, size: variant.size ?? size } : variant;
  return {
    ...data,
    id_encoded: data.id_encoded ?? data.id,
    date_gmt: time === undefined ? undefined : formatDate(time * 1000),
    expiration_date_gmt:
      time !== undefined && expiration ? formatDate((time + expiration) * 1000) : null,
    image: withSize(data.image, data.size),
  };
}

/** A contract `Image` from any image object with a URL; `missing` lists what was filled in. */
export function conformImage(raw: Raw, now: number): { image: Image; missing: string[] } {
  const source = 'time' in raw && !('date_gmt' in raw) ? imgbbDataAsImage(raw) : raw;
  const url = source.url as string;
  const missing: string[] = [];
  const parts = fileParts(url);

  const main = conformVariant(source.image, 'image', missing);
  const thumb = conformVariant(source.thumb, 'thumb', missing);
  const medium = conformVariant(source.medium, 'medium', missing);
  const frame = conformVariant(source.frame, 'frame', missing);

  const width = num(source.width) ?? 0;
  const height = num(source.height) ?? 0;
  const size = num(source.size) ?? 0;
  const mime = str(source.mime) ?? parts.mime;
  const title = str(source.title) ?? str(source.name) ?? parts.name;
  const truncated = title.length <= 28 ? title : `${title.slice(0, 25).trimEnd()}...`;
  const dateGmt = parseDate(source.date_gmt) ?? now;
  const rawTags = Array.isArray(source.tags) ? source.tags : [];
  const origin = new URL(url).origin;
  const tags = rawTags.map((tag) =>
    typeof tag === 'string'
      ? {
          name: tag,
          name_safe_html: escapeHtml(tag),
          url_key: encodeURIComponent(tag),
          url: `${origin}/tag/${encodeURIComponent(tag)}`,
        }
      : tag,
  );
  const urlViewer = isUrl(source.url_viewer) ? source.url_viewer : url;
  const display =
    medium && width > 0 && height > 0 ? mediumDisplaySize(width, height) : { width, height };
  const chain = 4 + (thumb ? 1 : 0) + (medium ? 2 : 0) + (frame ? 16 : 0);

  const fallback: Raw = {
    ...parts,
    mime,
    size,
    width,
    height,
    date: formatDate(dateGmt),
    date_gmt: formatDate(dateGmt),
    title,
    tags: [],
    description: null,
    nsfw: 0,
    storage_mode: str(source.storage) ?? 'datefolder',
    md5: '',
    source_md5: null,
    original_filename: parts.filename,
    original_exifdata: null,
    views: 0,
    category_id: null,
    chain,
    thumb_size: thumb?.size ?? 0,
    medium_size: medium?.size ?? 0,
    frame_size: frame?.size ?? 0,
    expiration_date_gmt: null,
    likes: 0,
    is_animated: 0,
    is_approved: 1,
    is_360: 0,
    duration: 0,
    type: mime.startsWith('video/') ? 'video' : 'image',
    tags_string: '',
    file: { resource: { type: 'url' } },
    id_encoded: str(source.id) ?? '',
    ratio: width > 0 && height > 0 ? width / height : 0,
    size_formatted: formatSize(size),
    image: main ?? { ...parts, mime, url, size },
    thumb: thumb ?? EMPTY,
    medium: medium ?? EMPTY,
    url_frame: frame?.url ?? '',
    duration_time: '',
    url_viewer: urlViewer,
    path_viewer: new URL(urlViewer).pathname,
    url_short: urlViewer,
    display_url: medium?.url ?? url,
    display_width: display.width,
    display_height: display.height,
    views_label: 'views',
    likes_label: 'likes',
    how_long_ago: 'moments ago',
    date_fixed_peer: formatDate(dateGmt),
    title_truncated: truncated,
    title_truncated_html: escapeHtml(truncated),
    is_use_loader: size > 5_000_000,
    display_title: title || `${parts.name}.${parts.extension}`,
    delete_url: '',
  };
  const prepared: Raw = {
    ...source,
    tags,
    image: main ?? undefined,
    thumb: thumb ?? (isObject(source.thumb) ? EMPTY : undefined),
    medium: medium ?? (isObject(source.medium) ? EMPTY : undefined),
    frame: frame ?? undefined,
  };
  if (prepared.tags_string === undefined && tags.length > 0) {
    fallback.tags_string = tags.map((tag) => (isObject(tag) ? tag.name : '')).join(', ');
  }
  const image = conform(Image, prepared, fallback, missing) as Image;
  return { image, missing: [...new Set(missing)] };
}

/** imgbb's `data` from Chevereto's image object (its imgbb mode, or a plain upload reply). */
function imageAsImgbbData(image: Raw): Raw {
  const time = parseDate(image.date_gmt);
  const expires = parseDate(image.expiration_date_gmt);
  const file = (variant: unknown) => {
    if (!isObject(variant) || !isUrl(variant.url)) return undefined;
    const { size: _size, ...rest } = variant;
    return rest;
  };
  return {
    ...image,
    id: image.id ?? image.id_encoded,
    time: time === undefined ? undefined : String(Math.floor(time / 1000)),
    expiration:
      time !== undefined && expires !== undefined
        ? String(Math.max(0, Math.round((expires - time) / 1000)))
        : image.expiration_date_gmt === null
          ? '0'
          : undefined,
    image: file(image.image),
    thumb: file(image.thumb),
    medium: file(image.medium),
  };
}

/** imgbb's `data` shape from any image object with a URL. */
export function conformImgbbData(raw: Raw, now: number): { data: ImgbbData; missing: string[] } {
  const source = 'date_gmt' in raw || 'id_encoded' in raw ? imageAsImgbbData(raw) : raw;
  const url = source.url as string;
  const parts = fileParts(url);
  const missing: string[] = [];
  const fileOf = (variant: unknown, key: string) => {
    if (!isObject(variant) || !isUrl(variant.url)) return undefined;
    const fileSchema = ImgbbData.properties.image;
    return conform(
      fileSchema,
      variant,
      { ...fileParts(variant.url), url: variant.url },
      missing,
      `${key}.`,
    );
  };
  const image = fileOf(source.image, 'image') ?? { ...parts, url };
  const fallback: Raw = {
    id: '',
    title: parts.name,
    url_viewer: url,
    display_url: url,
    width: 0,
    height: 0,
    size: 0,
    time: String(Math.floor(now / 1000)),
    expiration: '0',
    image,
    thumb: image,
    delete_url: '',
  };
  const prepared: Raw = {
    ...source,
    image: fileOf(source.image, 'image'),
    thumb: fileOf(source.thumb, 'thumb'),
    medium: fileOf(source.medium, 'medium'),
  };
  const data = conform(ImgbbData, prepared, fallback, missing);
  return { data, missing: [...new Set(missing)] };
}

const invalidReply = (message: string, status: number) =>
  new UpshotError(message, { kind: 'invalid-reply', status });

/** The image object of a 2xx JSON reply: `image` (Chevereto), or `data` (imgbb, imgbb mode). */
export function imageObjectOf(body: unknown, status: number): Raw {
  if (!Value.Check(LooseUploadReply, body)) {
    throw invalidReply(
      "The server's reply has no image URL: is this a Chevereto-compatible upload endpoint?",
      status,
    );
  }
  const reply = body as Raw;
  return (isObject(reply.image) ? reply.image : reply.data) as Raw;
}

/** The error an error reply (or an error envelope in a 2xx) stands for. */
export function errorFromReply(
  status: number,
  headers: Headers,
  text: string,
  now: number,
  reason = '',
): UpshotError {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  let message: string | undefined;
  let code: number | null = null;
  let effective = status;
  if (Value.Check(LooseErrorReply, body)) {
    const envelope = body as Static<typeof LooseErrorReply>;
    if (typeof envelope.error === 'string') message = envelope.error;
    else {
      message = envelope.error.message;
      code = num(envelope.error.code) ?? null;
    }
    const declared = num(envelope.status_code);
    if (status < 400 && declared !== undefined && declared >= 400) effective = declared;
  } else {
    const type = headers.get('content-type') ?? '';
    const plain = text.trim();
    if (type.startsWith('text/plain') && plain && plain.length <= 500 && !plain.startsWith('<')) {
      message = plain;
    }
  }
  const phrase = (effective === status && reason) || statusText(effective);
  return new UpshotError(message || `HTTP ${effective} ${phrase}`, {
    kind: 'http',
    status: effective,
    code,
    retryable: isRetryableStatus(effective),
    retryAfterMs: parseRetryAfter(headers.get('retry-after'), now),
  });
}

/** True when a 2xx body is an error envelope (stock Chevereto can answer errors with 200). */
export const isErrorEnvelope = (body: unknown): boolean =>
  Value.Check(ErrorEnvelope, body) || (isObject(body) && isObject(body.error) && !body.image);
