import type { StoredObject } from '../storage/storage.ts';

export interface ServeOptions {
  contentType: string;
  /** Seconds a cache may keep the file. */
  maxAge: number;
  /** Replaces the public, immutable Cache-Control (a private file: `private, no-store`). */
  cacheControl?: string;
  /** A build artifact's `attachment; filename=...`: browsers download it, never render it. */
  disposition?: string;
}

type ByteRange = { start: number; end: number } | 'unsatisfiable' | null;

/** One `bytes=` range; several ranges or a malformed header are served whole (RFC 9110 allows it). */
export function parseRange(header: string | null, size: number): ByteRange {
  if (!header) return null;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match) return null;
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return null;
  let start: number;
  let end: number;
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0) return 'unsatisfiable';
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(first);
    end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
    if (last !== '' && Number(last) < start) return null;
  }
  if (start >= size || size === 0) return 'unsatisfiable';
  return { start, end };
}

const etagOf = (file: Pick<StoredObject, 'size' | 'modifiedAt'>): string =>
  `"${file.size.toString(16)}-${Math.floor(file.modifiedAt.getTime()).toString(16)}"`;

function notModified(request: Request, etag: string, modifiedAt: Date): boolean {
  const inm = request.headers.get('if-none-match');
  if (inm !== null)
    return inm
      .split(',')
      .some((tag) => tag.trim().replace(/^W\//, '') === etag || tag.trim() === '*');
  const ims = request.headers.get('if-modified-since');
  if (ims === null) return false;
  const since = Date.parse(ims);
  return (
    !Number.isNaN(since) && Math.floor(modifiedAt.getTime() / 1000) <= Math.floor(since / 1000)
  );
}

/** The headers every answer about a stored file carries (200, 206, 304, 416). */
export function fileHeaders(
  file: Pick<StoredObject, 'size' | 'modifiedAt'>,
  options: ServeOptions,
): Record<string, string> {
  const headers: Record<string, string> = {
    'Content-Type': options.contentType,
    'Accept-Ranges': 'bytes',
    ETag: etagOf(file),
    'Last-Modified': file.modifiedAt.toUTCString(),
    'Cache-Control':
      options.cacheControl ??
      `public, max-age=${Math.max(0, Math.floor(options.maxAge))}, immutable`,
    'X-Content-Type-Options': 'nosniff',
    // Served files are media, never documents: nothing in them may run.
    'Content-Security-Policy': "default-src 'none'; sandbox",
  };
  if (options.disposition) headers['Content-Disposition'] = options.disposition;
  return headers;
}

/** A stored file as an HTTP response: conditional requests, one byte range, HEAD. */
export function serveStoredFile(
  request: Request,
  file: StoredObject,
  options: ServeOptions,
): Response {
  const headers = fileHeaders(file, options);
  const etag = headers.ETag!;
  if (notModified(request, etag, file.modifiedAt))
    return new Response(null, { status: 304, headers });

  const ifRange = request.headers.get('if-range');
  const range =
    ifRange === null || ifRange === etag
      ? parseRange(request.headers.get('range'), file.size)
      : null;
  if (range === 'unsatisfiable') {
    return new Response(null, {
      status: 416,
      headers: { ...headers, 'Content-Range': `bytes */${file.size}` },
    });
  }
  // HEAD: the headers alone; the body is never opened (an S3 object is not fetched).
  const head = request.method === 'HEAD';
  if (range) {
    const length = range.end - range.start + 1;
    return new Response(head ? null : file.body(range.start, range.end + 1), {
      status: 206,
      headers: {
        ...headers,
        'Content-Length': String(length),
        'Content-Range': `bytes ${range.start}-${range.end}/${file.size}`,
      },
    });
  }
  // Explicit, since a streamed body (S3) has no length of its own; Bun.serve still sends
  // those chunked without it for now (oven-sh/bun#10507), and a Blob's length is the same.
  return new Response(head ? null : file.body(), {
    status: 200,
    headers: { ...headers, 'Content-Length': String(file.size) },
  });
}
