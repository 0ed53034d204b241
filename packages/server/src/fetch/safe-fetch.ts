import { isIP } from 'node:net';
import { SourceFetchError } from './errors.ts';
import {
  checkTarget,
  describeUrl,
  parseTargetUrl,
  type Resolve,
  systemResolve,
  type Target,
} from './target.ts';

export { isPublicAddress } from './address-policy.ts';
export { type FetchRefusal, SourceFetchError } from './errors.ts';
export type { Resolve } from './target.ts';

export interface SafeFetchOptions {
  /** UPSHOT_FETCH_ALLOW_PRIVATE: also allow loopback, RFC 1918, CGNAT and unique-local targets. */
  allowPrivate: boolean;
  /** Largest body accepted, in bytes. */
  maxBytes: number;
  /** Budget for the whole fetch: every lookup, connection, redirect and the full body. */
  timeoutMs: number;
  /** Redirects followed before giving up. Default 5. */
  maxRedirects?: number;
  userAgent?: string;
  /**
   * Host name resolver; defaults to the system resolver. Every address it returns is checked
   * and the connection goes only to those addresses. Tests use it to give names chosen
   * answers; it never widens what is allowed.
   */
  resolve?: Resolve;
  /** CA certificates (PEM) to trust instead of the built-in roots, for private CAs and tests. */
  ca?: string | string[];
}

export interface FetchedSource {
  bytes: Uint8Array;
  /** Last path segment of the final URL, percent-decoded; '' when the path ends in '/'. */
  filename: string;
  /** The URL the bytes came from, after redirects. */
  finalUrl: string;
}

const DEFAULT_MAX_REDIRECTS = 5;
const DEFAULT_USER_AGENT = 'Upshot (source URL fetcher)';
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/**
 * Fetches an upload's source URL without letting it reach anything but the allowed
 * addresses. Each hop is parsed (http or https, no credentials), its host resolved once,
 * every resolved address checked, and the request sent to a checked address itself: the
 * URL given to `fetch` carries the IP literal, so nothing resolves the name a second time,
 * while the Host header and the TLS server name (SNI and certificate check) keep the name.
 * Redirects are followed by hand, each one checked like the first URL.
 *
 * Throws `SourceFetchError` with reason `not-allowed` or `failed`.
 */
export async function fetchSource(url: string, options: SafeFetchOptions): Promise<FetchedSource> {
  const controller = new AbortController();
  const timer = setTimeout(() => {
    controller.abort(new SourceFetchError('failed', `timed out after ${options.timeoutMs} ms`));
  }, options.timeoutMs);
  try {
    return await fetchWithin(url, options, controller.signal);
  } catch (error) {
    if (error instanceof SourceFetchError) throw error;
    const reason: unknown = controller.signal.reason;
    if (reason instanceof SourceFetchError) throw reason;
    throw new SourceFetchError('failed', `fetch failed: ${errorCode(error)}`);
  } finally {
    clearTimeout(timer);
    // Whatever is still open (an unread or half-read body) is dropped here.
    controller.abort();
  }
}

async function fetchWithin(
  input: string,
  options: SafeFetchOptions,
  signal: AbortSignal,
): Promise<FetchedSource> {
  const policy = { allowPrivate: options.allowPrivate, resolve: options.resolve ?? systemResolve };
  const maxRedirects = options.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
  let url = parseTargetUrl(input);
  for (let redirects = 0; ; redirects++) {
    const target = await abortable(checkTarget(url, policy), signal);
    const response = await requestPinned(target, options, signal);

    if (REDIRECT_STATUSES.has(response.status)) {
      void response.body?.cancel().catch(() => {});
      const location = response.headers.get('location');
      if (location === null) {
        throw new SourceFetchError('failed', `${describeUrl(url)}: redirect without Location`);
      }
      if (redirects >= maxRedirects) {
        throw new SourceFetchError('failed', `more than ${maxRedirects} redirects`);
      }
      url = parseTargetUrl(location, url);
      continue;
    }

    if (response.status < 200 || response.status > 299) {
      void response.body?.cancel().catch(() => {});
      throw new SourceFetchError('failed', `${describeUrl(url)} answered ${response.status}`);
    }

    const declared = response.headers.get('content-length')?.trim();
    if (declared !== undefined && /^\d+$/.test(declared) && Number(declared) > options.maxBytes) {
      throw new SourceFetchError(
        'failed',
        `${describeUrl(url)} declares ${declared} bytes, over ${options.maxBytes}`,
      );
    }

    const bytes = await readCapped(response, options.maxBytes, signal, url);
    return { bytes, filename: lastSegment(url), finalUrl: url.href };
  }
}

/**
 * Sends the request to one of the target's checked addresses, trying the next one when a
 * connection can't be made. The host name never reaches `fetch` except as the Host header
 * and the TLS server name.
 */
async function requestPinned(
  target: Target,
  options: SafeFetchOptions,
  signal: AbortSignal,
): Promise<Response> {
  const { url, hostname, isIpLiteral } = target;
  const init: BunFetchRequestInit = {
    method: 'GET',
    headers: {
      Host: url.host,
      'User-Agent': options.userAgent ?? DEFAULT_USER_AGENT,
      Accept: '*/*',
      'Accept-Encoding': 'identity',
    },
    redirect: 'manual',
    signal,
    keepalive: false,
    decompress: false,
    proxy: false,
  };
  if (url.protocol === 'https:') {
    init.tls = {
      ...(isIpLiteral ? {} : { serverName: hostname }),
      ...(options.ca === undefined ? {} : { ca: options.ca }),
    };
  }
  let lastError: unknown;
  for (const address of target.addresses) {
    const pinned = new URL(url);
    pinned.hostname = isIP(address) === 6 ? `[${address}]` : address;
    try {
      return await fetch(pinned.href, init);
    } catch (error) {
      if (signal.aborted) throw error;
      lastError = error;
    }
  }
  throw new SourceFetchError('failed', `cannot fetch ${describeUrl(url)}: ${errorCode(lastError)}`);
}

/** Reads the body, giving up as soon as it grows past `maxBytes`. */
async function readCapped(
  response: Response,
  maxBytes: number,
  signal: AbortSignal,
  url: URL,
): Promise<Uint8Array> {
  if (response.body === null) return new Uint8Array(0);
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await abortable(reader.read(), signal);
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        throw new SourceFetchError('failed', `${describeUrl(url)}: body over ${maxBytes} bytes`);
      }
      chunks.push(value);
    }
  } catch (error) {
    void reader.cancel().catch(() => {});
    throw error;
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/** Settles with `promise`, or rejects with the signal's reason as soon as it aborts. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

function lastSegment(url: URL): string {
  const segment = url.pathname.slice(url.pathname.lastIndexOf('/') + 1);
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** An error's code or name, never its message (which may quote the URL). */
function errorCode(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const { code, name } = error as { code?: unknown; name?: unknown };
    if (typeof code === 'string' && code !== '') return code;
    if (typeof name === 'string' && name !== '') return name;
  }
  return 'unknown error';
}
