// GET /images/YYYY/MM/DD/<file>: the stored files, with the headers of docs/api.md §8.
// A file of an image in a private album is served only to the album's owner, and never
// cached by anyone in between (README: Security).
//
// Served from file-cache.ts: no database lookup or stat per hit, hot small files from
// memory, and the reply to a plain GET built once and cloned (README: Performance).
import { ApiErrors } from '@upshot/schema';
import type { Repositories } from '../../db/repositories/index.ts';
import { candidateNames, variantsOf } from '../../services/images/files.ts';
import type { Storage, StoredObject } from '../../storage/storage.ts';
import { errorResponse } from '../api-error.ts';
import {
  type CachedFile,
  createFileCache,
  type FileCache,
  type FileLoader,
  sameFile,
} from '../file-cache.ts';
import { fileHeaders, serveStoredFile } from '../serve-file.ts';

const YEAR_SECONDS = 31_536_000;
const FILE_PATH = /^\/images\/(\d{4}\/\d{2}\/\d{2})\/([A-Za-z0-9_.-]{1,255})$/;

/** A download under its stored name (already [A-Za-z0-9_.-], so it needs no quoting rules). */
const attachment = (filename: string) => `attachment; filename="${filename}"`;

export const notFoundFile = () =>
  errorResponse(ApiErrors.notFound, false, { 'Cache-Control': 'no-store' });

/** The reply to a plain GET and HEAD of one entry, for one max-age, cloned per hit. */
interface Replies {
  maxAge: number;
  body: Blob;
  get: Response;
  head: Response;
}

/** A request that is answered with the whole file: no range, no validators to check. */
const isPlain = (request: Request): boolean =>
  !request.headers.has('range') &&
  !request.headers.has('if-none-match') &&
  !request.headers.has('if-modified-since');

export function createFileServer(deps: {
  repos: Pick<Repositories, 'images'>;
  storage: Storage;
  now: () => Date;
  /** The signed-in user of a request, for private files (null: nobody). */
  viewerOf: (request: Request) => Promise<number | null>;
  /** Answers paths outside a date folder (Chevereto's old file URLs), or null. */
  otherPath?: (path: string) => Promise<Response | null>;
  /** Shared with the repositories' change hooks (watchServingChanges); default: no memory. */
  cache?: FileCache;
}) {
  const cache = deps.cache ?? createFileCache({ maxBytes: 0 });

  /** Which live image a file URL belongs to, and the stored file's size and date. */
  const load: FileLoader = async (path) => {
    const match = FILE_PATH.exec(path);
    if (!match) return null;
    const [, folder = '', filename = ''] = match;
    for (const { image, albumPrivacy } of await deps.repos.images.findServable(
      folder,
      candidateNames(filename),
      deps.now(),
    )) {
      const file = variantsOf(image).find((variant) => variant.filename === filename);
      if (!file) continue;
      const stored = await deps.storage.get(file.key);
      if (!stored) return null;
      return {
        key: file.key,
        imageId: image.id,
        ownerId: image.userId,
        isPrivate: albumPrivacy === 'private',
        mime: file.mime,
        disposition: image.type === 'file' ? attachment(file.filename) : undefined,
        expiresAt: image.expiresAt?.getTime() ?? null,
        stored,
      };
    }
    return null;
  };

  /**
   * The stored file: from memory when the cache holds its bytes; else asked of the storage
   * again (a stat on disk), since another instance may have deleted it since the lookup
   * and a reply must not stop half-way. Null when it is gone.
   */
  async function storedOf(entry: CachedFile): Promise<StoredObject | null> {
    const bytes = entry.bytes;
    if (bytes) {
      return {
        size: entry.stored.size,
        modifiedAt: entry.stored.modifiedAt,
        body: (start, end) => (start === undefined ? bytes : bytes.slice(start, end)),
      };
    }
    const stored = await deps.storage.get(entry.key);
    if (!stored) return null;
    return sameFile(stored, entry.stored) ? entry.stored : stored;
  }

  /** A plain GET/HEAD of a public file: a clone of replies built once per entry and max-age. */
  function plainReply(
    entry: CachedFile,
    stored: StoredObject,
    maxAge: number,
    head: boolean,
  ): Response | null {
    // The file changed since the lookup (made again by `doctor --fix`): built per request.
    if (stored !== entry.stored && !entry.bytes) return null;
    let replies = entry.memo as Replies | null;
    const body = entry.bytes ?? entry.stored.body();
    // A streamed body (S3) cannot be sent twice: built per request instead.
    if (!(body instanceof Blob)) return null;
    if (!replies || replies.maxAge !== maxAge || replies.body !== body) {
      const headers = {
        ...fileHeaders(entry.stored, {
          contentType: entry.mime,
          maxAge,
          disposition: entry.disposition,
        }),
        'Content-Length': String(entry.stored.size),
      };
      replies = {
        maxAge,
        body,
        get: new Response(body, { status: 200, headers }),
        head: new Response(null, { status: 200, headers }),
      };
      entry.memo = replies;
    }
    return (head ? replies.head : replies.get).clone();
  }

  /**
   * The answer for a file URL. A hit on a public file held in memory, asked for whole, is
   * answered at once (no promise): that is most of an image host's traffic.
   */
  function serveFile(
    request: Request,
    path: string = new URL(request.url).pathname,
  ): Response | Promise<Response> {
    const entry = cache.peek(path, load);
    if (entry?.bytes && !entry.isPrivate && isPlain(request)) {
      const now = deps.now().getTime();
      if (entry.expiresAt === null || entry.expiresAt > now) {
        const secondsLeft =
          entry.expiresAt === null ? YEAR_SECONDS : (entry.expiresAt - now) / 1000;
        const maxAge = Math.max(0, Math.floor(Math.min(YEAR_SECONDS, secondsLeft)));
        const reply = plainReply(entry, entry.stored, maxAge, request.method === 'HEAD');
        if (reply) return reply;
      }
    }
    return serveSlowly(request, path, entry);
  }
  return serveFile;

  async function serveSlowly(
    request: Request,
    path: string,
    peeked: CachedFile | undefined,
  ): Promise<Response> {
    const entry = peeked ?? (await cache.get(path, load));
    if (!entry) {
      if (deps.otherPath && !FILE_PATH.test(path))
        return (await deps.otherPath(path)) ?? notFoundFile();
      return notFoundFile();
    }
    const now = deps.now().getTime();
    if (entry.expiresAt !== null && entry.expiresAt <= now) {
      cache.forget([path]);
      return notFoundFile();
    }
    const secondsLeft = entry.expiresAt === null ? YEAR_SECONDS : (entry.expiresAt - now) / 1000;
    const maxAge = Math.min(YEAR_SECONDS, secondsLeft);
    const head = request.method === 'HEAD';
    // Held in memory since the lookup began (another request kept it meanwhile).
    if (entry.bytes && !entry.isPrivate && isPlain(request)) {
      const reply = plainReply(entry, entry.stored, Math.max(0, Math.floor(maxAge)), head);
      if (reply) return reply;
    }
    if (entry.isPrivate && (await deps.viewerOf(request)) !== entry.ownerId) {
      return notFoundFile();
    }
    const stored = await storedOf(entry);
    if (!stored) {
      cache.forget([path]);
      return notFoundFile();
    }
    if (entry.isPrivate) {
      return serveStoredFile(request, stored, {
        contentType: entry.mime,
        maxAge,
        cacheControl: 'private, no-store',
        disposition: entry.disposition,
      });
    }
    if (isPlain(request)) {
      const reply = plainReply(entry, stored, Math.max(0, Math.floor(maxAge)), head);
      if (reply) return reply;
    }
    return serveStoredFile(request, stored, {
      contentType: entry.mime,
      maxAge,
      disposition: entry.disposition,
    });
  }
}

/**
 * The repositories, with every write that changes what a file URL may serve telling the
 * cache at once: a removed image's URLs are forgotten, and a move between albums or a
 * privacy change makes every entry be looked up again.
 */
export function watchServingChanges<R extends Pick<Repositories, 'images' | 'albums'>>(
  repos: R,
  cache: FileCache,
): R {
  const after =
    <A extends unknown[], T>(work: (...args: A) => Promise<T>, then: (...args: A) => void) =>
    async (...args: A): Promise<T> => {
      try {
        return await work(...args);
      } finally {
        then(...args);
      }
    };
  const { images, albums } = repos;
  const all = () => cache.invalidateAll();
  return {
    ...repos,
    images: {
      ...images,
      remove: after(images.remove, (_row, keys) => cache.forget(keys.map((key) => `/${key}`))),
      move: after(images.move, all),
      update: after(images.update, all),
    },
    albums: { ...albums, update: after(albums.update, all), remove: after(albums.remove, all) },
  };
}
