// The one place where failures become the contract's envelope (docs/api.md §4): services
// throw domain errors and the infrastructure throws its own; routes call toApiError.
import { type ApiErrorSpec, ApiErrors, Limits } from '@upshot/schema';
import type { Config } from '../config.ts';
import { DatabaseFullError, DatabaseUnavailableError } from '../db/errors.ts';
import { MediaError } from '../media/errors.ts';
import { Refusal } from '../services/errors.ts';
import { TooManyTagsError } from '../services/uploads/naming.ts';
import { StorageFullError, StorageUnavailableError } from '../storage/storage.ts';
import { ApiError } from './api-error.ts';
import { BodyAbortedError, BodyTimeoutError, BodyTooLargeError } from './body.ts';
import { FormError } from './form.ts';

export interface MappedError {
  spec: ApiErrorSpec;
  headers: Record<string, string>;
}

/** The contract error for a failure, or null when it is unexpected (a 500 with a request id). */
export function toApiError(error: unknown, config: Config): MappedError | null {
  const plain = (spec: ApiErrorSpec, headers: Record<string, string> = {}) => ({ spec, headers });
  if (error instanceof ApiError) return plain(error.spec);
  if (error instanceof Refusal) {
    const d = error.detail;
    switch (error.reason) {
      case 'request-denied':
        return plain(ApiErrors.requestDenied);
      case 'no-source':
        return plain(ApiErrors.emptyUploadSource);
      case 'empty-source':
        return plain(ApiErrors.emptySource);
      case 'invalid-base64':
        return plain(ApiErrors.invalidBase64);
      case 'url-disabled':
        return plain(ApiErrors.urlUploadDisabled);
      case 'url-disabled-for-guests':
        return plain(ApiErrors.urlUploadGuests);
      case 'url-not-allowed':
        return plain(ApiErrors.urlNotAllowed);
      case 'url-fetch-failed':
        return plain(ApiErrors.urlFetchFailed);
      case 'file-too-big':
        return plain(ApiErrors.fileTooBig(d.maxMb ?? config.maxUploadMbUser));
      case 'album-not-found':
        return plain(ApiErrors.albumNotFound);
      case 'invalid-category':
        return plain(ApiErrors.invalidCategory);
      case 'invalid-expiration':
        return plain(ApiErrors.invalidExpiration);
      case 'rate-limited':
        return plain(ApiErrors.flooding(d.limit ?? 0, d.unit ?? 'minute'), {
          'Retry-After': String(d.retryAfterSeconds ?? 60),
        });
      case 'quota-exceeded':
        return plain(ApiErrors.quotaExceeded(d.maxMb ?? config.userQuotaMb));
      case 'shutting-down':
        return plain(ApiErrors.shuttingDown, { 'Retry-After': '5', Connection: 'close' });
    }
  }
  if (error instanceof MediaError) {
    switch (error.reason) {
      case 'unknown-type':
        return plain(ApiErrors.unknownSource);
      case 'unsupported-type':
        return plain(ApiErrors.unavailableFormat);
      case 'invalid-image':
        return plain(ApiErrors.invalidImage);
      case 'invalid-video':
        return plain(ApiErrors.invalidVideo);
      case 'too-many-pixels':
        return plain(ApiErrors.tooManyPixels(Math.round(config.maxPixels / 1e6)));
      case 'width-too-large':
        return plain(ApiErrors.widthTooLarge);
      case 'too-many-frames':
        return plain(ApiErrors.tooManyFrames(config.maxFrames));
      case 'timed-out':
        return plain(ApiErrors.processingTimeout);
    }
  }
  if (error instanceof TooManyTagsError) {
    return plain(ApiErrors.tooManyTags(Limits.tagsMaxCount, Limits.tagMaxLength));
  }
  if (error instanceof StorageFullError || error instanceof DatabaseFullError) {
    return plain(ApiErrors.storageFull);
  }
  if (error instanceof StorageUnavailableError) {
    return plain(ApiErrors.storageUnavailable, { 'Retry-After': '10' });
  }
  if (error instanceof DatabaseUnavailableError) {
    return plain(ApiErrors.databaseUnavailable, { 'Retry-After': '5' });
  }
  if (error instanceof BodyTooLargeError) {
    return plain(ApiErrors.fileTooBig(Math.round((error.limit / 1_000_000) * 1000) / 1000), {
      Connection: 'close',
    });
  }
  if (error instanceof BodyTimeoutError)
    return plain(ApiErrors.bodyTimeout, { Connection: 'close' });
  if (error instanceof BodyAbortedError) {
    return plain(ApiErrors.shuttingDown, { 'Retry-After': '5', Connection: 'close' });
  }
  if (error instanceof FormError) return plain(ApiErrors.invalidParameter('request body'));
  return null;
}
