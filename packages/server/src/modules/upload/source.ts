import { randomBytes } from 'node:crypto';
import { ApiErrors } from '@upshot/schema';
import {
  type FetchedSource,
  type SafeFetchOptions,
  SourceFetchError,
} from '../../fetch/safe-fetch.ts';
import { ApiError } from '../../http/api-error.ts';
import type { SourceInput } from './params.ts';

export interface SourceBytes {
  bytes: Uint8Array;
  /** The client's file name; '' when the source gave none (named later from the type). */
  originalFilename: string;
  via: 'file' | 'base64' | 'url';
}

export interface SourceContext {
  method: string;
  maxBytes: number;
  maxMb: number;
  /** URL sources are off for guests and when the instance switches them off. */
  urlAllowed: boolean;
  fetch: (url: string, options: SafeFetchOptions) => Promise<FetchedSource>;
  fetchOptions: Omit<SafeFetchOptions, 'maxBytes'>;
}

const tooBig = (ctx: SourceContext) => new ApiError(ApiErrors.fileTooBig(ctx.maxMb));

function isHttpUrl(text: string): boolean {
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

/** Reads the upload's bytes from a file part, a base64 string or a URL, within the size limit. */
export async function readSource(source: SourceInput, ctx: SourceContext): Promise<SourceBytes> {
  if (source.kind === 'none') throw new ApiError(ApiErrors.emptyUploadSource);
  if (source.kind === 'file') {
    if (source.file.bytes.length > ctx.maxBytes) throw tooBig(ctx);
    if (source.file.bytes.length === 0) throw new ApiError(ApiErrors.emptySource);
    return {
      bytes: source.file.bytes,
      originalFilename: source.file.filename,
      via: 'file',
    };
  }
  const text = source.text.trim();
  if (text === '') throw new ApiError(ApiErrors.emptySource);
  if (isHttpUrl(text)) {
    if (!ctx.urlAllowed) throw new ApiError(ApiErrors.urlUploadDisabled);
    try {
      const fetched = await ctx.fetch(text, { ...ctx.fetchOptions, maxBytes: ctx.maxBytes });
      return { bytes: fetched.bytes, originalFilename: fetched.filename, via: 'url' };
    } catch (error) {
      if (error instanceof SourceFetchError) {
        throw new ApiError(
          error.reason === 'not-allowed' ? ApiErrors.urlNotAllowed : ApiErrors.urlFetchFailed,
        );
      }
      throw error;
    }
  }
  if (ctx.method === 'GET') throw new ApiError(ApiErrors.base64OverGet);
  // Cheap check before decoding: 4 base64 characters carry 3 bytes.
  if (text.length > Math.ceil((ctx.maxBytes * 4) / 3) + 4096) throw tooBig(ctx);
  const bytes = decodeBase64(text);
  if (!bytes) throw new ApiError(ApiErrors.invalidBase64);
  if (bytes.length > ctx.maxBytes) throw tooBig(ctx);
  return { bytes, originalFilename: '', via: 'base64' };
}

/** base64 sources are named `<12 hex>.<ext>`. */
export const randomFilename = (extension: string): string =>
  `${randomBytes(6).toString('hex')}.${extension}`;
