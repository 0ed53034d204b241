/**
 * Why a source URL was not fetched:
 * - `not-allowed`: the URL or one of its redirects is not a permitted target (scheme,
 *   credentials, or an address that is not public) → contract 403 `URL not allowed`.
 * - `failed`: the target was permitted but the fetch did not succeed (DNS, connection,
 *   TLS, status, redirects, size, time) → contract 400 `Can't fetch the source URL`.
 */
export type FetchRefusal = 'not-allowed' | 'failed';

/** A source URL that was refused or could not be fetched. The message is for logs only. */
export class SourceFetchError extends Error {
  override readonly name = 'SourceFetchError';

  constructor(
    readonly reason: FetchRefusal,
    message: string,
  ) {
    super(message);
  }
}
