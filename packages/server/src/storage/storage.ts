/** A stored file's metadata, enough to answer conditional and range requests. */
export interface StoredObject {
  size: number;
  modifiedAt: Date;
  /**
   * The bytes from start to end (exclusive), streamed rather than read whole: a file's Blob
   * (local disk) or a stream fetched when read (S3: Bun cannot make a Response with status
   * and headers from an S3 file's Blob). A Response body either way; set Content-Length.
   */
  body(start?: number, end?: number): Blob | ReadableStream<Uint8Array>;
}

/** One entry of a listing. */
export interface ListedObject {
  key: string;
  size: number;
  modifiedAt: Date;
}

/**
 * A file to store, from memory or from a local file (an upload that was streamed to a
 * temp file as it arrived). A path is consumed: the driver may move it into place
 * (local disk) or read it; the caller removes whatever is left there afterwards.
 */
export type StoredFile =
  | {
      /** Path under the storage root, with `/` separators: images/2026/11/27/name.th.jpeg */
      key: string;
      bytes: Uint8Array;
    }
  | { key: string; path: string };

/** Thrown when the medium has no room left (the contract's 507). */
export class StorageFullError extends Error {
  override name = 'StorageFullError';
}

/**
 * Thrown when the backend cannot be reached or does not answer within its timeout
 * (an object store that is down): the request answers 503 and may be retried.
 */
export class StorageUnavailableError extends Error {
  override name = 'StorageUnavailableError';
}

/**
 * Every file operation of the server. Drivers: local disk (local.ts) and S3-compatible
 * object stores (s3.ts). Routes and services never know which one runs.
 */
export interface Storage {
  readonly kind: 'local' | 's3';
  /**
   * Writes every file or none, durably: when it resolves, the files survive a crash or
   * a power loss. On any failure, what was written is removed again.
   */
  putAll(files: StoredFile[]): Promise<void>;
  /** Removes the files; a missing file is not an error. */
  deleteAll(keys: string[]): Promise<void>;
  exists(key: string): Promise<boolean>;
  get(key: string): Promise<StoredObject | null>;
  /** Every object whose key starts with `prefix` (such as `images/`), in no set order. */
  list(prefix: string): AsyncIterable<ListedObject>;
  /** Resolves when the backend answers; throws StorageUnavailableError when it does not. */
  ping(): Promise<void>;
}

/** A key is a relative path of plain segments: no `..`, no empty or hidden segment. */
export function isSafeKey(key: string): boolean {
  if (key.length === 0 || key.length > 1024 || key.includes('\\') || key.includes('\0'))
    return false;
  return key.split('/').every((segment) => segment !== '' && !segment.startsWith('.'));
}

/** A stored object's bytes, read whole (for work that needs them all: a decode, a copy). */
export async function readAll(object: StoredObject): Promise<Uint8Array> {
  const body = object.body();
  const buffer =
    body instanceof Blob ? await body.arrayBuffer() : await new Response(body).arrayBuffer();
  return new Uint8Array(buffer);
}
