// GET /images/YYYY/MM/DD/<file>: the stored files, with the headers of docs/api.md §8.
// A file of an image in a private album is served only to the album's owner, and never
// cached by anyone in between (README: Security).
import { ApiErrors } from '@upshot/schema';
import type { Repositories } from '../../db/repositories/index.ts';
import { candidateNames, variantsOf } from '../../services/images/files.ts';
import type { Storage } from '../../storage/storage.ts';
import { errorResponse } from '../api-error.ts';
import { serveStoredFile } from '../serve-file.ts';

const YEAR_SECONDS = 31_536_000;
const FILE_PATH = /^\/images\/(\d{4}\/\d{2}\/\d{2})\/([A-Za-z0-9_.-]{1,255})$/;

/** A download under its stored name (already [A-Za-z0-9_.-], so it needs no quoting rules). */
const attachment = (filename: string) => `attachment; filename="${filename}"`;

export const notFoundFile = () =>
  errorResponse(ApiErrors.notFound, false, { 'Cache-Control': 'no-store' });

export function createFileServer(deps: {
  repos: Pick<Repositories, 'images'>;
  storage: Storage;
  now: () => Date;
  /** The signed-in user of a request, for private files (null: nobody). */
  viewerOf: (request: Request) => Promise<number | null>;
  /** Answers paths outside a date folder (Chevereto's old file URLs), or null. */
  otherPath?: (path: string) => Promise<Response | null>;
}) {
  return async function serveFile(request: Request): Promise<Response> {
    const path = new URL(request.url).pathname;
    const match = FILE_PATH.exec(path);
    if (!match) return (await deps.otherPath?.(path)) ?? notFoundFile();
    const [, folder = '', filename = ''] = match;
    const now = deps.now();
    for (const { image, albumPrivacy } of await deps.repos.images.findServable(
      folder,
      candidateNames(filename),
      now,
    )) {
      const file = variantsOf(image).find((variant) => variant.filename === filename);
      if (!file) continue;
      const isPrivate = albumPrivacy === 'private';
      if (isPrivate && (await deps.viewerOf(request)) !== image.userId) return notFoundFile();
      const stored = await deps.storage.get(file.key);
      if (!stored) break;
      const secondsLeft = image.expiresAt
        ? (image.expiresAt.getTime() - now.getTime()) / 1000
        : YEAR_SECONDS;
      return serveStoredFile(request, stored, {
        contentType: file.mime,
        maxAge: Math.min(YEAR_SECONDS, secondsLeft),
        cacheControl: isPrivate ? 'private, no-store' : undefined,
        disposition: image.type === 'file' ? attachment(file.filename) : undefined,
      });
    }
    return notFoundFile();
  };
}
