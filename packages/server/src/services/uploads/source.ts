import { randomText } from '../../crypto.ts';
import { SourceFetchError } from '../../fetch/errors.ts';
import type { FetchedSource, SafeFetchOptions } from '../../fetch/safe-fetch.ts';
import { md5 } from '../../media/hash.ts';
import { Refusal } from '../errors.ts';

/** A file as the HTTP layer received it: in memory, or already in a temp file. */
export interface IncomingFile {
  filename: string;
  size: number;
  md5: string;
  bytes: Uint8Array | null;
  path: string | null;
}

/** What the request gave as `source`/`image`. */
export type SourceInput =
  | { kind: 'file'; file: IncomingFile }
  | { kind: 'text'; text: string }
  | { kind: 'none' };

/** The upload's bytes, in memory or in a local file, with their md5. */
export interface UploadSource {
  bytes: Uint8Array | null;
  path: string | null;
  size: number;
  md5: string;
  /** The client's file name; '' when the source gave none (named later from the type). */
  originalFilename: string;
  via: 'file' | 'base64' | 'url';
}

export interface SourceContext {
  maxBytes: number;
  maxMb: number;
  /** null: URL sources allowed; otherwise why not (guests never, or switched off). */
  urlRefusal: 'url-disabled' | 'url-disabled-for-guests' | null;
  fetch: (url: string, options: SafeFetchOptions) => Promise<FetchedSource>;
  fetchOptions: Omit<SafeFetchOptions, 'maxBytes'>;
}

const tooBig = (ctx: SourceContext) => new Refusal('file-too-big', { maxMb: ctx.maxMb });

/** A string that parses as an absolute http(s) URL is a URL source (docs/api.md §2). */
export function isHttpUrl(text: string): boolean {
  if (!/^https?:\/\//i.test(text)) return false;
  return URL.canParse(text);
}

/** Standard base64, whitespace ignored, with an optional `data:<mime>;base64,` prefix. */
export function decodeBase64(text: string): Uint8Array | null {
  const body = text
    .replace(/^data:[\w.+-]+\/[\w.+-]+(;[\w=.+-]+)*;base64,/i, '')
    .replace(/\s+/g, '');
  if (body === '' || !/^[A-Za-z0-9+/]+={0,2}$/.test(body) || body.length % 4 === 1) return null;
  const bytes = Buffer.from(body, 'base64');
  return bytes.length === 0 ? null : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
}

/** Reads the upload's bytes from a file, a base64 string or a URL, within the size limit. */
export async function readSource(source: SourceInput, ctx: SourceContext): Promise<UploadSource> {
  if (source.kind === 'none') throw new Refusal('no-source');
  if (source.kind === 'file') {
    const { file } = source;
    if (file.size > ctx.maxBytes) throw tooBig(ctx);
    if (file.size === 0) throw new Refusal('empty-source');
    return {
      bytes: file.bytes,
      path: file.path,
      size: file.size,
      md5: file.md5,
      originalFilename: file.filename,
      via: 'file',
    };
  }
  const text = source.text.trim();
  if (text === '') throw new Refusal('empty-source');
  if (isHttpUrl(text)) {
    if (ctx.urlRefusal) throw new Refusal(ctx.urlRefusal);
    let fetched: FetchedSource;
    try {
      fetched = await ctx.fetch(text, { ...ctx.fetchOptions, maxBytes: ctx.maxBytes });
    } catch (error) {
      if (error instanceof SourceFetchError) {
        throw new Refusal(error.reason === 'not-allowed' ? 'url-not-allowed' : 'url-fetch-failed');
      }
      throw error;
    }
    return {
      bytes: fetched.bytes,
      path: null,
      size: fetched.bytes.length,
      md5: await md5(fetched.bytes),
      originalFilename: fetched.filename,
      via: 'url',
    };
  }
  // Cheap check before decoding: 4 base64 characters carry 3 bytes.
  if (text.length > Math.ceil((ctx.maxBytes * 4) / 3) + 4096) throw tooBig(ctx);
  const bytes = decodeBase64(text);
  if (!bytes) throw new Refusal('invalid-base64');
  if (bytes.length > ctx.maxBytes) throw tooBig(ctx);
  return {
    bytes,
    path: null,
    size: bytes.length,
    md5: await md5(bytes),
    originalFilename: '',
    via: 'base64',
  };
}

/** base64 sources are named `<12 hex>.<ext>`. */
export const randomFilename = (extension: string): string => `${randomText(6)}.${extension}`;
