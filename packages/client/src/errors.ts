/** What went wrong, for callers that react differently to each (the CLI, the action). */
export type UpshotErrorKind =
  /** The server answered with an error (any non-2xx, or a 2xx error envelope). */
  | 'http'
  /** No reply: DNS, refused connection, reset, TLS. */
  | 'network'
  /** An attempt took longer than `timeoutMs`. */
  | 'timeout'
  /** The caller's `signal` aborted the upload. */
  | 'aborted'
  /** A 2xx reply the client cannot use (not JSON, no `image.url`). */
  | 'invalid-reply'
  /** The input could not be read or the options are invalid; nothing was sent. */
  | 'input';

export interface UpshotErrorOptions {
  kind: UpshotErrorKind;
  status?: number | null;
  code?: number | null;
  retryable?: boolean;
  retryAfterMs?: number | null;
  attempts?: number;
  cause?: unknown;
}

/** Every failure of the client. `message` is the server's message when there is one. */
export class UpshotError extends Error {
  override readonly name = 'UpshotError';
  readonly kind: UpshotErrorKind;
  /** HTTP status of the reply; null when there was no reply (network, timeout, input). */
  readonly status: number | null;
  /** The contract's error code (`error.code` of the envelope), when the server sent one. */
  readonly code: number | null;
  /** Whether trying again later could help (429, 5xx, network errors, timeouts). */
  readonly retryable: boolean;
  /** The server's `Retry-After`, in milliseconds, when it sent one. */
  readonly retryAfterMs: number | null;
  /** How many requests were made before giving up (0 when nothing was sent). */
  readonly attempts: number;

  constructor(message: string, options: UpshotErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.kind = options.kind;
    this.status = options.status ?? null;
    this.code = options.code ?? null;
    this.retryable = options.retryable ?? false;
    this.retryAfterMs = options.retryAfterMs ?? null;
    this.attempts = options.attempts ?? 0;
  }

  /** A copy that records how many attempts were made. */
  withAttempts(attempts: number): UpshotError {
    return new UpshotError(this.message, {
      kind: this.kind,
      status: this.status,
      code: this.code,
      retryable: this.retryable,
      retryAfterMs: this.retryAfterMs,
      attempts,
      cause: this.cause,
    });
  }
}

export const isRetryableStatus = (status: number): boolean => status === 429 || status >= 500;

/**
 * The error for a request that got no complete reply: the client's own deadline passed, or
 * the connection failed (the system's code, such as ECONNREFUSED, added when the message
 * lacks it). Both are worth retrying.
 */
export function transportError(cause: unknown, timedOut: boolean, timeoutMs: number): UpshotError {
  if (timedOut) {
    return new UpshotError(`No complete reply within ${timeoutMs} ms`, {
      kind: 'timeout',
      retryable: true,
      cause,
    });
  }
  const detail = (cause as { cause?: { code?: string } }).cause?.code;
  const message = cause instanceof Error ? cause.message : String(cause);
  return new UpshotError(
    `Network error: ${message}${detail && !message.includes(detail) ? ` (${detail})` : ''}`,
    { kind: 'network', retryable: true, cause },
  );
}
