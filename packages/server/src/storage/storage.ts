/** A stored file's metadata, enough to answer conditional and range requests. */
export interface StoredObject {
  size: number;
  modifiedAt: Date;
  /** The bytes from start to end (exclusive), streamed rather than read whole. */
  body(start?: number, end?: number): Blob;
}

export interface StoredFile {
  /** Path under the storage root, with `/` separators: images/2026/11/27/name.th.jpeg */
  key: string;
  bytes: Uint8Array;
}

/** Thrown when the medium has no room left (the contract's 507). */
export class StorageFullError extends Error {
  override name = 'StorageFullError';
}

/**
 * Every file operation of the server. Drivers: local disk now; an object store can be
 * added beside it for multi-instance deployments without touching routes or services.
 */
export interface Storage {
  /** Writes every file or none: on any failure, what was written is removed again. */
  putAll(files: StoredFile[]): Promise<void>;
  /** Removes the files; a missing file is not an error. */
  deleteAll(keys: string[]): Promise<void>;
  exists(key: string): Promise<boolean>;
  get(key: string): Promise<StoredObject | null>;
}

/** A key is a relative path of plain segments: no `..`, no empty or hidden segment. */
export function isSafeKey(key: string): boolean {
  if (key.length === 0 || key.length > 1024 || key.includes('\\') || key.includes('\0'))
    return false;
  return key.split('/').every((segment) => segment !== '' && !segment.startsWith('.'));
}
