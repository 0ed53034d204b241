// What serving /images/... remembers between hits (README: Performance): which image a
// file URL belongs to (with its album's privacy, owner and expiry) and the stored file's
// size and date, for a short time; and the bytes of hot small files, within a budget.
//
// Freshness: an entry is served for at most `ttlMs` after the lookup that made it began,
// and is looked up again in the background from half of that, so a hot file never waits
// for the database. A deletion or privacy change made on this instance drops entries at
// once (forget / invalidateAll); one made by another instance sharing the database is
// seen within `ttlMs`. Expiry needs no lookup: the entry carries the expiry time.
import type { StoredObject } from '../storage/storage.ts';

/** What a lookup found for a file URL. */
export interface ServableFile {
  key: string;
  imageId: number;
  ownerId: number | null;
  /** In a private album: served to its owner only, never cached by others. */
  isPrivate: boolean;
  mime: string;
  /** Content-Disposition of a stored build artifact (a download); undefined for media. */
  disposition?: string;
  /** Epoch ms, or null for an image that never expires. */
  expiresAt: number | null;
  stored: StoredObject;
}

export interface CachedFile extends ServableFile {
  readonly path: string;
  /** Monotonic ms at which the lookup that made this entry began. */
  readonly checkedAt: number;
  /** The file's bytes in memory, when it is hot and small enough. */
  bytes: Blob | null;
  /** Requests answered with this file (since it last changed). */
  hits: number;
  /** Its bytes were asked for already (kept, or refused for the budget). */
  keepTried: boolean;
  /** Replies built once and cloned per hit (files.ts), rebuilt when the body changes. */
  memo: unknown;
}

export interface FileCacheOptions {
  /** Bytes of file contents kept in memory (UPSHOT_FILE_CACHE_MB); 0 keeps none. */
  maxBytes: number;
  /** Largest single file kept in memory (default: 2 MB, and at most a quarter of the budget). */
  maxFileBytes?: number;
  /** How long an entry is served without a new lookup (default 1 s). */
  ttlMs?: number;
  /** Most entries remembered (default 10,000). */
  maxEntries?: number;
  /** Monotonic milliseconds (tests). */
  clock?: () => number;
}

export type FileLoader = (path: string) => Promise<ServableFile | null>;

export function createFileCache(options: FileCacheOptions) {
  const maxBytes = Math.max(0, options.maxBytes);
  const maxFileBytes = Math.min(options.maxFileBytes ?? 2 * 1024 * 1024, maxBytes / 4);
  const ttl = options.ttlMs ?? 1000;
  const maxEntries = options.maxEntries ?? 10_000;
  const clock = options.clock ?? (() => performance.now());

  /** Oldest lookup first (an entry is re-inserted when looked up again). */
  const entries = new Map<string, CachedFile>();
  /** Entries holding bytes, least recently served first. */
  const resident = new Map<string, CachedFile>();
  let residentBytes = 0;
  /** Lookups running now, so concurrent misses of one URL share one. */
  const loading = new Map<string, Promise<CachedFile | null>>();
  /** Bumped by every invalidation: a lookup that began before it is not remembered. */
  let epoch = 0;

  function release(entry: CachedFile): void {
    if (entry.bytes && resident.get(entry.path) === entry) {
      resident.delete(entry.path);
      residentBytes -= entry.bytes.size;
    }
  }

  function drop(path: string): void {
    const entry = entries.get(path);
    if (!entry) return;
    entries.delete(path);
    release(entry);
  }

  function insert(entry: CachedFile): void {
    const previous = entries.get(entry.path);
    if (previous) {
      entries.delete(entry.path);
      if (sameFile(previous.stored, entry.stored)) {
        // The same file (same size and date): what is known of it carries over.
        entry.hits = previous.hits;
        entry.keepTried = previous.keepTried;
        entry.bytes = previous.bytes;
        if (entry.bytes && resident.get(entry.path) === previous) resident.set(entry.path, entry);
      } else {
        release(previous);
      }
    }
    entries.set(entry.path, entry);
    if (entries.size > maxEntries) {
      const oldest = entries.keys().next().value;
      if (oldest !== undefined) drop(oldest);
    }
  }

  function lookup(path: string, load: FileLoader): Promise<CachedFile | null> {
    const running = loading.get(path);
    if (running) return running;
    const startedEpoch = epoch;
    const checkedAt = clock();
    const done = load(path).then(
      (found) => {
        if (loading.get(path) === done) loading.delete(path);
        if (!found) {
          if (startedEpoch === epoch) drop(path);
          return null;
        }
        const entry: CachedFile = {
          ...found,
          path,
          checkedAt,
          bytes: null,
          hits: 0,
          keepTried: false,
          memo: null,
        };
        if (startedEpoch === epoch) insert(entry);
        return entry;
      },
      (error: unknown) => {
        if (loading.get(path) === done) loading.delete(path);
        throw error;
      },
    );
    loading.set(path, done);
    return done;
  }

  /** Reads a hot file into memory, making room by dropping the least recently served. */
  async function keep(entry: CachedFile): Promise<void> {
    const body = entry.stored.body();
    const bytes = body instanceof Blob ? await body.bytes() : await new Response(body).bytes();
    // Changed on disk since it was looked up, or replaced meanwhile: not kept.
    if (bytes.byteLength !== entry.stored.size || entries.get(entry.path) !== entry) return;
    if (entry.bytes) return;
    for (const [path, old] of resident) {
      if (residentBytes + bytes.byteLength <= maxBytes) break;
      resident.delete(path);
      residentBytes -= old.bytes?.size ?? 0;
      old.bytes = null;
      old.memo = null;
    }
    if (residentBytes + bytes.byteLength > maxBytes) return;
    entry.bytes = new Blob([bytes]);
    entry.memo = null;
    resident.set(entry.path, entry);
    residentBytes += bytes.byteLength;
  }

  /** Counts a request answered with the entry; a file asked for twice is kept in memory. */
  function served(entry: CachedFile): void {
    entry.hits++;
    if (entry.bytes) {
      resident.delete(entry.path);
      resident.set(entry.path, entry);
    } else if (
      entry.hits >= 2 &&
      !entry.keepTried &&
      maxBytes > 0 &&
      entry.stored.size <= maxFileBytes
    ) {
      entry.keepTried = true;
      keep(entry).catch(() => {});
    }
  }

  return {
    /**
     * The entry for a file URL when one is fresh enough to serve, without waiting for
     * anything (a hit); undefined when it must be looked up (`get`).
     */
    peek(path: string, load: FileLoader): CachedFile | undefined {
      const entry = entries.get(path);
      if (!entry) return undefined;
      const age = clock() - entry.checkedAt;
      if (age >= ttl) return undefined;
      // Half-way through its life: looked up again while it keeps being served.
      if (age >= ttl / 2 && !loading.has(path)) lookup(path, load).catch(() => {});
      served(entry);
      return entry;
    },

    /**
     * The entry for a file URL, looked up when missing or too old; null when nothing
     * may be served there (a URL that is not found is never remembered).
     */
    async get(path: string, load: FileLoader): Promise<CachedFile | null> {
      const entry = this.peek(path, load);
      if (entry) return entry;
      const found = await lookup(path, load);
      if (found) served(found);
      return found;
    },

    /** Forgets these URLs at once (their image was deleted here). */
    forget(paths: Iterable<string>): void {
      epoch++;
      for (const path of paths) {
        drop(path);
        loading.delete(path);
      }
    },

    /** Every entry is looked up again before its next hit (privacy or albums changed). */
    invalidateAll(): void {
      epoch++;
      loading.clear();
      for (const entry of entries.values()) (entry as { checkedAt: number }).checkedAt = -Infinity;
    },

    stats: () => ({ entries: entries.size, residentFiles: resident.size, residentBytes }),
  };
}

export type FileCache = ReturnType<typeof createFileCache>;

/** Same size and date: the same file (a file is replaced only by `doctor --fix`). */
export const sameFile = (a: StoredObject, b: StoredObject): boolean =>
  a.size === b.size && a.modifiedAt.getTime() === b.modifiedAt.getTime();
