// Visual review, Upshot's extension of the API: baseline sets per branch, comparisons of a
// pull request run with them, and the diff of two images. Needs a user key on an Upshot
// server; a stock Chevereto server answers "Invalid API action" (HTTP 404, code 120).
import type { TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import {
  type Baseline,
  type BaselineInput,
  BaselineReply,
  type CompareInput,
  type Comparison,
  ComparisonReply,
  DiffReply,
  type DiffResult,
} from '@upshot/schema';
import type { ClientOptions } from './client.ts';
import { transportError, UpshotError } from './errors.ts';
import { isHttpUrl, prepareInput, type UploadInput } from './input.ts';
import { errorFromReply } from './reply.ts';
import { backoffDelay, systemClock } from './retry.ts';
import { VERSION } from './version.ts';

export interface DiffOutcome extends DiffResult {
  /** The diff image as PNG bytes, or null when nothing changed. */
  png: Uint8Array | null;
}

export interface ReviewClient {
  /** Records a branch's set of screenshots; the server keeps the newest few per branch. */
  recordBaseline(input: BaselineInput, options?: { signal?: AbortSignal }): Promise<Baseline>;
  /** The latest set of a branch, or null when there is none. */
  latestBaseline(
    project: string,
    branch: string,
    options?: { signal?: AbortSignal },
  ): Promise<Baseline | null>;
  /** Compares screenshots with the latest set of the base branch; the reply links the review page. */
  compare(input: CompareInput, options?: { signal?: AbortSignal }): Promise<Comparison>;
  /** Compares two images on the server (nothing is stored there). */
  diff(
    a: UploadInput,
    b: UploadInput,
    options?: { threshold?: number; signal?: AbortSignal },
  ): Promise<DiffOutcome>;
}

const MAX_BACKOFF_MS = 20_000;

/** A client for the review routes, with the upload client's options, retries and errors. */
export function createReviewClient(options: ClientOptions): ReviewClient {
  if (!isHttpUrl(options.baseUrl)) {
    throw new TypeError(`baseUrl must be an http(s) URL, got ${JSON.stringify(options.baseUrl)}`);
  }
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const retries = Math.max(0, Math.floor(options.retries ?? 3));
  // A comparison with many changed screenshots makes a diff for each: give it time.
  const timeoutMs = options.timeoutMs ?? 300_000;
  const retryDelayMs = options.retryDelayMs ?? 500;
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const headers: Record<string, string> = {
    Accept: 'application/json',
    'User-Agent': options.userAgent ?? `upshot-client/${VERSION}`,
  };
  if (options.apiKey) headers['X-API-Key'] = options.apiKey;

  async function once(
    method: string,
    path: string,
    body: () => BodyInit | undefined,
    extra: Record<string, string>,
    signal: AbortSignal | undefined,
  ): Promise<unknown> {
    const timeout = AbortSignal.timeout(timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    let response: Response;
    let text: string;
    try {
      response = await fetchImpl(`${baseUrl}${path}`, {
        method,
        headers: { ...headers, ...extra },
        body: body(),
        signal: combined,
        redirect: 'manual',
      });
      text = await response.text();
    } catch (cause) {
      if (signal?.aborted) throw new UpshotError('Aborted', { kind: 'aborted', cause });
      throw transportError(cause, timeout.aborted, timeoutMs);
    }
    if (response.status >= 300) {
      throw errorFromReply(
        response.status,
        response.headers,
        text,
        clock.now(),
        response.statusText,
      );
    }
    try {
      return JSON.parse(text);
    } catch (cause) {
      throw new UpshotError('The reply is not JSON: is this an Upshot server?', {
        kind: 'invalid-reply',
        status: response.status,
        cause,
      });
    }
  }

  /** One request with the upload client's retry rules (429, 5xx, network, timeouts). */
  async function request<T extends TSchema>(
    schema: T,
    method: string,
    path: string,
    body: () => BodyInit | undefined,
    extra: Record<string, string>,
    signal: AbortSignal | undefined,
  ): Promise<T['static']> {
    for (let attempt = 1; ; attempt++) {
      let reply: unknown;
      try {
        reply = await once(method, path, body, extra, signal);
      } catch (caught) {
        const error =
          caught instanceof UpshotError
            ? caught
            : new UpshotError(String(caught), { kind: 'network' });
        if (!error.retryable || attempt > retries) throw error.withAttempts(attempt);
        await clock.sleep(
          error.retryAfterMs ?? backoffDelay(attempt, retryDelayMs, MAX_BACKOFF_MS, random),
          signal,
        );
        continue;
      }
      const problem = Value.Errors(schema, reply).First();
      if (problem) {
        throw new UpshotError(
          `Unexpected reply from ${path}: ${problem.path || 'body'} ${problem.message}`,
          { kind: 'invalid-reply', attempts: attempt },
        );
      }
      return reply as T['static'];
    }
  }

  const json = (value: unknown) => () => JSON.stringify(value);
  const JSON_TYPE = { 'Content-Type': 'application/json' };

  return {
    async recordBaseline(input, { signal } = {}) {
      const reply = await request(
        BaselineReply,
        'POST',
        '/api/1/baselines',
        json(input),
        JSON_TYPE,
        signal,
      );
      return reply.baseline;
    },

    async latestBaseline(project, branch, { signal } = {}) {
      const query = new URLSearchParams({ project, branch });
      try {
        const reply = await request(
          BaselineReply,
          'GET',
          `/api/1/baselines?${query}`,
          () => undefined,
          {},
          signal,
        );
        return reply.baseline;
      } catch (error) {
        if (error instanceof UpshotError && error.status === 404 && error.code === 404) return null;
        throw error;
      }
    },

    async compare(input, { signal } = {}) {
      const reply = await request(
        ComparisonReply,
        'POST',
        '/api/1/compare',
        json(input),
        JSON_TYPE,
        signal,
      );
      return reply.comparison;
    },

    async diff(a, b, { threshold, signal } = {}) {
      const [first, second] = await Promise.all([prepareInput(a), prepareInput(b)]);
      for (const source of [first, second]) {
        if (source.kind !== 'file') {
          throw new UpshotError('diff takes files or bytes, not URLs or base64 text', {
            kind: 'input',
          });
        }
      }
      const form = () => {
        const body = new FormData();
        if (first.kind === 'file') body.append('a', first.blob, first.filename);
        if (second.kind === 'file') body.append('b', second.blob, second.filename);
        if (threshold !== undefined) body.append('threshold', String(threshold));
        return body;
      };
      const reply = await request(DiffReply, 'POST', '/api/1/diff', form, {}, signal);
      const { diff } = reply;
      return {
        ...diff,
        png: diff.image === null ? null : Uint8Array.from(atob(diff.image), (c) => c.charCodeAt(0)),
      };
    },
  };
}
