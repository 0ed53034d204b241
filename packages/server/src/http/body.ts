// Reading a request body as it arrives, within a size limit and a time limit, and
// stoppable (a server that drains on shutdown). Every body parser of the server reads
// through here, so a client that sends slowly or forever cannot hold memory or a slot.

/** The body grew past its limit; `limit` is the number of bytes that was allowed. */
export class BodyTooLargeError extends Error {
  override name = 'BodyTooLargeError';
  constructor(readonly limit: number) {
    super(`request body over ${limit} bytes`);
  }
}

/** The whole body did not arrive within the time allowed. */
export class BodyTimeoutError extends Error {
  override name = 'BodyTimeoutError';
}

/** The read was stopped from outside (shutdown, or the client went away). */
export class BodyAbortedError extends Error {
  override name = 'BodyAbortedError';
}

export interface BodyLimits {
  /** Bytes allowed so far; read again at every chunk, so it may grow (a key read from the body). */
  maxBytes: () => number;
  /** Milliseconds from the start of the read to the end of the body. */
  timeoutMs: number;
  signal?: AbortSignal;
}

/** The body's chunks, in order; throws one of the errors above when a limit is hit. */
export async function* bodyChunks(
  request: Request,
  limits: BodyLimits,
): AsyncGenerator<Uint8Array, void, undefined> {
  if (!request.body) return;
  const reader = request.body.getReader();
  const deadline = Date.now() + limits.timeoutMs;
  let total = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onAbort: (() => void) | undefined;
  try {
    for (;;) {
      if (limits.signal?.aborted) throw new BodyAbortedError();
      const stop = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new BodyTimeoutError('request body timed out')),
          Math.max(0, deadline - Date.now()),
        );
        onAbort = () => reject(new BodyAbortedError());
        limits.signal?.addEventListener('abort', onAbort, { once: true });
      });
      let result: ReadableStreamReadResult<Uint8Array<ArrayBufferLike>>;
      try {
        result = (await Promise.race([reader.read(), stop])) as typeof result;
      } finally {
        clearTimeout(timer);
        if (onAbort) limits.signal?.removeEventListener('abort', onAbort);
      }
      if (result.done) return;
      total += result.value.byteLength;
      const limit = limits.maxBytes();
      if (total > limit) throw new BodyTooLargeError(limit);
      yield result.value;
    }
  } catch (error) {
    await reader.cancel().catch(() => {});
    throw error;
  } finally {
    reader.releaseLock();
  }
}

/** The whole body as text (forms and JSON), within the limits. */
export async function readBodyText(request: Request, limits: BodyLimits): Promise<string> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of bodyChunks(request, limits)) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}
