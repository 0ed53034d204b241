import {
  MaxFileSizeExceededError,
  MaxPartsExceededError,
  MaxTotalSizeExceededError,
  MultipartParseError,
  parseMultipartRequest,
} from '@remix-run/multipart-parser';
import { ApiErrors } from '@upshot/schema';
import { ApiError } from './api-error.ts';

/** A file part of a multipart body: its bytes as parsed, not copied into a Blob. */
export interface FilePart {
  filename: string;
  type: string;
  bytes: Uint8Array;
}

export const isFilePart = (value: unknown): value is FilePart =>
  typeof value === 'object' && value !== null && (value as FilePart).bytes instanceof Uint8Array;

/**
 * One buffer of the part's chunks. Not `part.bytes`, whose `new Uint8Array` zero-fills a
 * fresh mapping: on a multi-megabyte upload that page-faulting cost ~25 ms of CPU here,
 * against under 1 ms for the allocator's reused memory. Every byte is overwritten below.
 */
function joinChunks(chunks: Uint8Array[]): Uint8Array {
  if (chunks.length === 1 && chunks[0]) return chunks[0];
  const total = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
  const out = Buffer.allocUnsafe(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

export interface MultipartLimits {
  maxBytes: number;
  /** For the message of the contract's 413. */
  maxMb: number;
}

/**
 * Parses a multipart body as it streams in, into `{ name: value | value[] }` with text
 * fields as strings and files as FileParts. Bun's own `formData()` copies a large upload
 * several times on the main thread (measured: ~75 ms of a 7 MB upload's CPU).
 */
export async function parseMultipart(
  request: Request,
  limits: MultipartLimits,
): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  try {
    for await (const part of parseMultipartRequest(request, {
      maxFileSize: limits.maxBytes,
      maxTotalSize: limits.maxBytes,
      maxParts: 64,
    })) {
      const name = part.name;
      if (!name) continue;
      const value: string | FilePart = part.isFile
        ? {
            filename: part.filename ?? '',
            type: part.mediaType ?? '',
            bytes: joinChunks(part.content),
          }
        : part.text;
      const existing = out[name];
      if (existing === undefined) out[name] = value;
      else if (Array.isArray(existing)) existing.push(value);
      else out[name] = [existing, value];
    }
  } catch (error) {
    if (
      error instanceof MaxFileSizeExceededError ||
      error instanceof MaxTotalSizeExceededError ||
      error instanceof MaxPartsExceededError
    ) {
      throw new ApiError(ApiErrors.fileTooBig(limits.maxMb));
    }
    if (error instanceof MultipartParseError || error instanceof TypeError) {
      throw new ApiError(ApiErrors.invalidParameter('request body'));
    }
    throw error;
  }
  return out;
}
