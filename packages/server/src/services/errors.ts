// Why a service said no. Services throw these (and the infrastructure's own errors:
// MediaError, StorageFullError, DatabaseUnavailableError...); only the HTTP layer turns
// them into the contract's envelope (http/errors.ts), so nothing here knows a status.

export type RefusalReason =
  | 'request-denied'
  | 'no-source'
  | 'empty-source'
  | 'invalid-base64'
  | 'url-disabled'
  | 'url-disabled-for-guests'
  | 'url-not-allowed'
  | 'url-fetch-failed'
  | 'file-too-big'
  | 'album-not-found'
  | 'invalid-category'
  | 'invalid-expiration'
  | 'rate-limited'
  | 'quota-exceeded'
  | 'shutting-down';

export interface RefusalDetail {
  /** file-too-big: the limit that applied; quota-exceeded: the user's quota. */
  maxMb?: number;
  /** rate-limited: the window's limit, its unit, and seconds until it resets. */
  limit?: number;
  unit?: string;
  retryAfterSeconds?: number;
}

export class Refusal extends Error {
  override name = 'Refusal';
  constructor(
    readonly reason: RefusalReason,
    readonly detail: RefusalDetail = {},
  ) {
    super(reason);
  }
}
