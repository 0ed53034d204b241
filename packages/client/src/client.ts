import type { Image, UploadOptions } from '@upshot/schema';
import { transportError, UpshotError } from './errors.ts';
import { isHttpUrl, type PreparedSource, prepareInput, type UploadInput } from './input.ts';
import { toWireParams } from './params.ts';
import {
  conformImage,
  conformImgbbData,
  errorFromReply,
  type ImgbbData,
  imageObjectOf,
  isErrorEnvelope,
} from './reply.ts';
import { backoffDelay, type Clock, systemClock } from './retry.ts';
import { VERSION } from './version.ts';

export interface ClientOptions {
  /** The instance's address, e.g. `https://img.example.com` (a sub-folder install keeps its path). */
  baseUrl: string;
  /** Sent as `X-API-Key` (and as `key` in the body for the imgbb dialect). */
  apiKey?: string;
  /** A fetch implementation; the global one by default. */
  fetch?: typeof fetch;
  /** Retries after the first attempt, for retryable failures only. Default 3. */
  retries?: number;
  /** Per attempt, until the whole reply is read. Default 60000. */
  timeoutMs?: number;
  /** No retry starts once this long has passed since the first attempt began. Default 120000. */
  maxRetryTimeMs?: number;
  /** First backoff step; each retry doubles it (full jitter, capped at 20 s). Default 500. */
  retryDelayMs?: number;
  /** Default `upshot-client/<version>`. */
  userAgent?: string;
  /** The upload endpoint: a path under `baseUrl` or an absolute URL. Default `/api/1/upload`; imgbb: `/1/upload`. */
  endpoint?: string;
  /** Time source and waiting, for tests. */
  clock?: Clock;
  /** Random numbers in [0, 1) for the jitter, for tests. */
  random?: () => number;
}

/** `chevereto` sends `source` and returns the image object; `imgbb` sends `image` and returns imgbb's `data`. */
export type Dialect = 'chevereto' | 'imgbb';

export interface RetryEvent {
  /** The attempt that failed (1 for the first request). */
  attempt: number;
  /** How long the client waits before the next attempt. */
  delayMs: number;
  error: UpshotError;
}

export interface UploadRequestOptions extends UploadOptions {
  signal?: AbortSignal;
  dialect?: Dialect;
  /** Called before each wait between attempts. */
  onRetry?: (event: RetryEvent) => void;
}

interface ResultBase {
  /** md5 (hex) of the bytes the client sent; `''` for a URL source (the server fetches it). */
  md5: string;
  /**
   * Fields the server didn't send or sent in another shape, filled with neutral values
   * (0, '', null, [], or derived from the URL). Empty for a server that follows the contract.
   */
  missing: string[];
  /** The parsed JSON body as the server sent it. */
  reply: unknown;
}

export interface UploadResult extends ResultBase {
  image: Image;
}

export interface ImgbbUploadResult extends ResultBase {
  data: ImgbbData;
}

export type UploadProgressEvent =
  | { type: 'start'; index: number; input: UploadInput; total: number }
  | {
      type: 'retry';
      index: number;
      input: UploadInput;
      total: number;
      attempt: number;
      delayMs: number;
      error: UpshotError;
    }
  | {
      type: 'success';
      index: number;
      input: UploadInput;
      total: number;
      result: UploadResult;
      /** Inputs finished so far, this one included. */
      completed: number;
      failed: number;
    }
  | {
      type: 'failure';
      index: number;
      input: UploadInput;
      total: number;
      error: UpshotError;
      completed: number;
      failed: number;
    };

export type UploadManyResult =
  | { index: number; input: UploadInput; ok: true; result: UploadResult }
  | { index: number; input: UploadInput; ok: false; error: UpshotError };

export interface UploadManyOptions {
  /** Uploads in flight at once. Default 2. */
  concurrency?: number;
  /** Parameters for every upload. */
  params?: UploadOptions;
  onProgress?: (event: UploadProgressEvent) => void;
  /** Aborts the uploads in flight and fails the ones not started. */
  signal?: AbortSignal;
}

export interface UpshotClient {
  readonly baseUrl: string;
  /** The full upload endpoint URL. */
  readonly endpoint: string;
  upload(
    input: UploadInput,
    params: UploadRequestOptions & { dialect: 'imgbb' },
  ): Promise<ImgbbUploadResult>;
  upload(
    input: UploadInput,
    params?: UploadRequestOptions & { dialect?: 'chevereto' },
  ): Promise<UploadResult>;
  /** Uploads every input; resolves with one result per input, in input order; never rejects for a file. */
  uploadMany(inputs: UploadInput[], options?: UploadManyOptions): Promise<UploadManyResult[]>;
  /**
   * Checks the key without uploading: posts an empty upload, which a server answers with
   * "Empty upload source" once it has accepted the key. Rejects with the UpshotError when
   * the key is refused (HTTP 401 or code 100) or may not upload (HTTP 403: "Request
   * denied", e.g. the guest key of an instance without guest uploads), the server can't be
   * reached, or the reply isn't a Chevereto-style envelope. Resolves with the server's
   * answer otherwise.
   */
  checkKey(options?: { signal?: AbortSignal }): Promise<UpshotError>;
}

const MAX_BACKOFF_MS = 20_000;

export const asUpshotError = (error: unknown): UpshotError =>
  error instanceof UpshotError
    ? error
    : new UpshotError(error instanceof Error ? error.message : String(error), {
        kind: 'input',
        cause: error,
      });

const abortedError = (signal: AbortSignal, attempts: number) =>
  new UpshotError('Upload aborted', { kind: 'aborted', attempts, cause: signal.reason });

function resolveEndpoint(baseUrl: string, endpoint: string): string {
  if (isHttpUrl(endpoint)) return endpoint;
  return `${baseUrl}/${endpoint.replace(/^\/+/, '')}`;
}

export function createClient(options: ClientOptions): UpshotClient {
  if (!isHttpUrl(options.baseUrl)) {
    throw new TypeError(`baseUrl must be an http(s) URL, got ${JSON.stringify(options.baseUrl)}`);
  }
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const endpoint = resolveEndpoint(baseUrl, options.endpoint ?? '/api/1/upload');
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const retries = Math.max(0, Math.floor(options.retries ?? 3));
  const timeoutMs = options.timeoutMs ?? 60_000;
  const maxRetryTimeMs = options.maxRetryTimeMs ?? 120_000;
  const retryDelayMs = options.retryDelayMs ?? 500;
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const headers: Record<string, string> = {
    Accept: 'application/json',
    'User-Agent': options.userAgent ?? `upshot-client/${VERSION}`,
  };
  if (options.apiKey) headers['X-API-Key'] = options.apiKey;

  function buildForm(source: PreparedSource, fields: [string, string][], dialect: Dialect) {
    const form = new FormData();
    const field = dialect === 'imgbb' ? 'image' : 'source';
    if (source.kind === 'file') form.append(field, source.blob, source.filename);
    else form.append(field, source.kind === 'url' ? source.url : source.base64);
    for (const [name, value] of fields) {
      // imgbb's own endpoint names the title `name`; Upshot and Chevereto accept both.
      form.append(dialect === 'imgbb' && name === 'title' ? 'name' : name, value);
    }
    if (dialect === 'imgbb' && options.apiKey) form.append('key', options.apiKey);
    return form;
  }

  async function attempt(
    source: PreparedSource,
    fields: [string, string][],
    dialect: Dialect,
    textFormat: boolean,
    signal: AbortSignal | undefined,
    attemptNumber: number,
  ): Promise<{ raw: Record<string, unknown>; reply: unknown }> {
    const timeout = new AbortController();
    const timer = setTimeout(
      () => timeout.abort(new Error(`timed out after ${timeoutMs} ms`)),
      timeoutMs,
    );
    const combined = signal ? AbortSignal.any([signal, timeout.signal]) : timeout.signal;
    let response: Response;
    let text: string;
    try {
      response = await fetchImpl(endpoint, {
        method: 'POST',
        headers,
        body: buildForm(source, fields, dialect),
        signal: combined,
        // Chevereto's 301s turn the POST into a GET without a body; say so instead.
        redirect: 'manual',
      });
      text = await response.text();
    } catch (cause) {
      if (signal?.aborted) throw abortedError(signal, attemptNumber);
      throw transportError(cause, timeout.signal.aborted, timeoutMs);
    } finally {
      clearTimeout(timer);
    }

    const { status } = response;
    if (status === 0 || (status >= 300 && status < 400)) {
      const location = response.headers.get('location');
      throw new UpshotError(
        `The server redirected the upload${location ? ` to ${location}` : ''}; use the final address as the server URL`,
        { kind: 'http', status },
      );
    }
    if (status >= 400)
      throw errorFromReply(status, response.headers, text, clock.now(), response.statusText);
    if (textFormat) {
      const url = text.trim();
      if (!isHttpUrl(url))
        throw errorFromReply(status, response.headers, text, clock.now(), response.statusText);
      return { raw: { url }, reply: text };
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (cause) {
      throw new UpshotError(
        "The server's reply is not JSON: is this a Chevereto-compatible upload endpoint?",
        { kind: 'invalid-reply', status, cause },
      );
    }
    if (isErrorEnvelope(body))
      throw errorFromReply(status, response.headers, text, clock.now(), response.statusText);
    return { raw: imageObjectOf(body, status), reply: body };
  }

  async function send(
    source: PreparedSource,
    fields: [string, string][],
    dialect: Dialect,
    textFormat: boolean,
    signal: AbortSignal | undefined,
    onRetry: ((event: RetryEvent) => void) | undefined,
  ) {
    const started = clock.now();
    for (let attemptNumber = 1; ; attemptNumber++) {
      if (signal?.aborted) throw abortedError(signal, attemptNumber - 1);
      let error: UpshotError;
      try {
        return await attempt(source, fields, dialect, textFormat, signal, attemptNumber);
      } catch (caught) {
        error = asUpshotError(caught);
      }
      if (!error.retryable || attemptNumber > retries) throw error.withAttempts(attemptNumber);
      const delayMs =
        error.retryAfterMs ?? backoffDelay(attemptNumber, retryDelayMs, MAX_BACKOFF_MS, random);
      // A Retry-After (or backoff) that doesn't fit in the time left: give up now, not later.
      if (clock.now() - started + delayMs > maxRetryTimeMs) throw error.withAttempts(attemptNumber);
      onRetry?.({ attempt: attemptNumber, delayMs, error });
      try {
        await clock.sleep(delayMs, signal);
      } catch {
        throw abortedError(signal ?? new AbortController().signal, attemptNumber);
      }
    }
  }

  async function upload(
    input: UploadInput,
    params: UploadRequestOptions = {},
  ): Promise<UploadResult | ImgbbUploadResult> {
    const { signal, dialect = 'chevereto', onRetry, ...uploadOptions } = params;
    if (signal?.aborted) throw abortedError(signal, 0);
    if (uploadOptions.format === 'redirect') {
      throw new UpshotError("format 'redirect' is not supported by the client: use json or txt", {
        kind: 'input',
      });
    }
    const fields = toWireParams(uploadOptions);
    const source = await prepareInput(input);
    const textFormat = uploadOptions.format === 'txt';
    const { raw, reply } = await send(source, fields, dialect, textFormat, signal, onRetry);
    const now = clock.now();
    if (dialect === 'imgbb') {
      const { data, missing } = conformImgbbData(raw, now);
      return { data, md5: source.md5, missing, reply };
    }
    const { image, missing } = conformImage(raw, now);
    return { image, md5: source.md5, missing, reply };
  }

  async function uploadMany(
    inputs: UploadInput[],
    manyOptions: UploadManyOptions = {},
  ): Promise<UploadManyResult[]> {
    const { params = {}, onProgress, signal } = manyOptions;
    const concurrency = Math.max(1, Math.floor(manyOptions.concurrency ?? 2) || 1);
    const total = inputs.length;
    const results: UploadManyResult[] = new Array(total);
    let next = 0;
    let completed = 0;
    let failed = 0;

    async function worker() {
      while (next < total) {
        const index = next++;
        const input = inputs[index] as UploadInput;
        onProgress?.({ type: 'start', index, input, total });
        try {
          const result = (await upload(input, {
            ...params,
            dialect: 'chevereto',
            signal,
            onRetry: (event) => onProgress?.({ type: 'retry', index, input, total, ...event }),
          })) as UploadResult;
          results[index] = { index, input, ok: true, result };
          completed++;
          onProgress?.({ type: 'success', index, input, total, result, completed, failed });
        } catch (caught) {
          const error = asUpshotError(caught);
          results[index] = { index, input, ok: false, error };
          completed++;
          failed++;
          onProgress?.({ type: 'failure', index, input, total, error, completed, failed });
        }
      }
    }

    await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker));
    return results;
  }

  async function checkKey(checkOptions: { signal?: AbortSignal } = {}): Promise<UpshotError> {
    const { signal } = checkOptions;
    const timeout = AbortSignal.timeout(timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    let response: Response;
    let text: string;
    try {
      response = await fetchImpl(endpoint, {
        method: 'POST',
        headers,
        body: new FormData(),
        signal: combined,
        redirect: 'manual',
      });
      text = await response.text();
    } catch (cause) {
      if (signal?.aborted) throw abortedError(signal, 1);
      const kind = timeout.aborted ? 'timeout' : 'network';
      const message = cause instanceof Error ? cause.message : String(cause);
      throw new UpshotError(kind === 'timeout' ? `No reply within ${timeoutMs} ms` : message, {
        kind,
        retryable: true,
        attempts: 1,
        cause,
      });
    }
    const answer = errorFromReply(
      response.status,
      response.headers,
      text,
      clock.now(),
      response.statusText,
    );
    // 403: the key is known but may not upload, so it works for nothing this client does.
    if (answer.status === 401 || answer.status === 403 || answer.code === 100) {
      throw answer.withAttempts(1);
    }
    if (answer.code === null) {
      throw new UpshotError(
        `Unexpected reply (HTTP ${response.status}): is ${endpoint} a Chevereto-compatible upload endpoint?`,
        { kind: 'invalid-reply', status: response.status, attempts: 1 },
      );
    }
    return answer;
  }

  return {
    baseUrl,
    endpoint,
    upload: upload as UpshotClient['upload'],
    uploadMany,
    checkKey,
  };
}

/**
 * Whether the server stored the bytes the client sent: compares the client's md5 with the
 * reply's `source_md5` (set when the server changed the bytes) or `md5`. Null when either
 * side is unknown (URL sources, servers that send no md5).
 */
export function md5Matches(result: UploadResult): boolean | null {
  const served = result.image.source_md5 ?? result.image.md5;
  if (!result.md5 || !/^[0-9a-f]{32}$/.test(served)) return null;
  return served === result.md5;
}
