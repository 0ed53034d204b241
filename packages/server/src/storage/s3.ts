import { stat } from 'node:fs/promises';
import type { S3StorageOptions } from '../config/s3.ts';
import {
  isSafeKey,
  type ListedObject,
  type Storage,
  StorageFullError,
  StorageUnavailableError,
  type StoredFile,
  type StoredObject,
} from './storage.ts';

export type { S3StorageOptions };

const DEFAULT_TIMEOUT_MS = 10_000;
/** Files larger than one part are sent as a multipart upload in parts of this size. */
export const S3_PART_SIZE = 8 * 1024 * 1024;
/** Parts in flight at once: with the flushes below, memory stays near 3 parts per upload. */
const QUEUE_SIZE = 2;
/**
 * Uploads are bounded by a slowest acceptable rate rather than a fixed time: a step that
 * sends N bytes may take `timeoutMs + N / UPLOAD_FLOOR`. Bun's S3 client takes no
 * AbortSignal and reports no progress within a part, so an idle timer cannot see bytes on
 * the wire; the step bound covers a slow but working link (4 Mbit/s) and still ends a hung
 * one within a minute whatever the file's size, since each step is at most a few parts.
 */
const UPLOAD_FLOOR_BYTES_PER_S = 512 * 1024;
/** Presigned URLs are used at once; the margin covers a clock a little off. */
const PRESIGN_EXPIRES_S = 15 * 60;
const DELETE_CONCURRENCY = 8;

/** S3 error codes that mean the store answered and refused: retrying will not help. */
const REFUSALS = new Set([
  'AccessDenied',
  'AccountProblem',
  'AllAccessDisabled',
  'AuthorizationHeaderMalformed',
  'BadDigest',
  'EntityTooLarge',
  'EntityTooSmall',
  'ExpiredToken',
  'InvalidAccessKeyId',
  'InvalidArgument',
  'InvalidBucketName',
  'InvalidBucketState',
  'InvalidDigest',
  'InvalidObjectState',
  'InvalidPart',
  'InvalidPartOrder',
  'InvalidRequest',
  'InvalidToken',
  'KeyTooLongError',
  'MalformedXML',
  'MethodNotAllowed',
  'MissingContentLength',
  'NoSuchBucket',
  'NoSuchUpload',
  'NotImplemented',
  'PermanentRedirect',
  'PreconditionFailed',
  'SignatureDoesNotMatch',
  'TokenRefreshRequired',
]);
/** Codes of stores that ran out of room or quota (MinIO, Ceph RGW, Backblaze B2). */
const FULL = new Set(['XMinioStorageFull', 'QuotaExceeded', 'InsufficientStorage', 'StorageFull']);

/**
 * An S3-compatible object store through Bun's built-in S3 client. Uploads go through the
 * client (it signs and runs multipart uploads); bodiless requests (HEAD, DELETE) and
 * ranged reads go through fetch on URLs the client presigns, because the client's own
 * methods take no AbortSignal and report no HTTP status for HEAD: fetch can be cancelled
 * at the timeout and its status tells a missing object from a refusal or an outage.
 */
export function createS3Storage(options: S3StorageOptions): Storage {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const pageSize = options.listPageSize ?? 1000;
  const base = (options.prefix ?? '').replace(/^\/+|\/+$/g, '');
  if (base !== '' && !isSafeKey(base)) throw new Error('Unsafe S3 key prefix');

  const client = new Bun.S3Client({
    bucket: options.bucket,
    region: options.region,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.accessKeyId ? { accessKeyId: options.accessKeyId } : {}),
    ...(options.secretAccessKey ? { secretAccessKey: options.secretAccessKey } : {}),
    ...(options.virtualHostedStyle ? { virtualHostedStyle: true } : {}),
  });

  const fullKey = (key: string): string => {
    if (!isSafeKey(key)) throw new Error('Unsafe storage key');
    return base === '' ? key : `${base}/${key}`;
  };
  const stripBase = (key: string): string | null => {
    if (base === '') return key;
    return key.startsWith(`${base}/`) ? key.slice(base.length + 1) : null;
  };
  const uploadBudget = (bytes: number) =>
    timeoutMs + Math.ceil((bytes * 1000) / UPLOAD_FLOOR_BYTES_PER_S);

  /** A signed request through fetch, cancelled when it outlasts the timeout. */
  async function signed(
    method: 'HEAD' | 'DELETE',
    key: string,
  ): Promise<{ status: number; headers: Headers }> {
    const url = client.presign(key, { method, expiresIn: PRESIGN_EXPIRES_S });
    let response: Response;
    try {
      response = await fetch(url, { method, signal: AbortSignal.timeout(timeoutMs) });
    } catch (error) {
      throw unavailable(`${method} ${key}`, error, timeoutMs);
    }
    // Drain what little there is (an XML error), so the connection can be reused.
    await response.arrayBuffer().catch(() => undefined);
    return { status: response.status, headers: response.headers };
  }

  async function head(key: string): Promise<Headers | null> {
    const { status, headers } = await signed('HEAD', key);
    if (status === 404) return null;
    if (status >= 200 && status < 300) return headers;
    throw statusError('HEAD', key, status);
  }

  async function remove(key: string): Promise<void> {
    const { status } = await signed('DELETE', key);
    // S3 answers 204 for a key that is not there; some stores answer 404.
    if ((status >= 200 && status < 300) || status === 404) return;
    throw statusError('DELETE', key, status);
  }

  /** Streams a local file to S3: one PUT when it fits a part, a multipart upload otherwise. */
  async function uploadPath(key: string, path: string): Promise<void> {
    const size = (await stat(path)).size;
    const writer = client.file(key).writer({ partSize: S3_PART_SIZE, queueSize: QUEUE_SIZE });
    // The writer buffers whatever it is given (write() does not wait for the network);
    // flushing after each part's worth keeps memory to a few parts and paces the reads.
    const stepBudget = (pending: number) =>
      uploadBudget(Math.min(size, pending + S3_PART_SIZE * QUEUE_SIZE));
    let pending = 0;
    const reader = Bun.file(path).stream().getReader();
    try {
      for (let read = await reader.read(); !read.done; read = await reader.read()) {
        writer.write(read.value);
        pending += read.value.byteLength;
        if (pending >= S3_PART_SIZE) {
          await bounded(`PUT ${key}`, stepBudget(pending), writer.flush());
          pending = 0;
        }
      }
      await bounded(`PUT ${key}`, stepBudget(pending), writer.end());
    } catch (error) {
      await reader.cancel().catch(() => undefined);
      // The writer is dropped, never ended: end(), even with an error, completes the upload
      // with what it has. Unended, nothing is stored, and Bun aborts a multipart upload it
      // had begun (seen with s3rver) or when a part fails; a store that hung may keep the
      // parts until its lifecycle rule for incomplete multipart uploads removes them.
      throw error;
    }
  }

  async function upload(key: string, file: StoredFile): Promise<void> {
    if ('path' in file) return uploadPath(key, file.path);
    await bounded(`PUT ${key}`, uploadBudget(file.bytes.byteLength), client.write(key, file.bytes));
  }

  async function* listAll(prefix: string): AsyncIterable<ListedObject> {
    let continuationToken: string | undefined;
    let startAfter: string | undefined;
    for (;;) {
      const page = await bounded(
        `LIST ${prefix}`,
        timeoutMs,
        client.list({
          prefix,
          maxKeys: pageSize,
          ...(continuationToken ? { continuationToken } : {}),
          ...(startAfter ? { startAfter } : {}),
        }),
      );
      const contents = page.contents ?? [];
      for (const entry of contents) {
        const key = stripBase(entry.key);
        // Hidden segments are skipped, as the local driver skips hidden files.
        if (key === null || !isSafeKey(key)) continue;
        yield {
          key,
          size: entry.size ?? 0,
          modifiedAt: entry.lastModified ? new Date(entry.lastModified) : new Date(0),
        };
      }
      if (!page.isTruncated || contents.length === 0) return;
      // Stores that give no continuation token page by the last key instead.
      continuationToken = page.nextContinuationToken;
      startAfter = continuationToken ? undefined : contents.at(-1)!.key;
    }
  }

  /**
   * The bytes from start to end (exclusive) as a stream that fetches nothing until it is
   * read, then asks for just that range; a pause of more than the timeout ends it.
   */
  function rangeStream(key: string, start: number, end: number): ReadableStream<Uint8Array> {
    const abort = new AbortController();
    let reader: ReadableStreamDefaultReader<Uint8Array> | null = null;
    let remaining = end - start;
    const label = `GET ${key}`;
    const timed = async <T>(work: Promise<T>): Promise<T> => {
      const timer = setTimeout(() => abort.abort(), timeoutMs);
      try {
        return await work;
      } catch (error) {
        throw unavailable(label, error, timeoutMs);
      } finally {
        clearTimeout(timer);
      }
    };
    return new ReadableStream<Uint8Array>(
      {
        async pull(controller) {
          if (!reader) {
            const url = client.presign(key, { method: 'GET', expiresIn: PRESIGN_EXPIRES_S });
            const response = await timed(
              fetch(url, {
                headers: { Range: `bytes=${start}-${end - 1}` },
                signal: abort.signal,
              }),
            );
            // 200 would be the whole object where a range was asked for.
            const from = /^bytes (\d+)-/.exec(response.headers.get('content-range') ?? '')?.[1];
            if (response.status !== 206 || !response.body || Number(from) !== start) {
              await response.body?.cancel().catch(() => undefined);
              throw response.status === 206 || response.status === 200
                ? new Error(`${label}: the object store did not answer the range asked for`)
                : statusError('GET', key, response.status);
            }
            reader = response.body.getReader();
          }
          const { done, value } = await timed(reader.read());
          if (done) {
            // A short body would make the response shorter than its Content-Length.
            if (remaining > 0) throw new StorageUnavailableError(`${label}: the body ended early`);
            controller.close();
            return;
          }
          // Never more than asked for, whatever the store sends.
          const chunk = value.byteLength > remaining ? value.subarray(0, remaining) : value;
          remaining -= chunk.byteLength;
          if (chunk.byteLength > 0) controller.enqueue(chunk);
          if (remaining === 0) {
            controller.close();
            await reader.cancel().catch(() => undefined);
          }
        },
        async cancel(reason) {
          abort.abort(reason);
          await reader?.cancel(reason).catch(() => undefined);
        },
      },
      // Nothing is fetched before a reader asks (a HEAD request never does).
      { highWaterMark: 0 },
    );
  }

  return {
    kind: 's3',

    async putAll(files: StoredFile[]) {
      const keys = files.map((file) => fullKey(file.key));
      // Written side by side: S3 makes each object durable before it answers a PUT.
      const results = await Promise.allSettled(files.map((file, i) => upload(keys[i]!, file)));
      const failed = results.find((result) => result.status === 'rejected');
      if (!failed) return;
      // Undo what was written, and what may have been: a write that timed out can still land.
      const undo = keys.filter((_, i) => {
        const result = results[i]!;
        return result.status === 'fulfilled' || result.reason instanceof StorageUnavailableError;
      });
      await Promise.allSettled(undo.map((key) => remove(key)));
      throw failed.reason;
    },

    async deleteAll(keys: string[]) {
      const queue = keys.map((key) => fullKey(key));
      const worker = async () => {
        for (let key = queue.shift(); key !== undefined; key = queue.shift()) await remove(key);
      };
      await Promise.all(Array.from({ length: Math.min(DELETE_CONCURRENCY, queue.length) }, worker));
    },

    async exists(key: string) {
      if (!isSafeKey(key)) return false;
      return (await head(fullKey(key))) !== null;
    },

    async get(key: string): Promise<StoredObject | null> {
      if (!isSafeKey(key)) return null;
      const stored = fullKey(key);
      const headers = await head(stored);
      if (!headers) return null;
      const size = Number(headers.get('content-length') ?? Number.NaN);
      if (!Number.isSafeInteger(size) || size < 0)
        throw new Error(`HEAD ${stored}: the object store sent no size`);
      const modified = Date.parse(headers.get('last-modified') ?? '');
      return {
        size,
        modifiedAt: new Date(Number.isNaN(modified) ? 0 : modified),
        body(start = 0, end = size) {
          const from = Math.max(0, start);
          const to = Math.min(size, end);
          // An empty range cannot be asked of S3 (bytes=5-4 is invalid): nothing to fetch.
          if (to <= from) return new Blob([]);
          return rangeStream(stored, from, to);
        },
      };
    },

    list(prefixKey: string): AsyncIterable<ListedObject> {
      if (prefixKey !== '' && !isSafeKey(prefixKey.replace(/\/+$/, '')))
        throw new Error('Unsafe storage key');
      return listAll(base === '' ? prefixKey : `${base}/${prefixKey}`);
    },

    async ping() {
      try {
        await bounded('LIST', timeoutMs, client.list({ prefix: base, maxKeys: 1 }));
      } catch (error) {
        // A missing bucket or refused credentials leave the store unusable just the same.
        if (error instanceof StorageUnavailableError) throw error;
        throw new StorageUnavailableError(`S3 bucket ${options.bucket} is not usable: ${error}`, {
          cause: error,
        });
      }
    },
  };
}

/** The work's result, or StorageUnavailableError when it takes longer than `ms`. */
async function bounded<T>(label: string, ms: number, work: Promise<T> | T): Promise<T> {
  const running = Promise.resolve(work);
  // The work cannot be cancelled (Bun's S3 methods take no signal); a late failure of an
  // abandoned request must not surface as an unhandled rejection.
  running.catch(() => undefined);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new StorageUnavailableError(`${label}: no answer within ${ms} ms`)),
      ms,
    );
  });
  try {
    return await Promise.race([running, timeout]);
  } catch (error) {
    throw classify(label, error);
  } finally {
    clearTimeout(timer);
  }
}

/** Errors of Bun's S3 client: refusals stay as they are; outages become unavailable. */
function classify(label: string, error: unknown): unknown {
  if (error instanceof StorageUnavailableError || error instanceof StorageFullError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return error;
  if (FULL.has(code)) return new StorageFullError('No space left on storage', { cause: error });
  // Bun's own errors (ERR_S3_MISSING_CREDENTIALS...) are settings to fix, not an outage.
  if (REFUSALS.has(code) || code.startsWith('ERR_')) return error;
  // Connection refused, DNS failure, reset, 5xx (InternalError, SlowDown...).
  return new StorageUnavailableError(`${label}: ${code}`, { cause: error });
}

/** A fetch that failed to get an answer: refused, unresolvable, reset or timed out. */
function unavailable(label: string, error: unknown, ms: number): StorageUnavailableError {
  if (error instanceof StorageUnavailableError) return error;
  const name = (error as { name?: unknown } | null)?.name;
  const reason =
    name === 'TimeoutError' || name === 'AbortError'
      ? `no answer within ${ms} ms`
      : String((error as { code?: unknown } | null)?.code ?? error);
  return new StorageUnavailableError(`${label}: ${reason}`, { cause: error });
}

function statusError(method: string, key: string, status: number): Error {
  if (status >= 500 || status === 429)
    return new StorageUnavailableError(`${method} ${key}: the object store answered ${status}`);
  return new Error(`${method} ${key}: the object store answered ${status}`);
}
