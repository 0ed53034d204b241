import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ApiErrors } from '@upshot/schema';
import type { Config } from '../../config.ts';
import type { Repository } from '../../db/repository.ts';
import type { ImageRow, NewImageRow } from '../../db/schema.ts';
import type { FetchedSource, SafeFetchOptions } from '../../fetch/safe-fetch.ts';
import { ApiError } from '../../http/api-error.ts';
import { MediaError } from '../../media/errors.ts';
import { md5 } from '../../media/hash.ts';
import { type EncodedFile, processImage, readImageHeader } from '../../media/image.ts';
import type { WorkQueue } from '../../media/queue.ts';
import { type SniffedType, sniffType } from '../../media/sniff.ts';
import { processVideo } from '../../media/video.ts';
import type { Storage, StoredFile } from '../../storage/storage.ts';
import { StorageFullError } from '../../storage/storage.ts';
import { storageKey } from '../images/files.ts';
import { datePath } from '../images/formatting.ts';
import { generateDeleteToken, hashSecret } from '../keys/keys.ts';
import type { Principal } from '../keys/principal.ts';
import { addDuration, applyGuestPolicy, parseExpiration } from './expiration.ts';
import { cleanName, titleFromFilename, uniqueSuffix } from './naming.ts';
import type { UploadRequest } from './params.ts';
import { randomFilename, readSource, type SourceBytes } from './source.ts';

export interface UploadServiceDeps {
  config: Config;
  repo: Repository;
  storage: Storage;
  queue: WorkQueue;
  now: () => Date;
  fetchSource: (url: string, options: SafeFetchOptions) => Promise<FetchedSource>;
}

export interface UploadContext {
  principal: Principal;
  method: string;
  clientIp: string | null;
}

export interface UploadOutcome {
  row: ImageRow;
  /** The plain delete token, shown once in the reply. */
  deleteToken: string;
  duplicate: boolean;
}

const DUPLICATE_WINDOW_MS = 24 * 3600 * 1000;

/** The stored files of one upload before they have a name. */
interface Processed {
  type: 'image' | 'video';
  main: EncodedFile;
  thumb: EncodedFile | null;
  medium: EncodedFile | null;
  frame: EncodedFile | null;
  isAnimated: boolean;
  duration: number;
  exif: string | null;
  title: string | null;
  description: string | null;
}

function mediaToApiError(error: MediaError, config: Config): ApiError {
  switch (error.reason) {
    case 'unknown-type':
      return new ApiError(ApiErrors.unknownSource);
    case 'unsupported-type':
      return new ApiError(ApiErrors.unavailableFormat);
    case 'invalid-image':
      return new ApiError(ApiErrors.invalidImage);
    case 'invalid-video':
      return new ApiError(ApiErrors.invalidVideo);
    case 'too-many-pixels':
      return new ApiError(ApiErrors.tooManyPixels(Math.round(config.maxPixels / 1e6)));
    case 'width-too-large':
      return new ApiError(ApiErrors.widthTooLarge);
    case 'too-many-frames':
      return new ApiError(ApiErrors.tooManyFrames(config.maxFrames));
    case 'timed-out':
      return new ApiError(ApiErrors.processingTimeout);
  }
}

export function createUploadService(deps: UploadServiceDeps) {
  const { config, repo, storage, queue } = deps;

  async function process(
    bytes: Uint8Array,
    type: SniffedType,
    width: number | undefined,
  ): Promise<Processed> {
    if (type.kind === 'image') {
      const header = await readImageHeader(bytes, type);
      if (header.width * header.height > config.maxPixels) throw new MediaError('too-many-pixels');
      const image = await queue.run(() =>
        processImage({
          bytes,
          type,
          width,
          maxPixels: config.maxPixels,
          maxFrames: config.maxFrames,
          timeoutMs: config.mediaTimeoutMs,
          stripGps: config.stripGps,
          header,
        }),
      );
      return {
        type: 'image',
        main: image.main,
        thumb: image.thumb,
        medium: image.medium,
        frame: null,
        isAnimated: image.isAnimated,
        duration: 0,
        exif: image.exif ? JSON.stringify(image.exif) : null,
        title: image.title,
        description: image.description,
      };
    }
    // ffmpeg reads from a file: the upload goes to a private temp file, removed after.
    const tmp = join(config.dataDir, '.tmp', `${uniqueSuffix()}.${type.extension}`);
    await mkdir(join(config.dataDir, '.tmp'), { recursive: true });
    await writeFile(tmp, bytes, { mode: 0o600 });
    try {
      const video = await queue.run(() =>
        processVideo({
          path: tmp,
          type,
          maxPixels: config.maxPixels,
          timeoutMs: config.mediaTimeoutMs,
        }),
      );
      return {
        type: 'video',
        main: {
          bytes,
          mime: type.mime,
          extension: type.extension,
          width: video.width,
          height: video.height,
        },
        thumb: video.thumb,
        medium: video.medium,
        frame: video.frame,
        isAnimated: false,
        duration: video.duration,
        exif: null,
        title: null,
        description: null,
      };
    } finally {
      await rm(tmp, { force: true });
    }
  }

  function expiresAt(request: UploadRequest, principal: Principal, now: Date): Date | null {
    let seconds = parseExpiration(request.expiration, now);
    if (principal.kind === 'user' && seconds === null && request.expiration === undefined) {
      const fallback = principal.user.defaultExpiration;
      if (fallback) seconds = parseExpiration(fallback, now);
    }
    if (principal.kind === 'guest') {
      const policy = Math.round(
        (addDuration(now, config.guestExpiration).getTime() - now.getTime()) / 1000,
      );
      seconds = applyGuestPolicy(seconds, policy);
    }
    return seconds === null ? null : new Date(now.getTime() + seconds * 1000);
  }

  /**
   * A name that looks free in the folder (no row, and no file left on disk). Looking is
   * not claiming: the row's insert claims it (see storeNew).
   */
  async function candidateName(folder: string, base: string, extension: string): Promise<string> {
    let name = base;
    for (let attempt = 0; attempt < 5; attempt++) {
      const taken =
        repo.isNameTaken(folder, name) ||
        (await storage.exists(storageKey(folder, `${name}.${extension}`)));
      if (!taken) return name;
      name = `${base}${uniqueSuffix()}`;
    }
    throw new Error('no free file name');
  }

  interface NewUpload {
    request: UploadRequest;
    ctx: UploadContext;
    now: Date;
    source: SourceBytes;
    processing: Promise<Processed>;
    uploadMd5: string;
    expiry: Date | null;
  }

  /** Claims a name with the row, then writes the files under it; a failure undoes both. */
  async function storeNew(input: NewUpload): Promise<UploadOutcome> {
    const { request, ctx, now, source, uploadMd5 } = input;
    const user = ctx.principal.kind === 'user' ? ctx.principal.user : null;
    let processed: Processed;
    try {
      processed = await input.processing;
    } catch (error) {
      throw error instanceof MediaError ? mediaToApiError(error, config) : error;
    }

    const named = source.originalFilename || randomFilename(processed.main.extension);
    const originalFilename =
      source.via === 'base64' ? randomFilename(processed.main.extension) : named;
    // A JPEG keeps the client's `.jpg`; otherwise the extension comes from the type.
    const extension =
      processed.main.extension === 'jpeg' && /\.jpg$/i.test(originalFilename)
        ? 'jpg'
        : processed.main.extension;
    const folder = datePath(now);
    // The stored bytes are usually the uploaded ones (no resize, no GPS): hash once.
    const storedMd5 =
      processed.main.bytes === source.bytes ? uploadMd5 : await md5(processed.main.bytes);

    const row: Omit<NewImageRow, 'name'> = {
      userId: user?.id ?? null,
      albumId: request.albumId ?? null,
      categoryId: request.categoryId ?? null,
      type: processed.type,
      datePath: folder,
      extension,
      mime: processed.main.mime,
      size: processed.main.bytes.length,
      width: processed.main.width,
      height: processed.main.height,
      originalFilename,
      title: request.title ?? processed.title ?? titleFromFilename(originalFilename),
      description: request.description ?? processed.description ?? null,
      tags: request.tags,
      nsfw: request.nsfw,
      isAnimated: processed.isAnimated,
      md5: storedMd5,
      sourceMd5: storedMd5 === uploadMd5 ? null : uploadMd5,
      uploadMd5,
      requestedWidth: request.width ?? null,
      exif: processed.exif,
      thumbExtension: processed.thumb?.extension ?? null,
      thumbMime: processed.thumb?.mime ?? null,
      thumbSize: processed.thumb?.bytes.length ?? 0,
      mediumExtension: processed.medium?.extension ?? null,
      mediumMime: processed.medium?.mime ?? null,
      mediumSize: processed.medium?.bytes.length ?? 0,
      frameSize: processed.frame?.bytes.length ?? 0,
      duration: processed.duration,
      uploaderIp: ctx.clientIp,
      createdAt: now,
      expiresAt: input.expiry,
    };

    // Two uploads may find the same name free; the unique index lets only one row have
    // it, so no two uploads ever write the same files.
    const deleteToken = generateDeleteToken();
    const base = cleanName(originalFilename);
    let inserted: ImageRow | null = null;
    for (let attempt = 0; inserted === null; attempt++) {
      if (attempt === 8) throw new Error('no free file name');
      const name = await candidateName(
        folder,
        attempt === 0 ? base : `${base}${uniqueSuffix()}`,
        extension,
      );
      inserted = repo.tryInsertImage({ ...row, name }, hashSecret(deleteToken));
    }

    const files: StoredFile[] = [
      { key: storageKey(folder, `${inserted.name}.${extension}`), bytes: processed.main.bytes },
    ];
    const variant = (infix: string, file: EncodedFile | null) => {
      if (file)
        files.push({
          key: storageKey(folder, `${inserted.name}.${infix}.${file.extension}`),
          bytes: file.bytes,
        });
    };
    variant('th', processed.thumb);
    variant('md', processed.medium);
    variant('fr', processed.frame);
    try {
      await storage.putAll(files);
    } catch (error) {
      // Nobody has the URLs yet: the row goes, and putAll has removed what it wrote.
      repo.deleteImage(inserted.id);
      if (error instanceof StorageFullError) throw new ApiError(ApiErrors.storageFull);
      throw error;
    }
    return { row: inserted, deleteToken, duplicate: false };
  }

  /** Uploads of the same bytes by the same owner in progress: later ones join the first. */
  const inFlight = new Map<string, Promise<ImageRow | null>>();

  const duplicateOf = (row: ImageRow): UploadOutcome => {
    const deleteToken = generateDeleteToken();
    repo.addDeleteToken(row.id, hashSecret(deleteToken));
    return { row, deleteToken, duplicate: true };
  };

  return {
    async upload(request: UploadRequest, ctx: UploadContext): Promise<UploadOutcome> {
      const { principal } = ctx;
      const now = deps.now();
      const user = principal.kind === 'user' ? principal.user : null;
      if (user?.isBanned) throw new ApiError(ApiErrors.requestDenied);

      if (request.albumId !== undefined) {
        const album = repo.findAlbum(request.albumId);
        if (!album || album.userId !== user?.id) throw new ApiError(ApiErrors.albumNotFound);
      }
      if (request.categoryId !== undefined && !repo.findCategory(request.categoryId)) {
        throw new ApiError(ApiErrors.invalidCategory);
      }
      const expiry = expiresAt(request, principal, now);

      const maxMb = user ? config.maxUploadMbUser : config.maxUploadMbGuest;
      const source = await readSource(request.source, {
        method: ctx.method,
        maxBytes: Math.floor(maxMb * 1_000_000),
        maxMb,
        urlAllowed: config.urlUploads && user !== null,
        fetch: deps.fetchSource,
        fetchOptions: { allowPrivate: config.fetchAllowPrivate, timeoutMs: config.fetchTimeoutMs },
      });

      let type: SniffedType;
      try {
        type = await sniffType(source.bytes);
      } catch (error) {
        throw error instanceof MediaError ? mediaToApiError(error, config) : error;
      }

      // Processing starts before hashing, which yields between slices, so the decode runs
      // on libvips' threads meanwhile. A duplicate (rare: clients such as the action skip
      // unchanged files) discards the processing.
      const processing = process(source.bytes, type, request.width);
      processing.catch(() => {});
      const uploadMd5 = await md5(source.bytes);
      const requestedWidth = request.width ?? null;
      const owner = user ? `user:${user.id}` : `guest:${ctx.clientIp ?? ''}`;
      const flightKey = `${owner}:${uploadMd5}:${requestedWidth ?? ''}`;

      const earlier = inFlight.get(flightKey);
      if (earlier) {
        const row = await earlier;
        if (row) return duplicateOf(row);
      }
      // No await from the check to the registration: checking and claiming are one step.
      const duplicate = repo.findDuplicate({
        uploadMd5,
        requestedWidth,
        userId: user?.id ?? null,
        uploaderIp: ctx.clientIp,
        since: new Date(now.getTime() - DUPLICATE_WINDOW_MS),
        now,
      });
      if (duplicate) return duplicateOf(duplicate);
      let settle: (row: ImageRow | null) => void = () => {};
      inFlight.set(flightKey, new Promise((resolve) => (settle = resolve)));
      try {
        const outcome = await storeNew({
          request,
          ctx,
          now,
          source,
          processing,
          uploadMd5,
          expiry,
        });
        settle(outcome.row);
        return outcome;
      } catch (error) {
        settle(null);
        throw error;
      } finally {
        inFlight.delete(flightKey);
      }
    },
  };
}

export type UploadService = ReturnType<typeof createUploadService>;
