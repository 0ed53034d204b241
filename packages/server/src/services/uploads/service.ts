// One upload, from the bytes the client sent to a published row.
//
// Content first, reference last (README: Operating Upshot): a pending row claims the file
// name (and, for a user, the right to store these bytes), the files are written and made
// durable, and only then is the row published. A crash at any point leaves a pending row
// (invisible everywhere) that the janitor removes with whatever files it had; it never
// leaves a published row without its files. An upload is acknowledged only once published.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Limits } from '@upshot/schema';
import type { Config } from '../../config.ts';
import type { PublishValues } from '../../db/repositories/images.ts';
import type { Repositories } from '../../db/repositories/index.ts';
import type { ImageRow, NewImageRow, UserRow } from '../../db/schema/index.ts';
import type { FetchedSource, SafeFetchOptions } from '../../fetch/safe-fetch.ts';
import { md5 } from '../../media/hash.ts';
import type { EncodedFile } from '../../media/image.ts';
import type { WorkQueue } from '../../media/queue.ts';
import type { SniffedType } from '../../media/sniff.ts';
import type { Storage, StoredFile } from '../../storage/storage.ts';
import { Refusal } from '../errors.ts';
import type { ImageDeleter } from '../images/deleter.ts';
import { storageKey } from '../images/files.ts';
import { datePath } from '../images/formatting.ts';
import { generateDeleteToken, hashSecret } from '../keys.ts';
import type { Principal } from '../principal.ts';
import { artifactType } from './artifacts.ts';
import { applyGuestPolicy, durationSeconds, parseExpiration } from './expiration.ts';
import { cleanName, cutTitle, titleFromFilename, uniqueSuffix } from './naming.ts';
import { randomFilename, readSource, type SourceInput, type UploadSource } from './source.ts';

export interface UploadServiceDeps {
  config: Config;
  repos: Pick<Repositories, 'images' | 'albums' | 'addresses'>;
  storage: Storage;
  queue: WorkQueue;
  deleter: ImageDeleter;
  now: () => Date;
  fetchSource: (url: string, options: SafeFetchOptions) => Promise<FetchedSource>;
  /** This process's id: pending rows carry it, and temp file names start with it. */
  instanceId: string;
  /** Local folder for temp files (a video that arrived in memory is written there for ffmpeg). */
  tempDir: string;
}

export interface UploadCommand {
  principal: Principal;
  clientIp: string | null;
  source: SourceInput;
  title?: string;
  description?: string;
  tags: string[];
  albumId?: number;
  categoryId?: number;
  width?: number;
  expiration?: string;
  nsfw: boolean;
  /** Aborts the upload (the server is shutting down): nothing is stored. */
  signal?: AbortSignal;
}

export interface UploadOutcome {
  row: ImageRow;
  /** The plain delete token, shown once in the reply. */
  deleteToken: string;
  duplicate: boolean;
  /** A guest asked for a longer life (or none) and got the guest policy instead (README). */
  expirationCapped: boolean;
}

/** The stored files of one upload before they have a name. */
interface Processed {
  type: 'image' | 'video' | 'file';
  main: EncodedFile;
  /** The main file is the uploaded bytes, untouched (so a temp file can be moved into place). */
  mainIsSource: boolean;
  thumb: EncodedFile | null;
  medium: EncodedFile | null;
  frame: EncodedFile | null;
  isAnimated: boolean;
  duration: number;
  exif: string | null;
  title: string | null;
  description: string | null;
}

/** How long a second identical upload waits for the first one to be written. */
const FLIGHT_WAIT_MS = 10 * 60_000;
const FLIGHT_POLL_MS = 100;

/**
 * The media pipelines (sharp, file-type, exifr, ffmpeg's helpers), loaded at the first
 * upload instead of at start: they are most of the start time (README: Performance).
 */
let mediaModules: Promise<typeof import('./media.ts')> | null = null;
const media = () => {
  mediaModules ??= import('./media.ts');
  return mediaModules;
};

const checkAborted = (signal: AbortSignal | undefined) => {
  if (signal?.aborted) throw new Refusal('shutting-down');
};

/** Processing whose result is no longer wanted (a duplicate) stops before it starts. */
const checkDiscarded = (signal: AbortSignal) => {
  if (signal.aborted) throw new Error('processing discarded');
};

/** A build artifact: the uploaded bytes are the stored file, with no variants. */
function storedAsIs(source: UploadSource, type: SniffedType): Processed {
  return {
    type: 'file',
    main: {
      bytes: source.bytes ?? new Uint8Array(0),
      mime: type.mime,
      extension: type.extension,
      width: 0,
      height: 0,
    },
    mainIsSource: true,
    thumb: null,
    medium: null,
    frame: null,
    isAnimated: false,
    duration: 0,
    exif: null,
    title: null,
    description: null,
  };
}

export function createUploadService(deps: UploadServiceDeps) {
  const { config, repos, storage, queue } = deps;
  /** Pending rows this process is writing now; the janitor leaves them alone. */
  const activeClaims = new Set<number>();
  /** Identical uploads in flight in this process, so a second one waits without polling. */
  const localFlights = new Map<string, Promise<void>>();

  async function process(
    source: UploadSource,
    type: SniffedType,
    width: number | undefined,
    discarded: AbortSignal,
  ): Promise<Processed> {
    if (type.kind === 'file') return storedAsIs(source, type);
    if (type.kind === 'image') {
      // A large image that was streamed to disk is read back inside the queue's slot, so
      // no more than `mediaConcurrency` of them are in memory at once.
      return queue.run(async () => {
        checkDiscarded(discarded);
        const bytes = source.bytes ?? (await Bun.file(source.path!).bytes());
        const { processImage, readImageHeader } = await media();
        const header = await readImageHeader(bytes, type);
        const image = await processImage({
          bytes,
          type,
          width,
          maxPixels: config.maxPixels,
          maxFrames: config.maxFrames,
          timeoutMs: config.mediaTimeoutMs,
          stripGps: config.stripGps,
          header,
        });
        return {
          type: 'image',
          main: image.main,
          mainIsSource: image.main.bytes === bytes,
          thumb: image.thumb,
          medium: image.medium,
          frame: null,
          isAnimated: image.isAnimated,
          duration: 0,
          exif: image.exif ? JSON.stringify(image.exif) : null,
          title: image.title,
          description: image.description,
        };
      });
    }
    return queue.run(async () => {
      checkDiscarded(discarded);
      // ffmpeg reads a file: an upload that arrived in memory is written to a private one.
      let path = source.path;
      let written: string | null = null;
      if (!path) {
        await mkdir(deps.tempDir, { recursive: true });
        written = join(deps.tempDir, `${deps.instanceId}-${uniqueSuffix()}.${type.extension}`);
        await writeFile(written, source.bytes!, { mode: 0o600 });
        path = written;
      }
      try {
        const { processVideo } = await media();
        const video = await processVideo({
          path,
          type,
          maxPixels: config.maxPixels,
          timeoutMs: config.mediaTimeoutMs,
        });
        return {
          type: 'video',
          main: {
            bytes: source.bytes ?? new Uint8Array(0),
            mime: type.mime,
            extension: type.extension,
            width: video.width,
            height: video.height,
          },
          mainIsSource: true,
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
        if (written) await rm(written, { force: true });
      }
    });
  }

  function expiresAt(command: UploadCommand, now: Date): { at: Date | null; capped: boolean } {
    const { principal } = command;
    let seconds = parseExpiration(command.expiration, now);
    if (principal.kind === 'user' && seconds === null && command.expiration === undefined) {
      const fallback = principal.user.defaultExpiration;
      if (fallback) seconds = parseExpiration(fallback, now);
    }
    let capped = false;
    if (principal.kind === 'guest') {
      const policy = Math.round(durationSeconds(config.guestExpiration, now));
      const asked = seconds;
      seconds = applyGuestPolicy(seconds, policy);
      // Asking for nothing is not asking for more: only an explicit longer wish is capped.
      capped = command.expiration !== undefined && (asked === null || asked > policy);
    }
    return { at: seconds === null ? null : new Date(now.getTime() + seconds * 1000), capped };
  }

  /**
   * Quota (README: Quotas): a user's live main files plus this one may not pass their quota
   * (their own, else UPSHOT_USER_QUOTA_MB; 0 or none: no quota). The admin has none. A
   * re-upload of bytes they already have stores nothing, so it is let through.
   */
  async function checkQuota(
    user: UserRow,
    incoming: number,
    duplicateOf: () => Promise<ImageRow | null>,
    now: Date,
  ): Promise<void> {
    const quotaMb = user.quotaMb ?? config.userQuotaMb;
    if (user.isAdmin || !(quotaMb > 0)) return;
    const used = await repos.images.usedBytes(user.id, now);
    if (used + incoming <= quotaMb * 1_000_000) return;
    if (await duplicateOf()) return;
    throw new Refusal('quota-exceeded', { maxMb: quotaMb });
  }

  /**
   * Whether the stored main file will be the uploaded bytes, untouched: no resize, no
   * conversion (BMP), no GPS to remove (UPSHOT_STRIP_GPS). Videos always are.
   */
  async function keepsSourceBytes(
    type: SniffedType,
    width: number | undefined,
    bytes: Uint8Array,
  ): Promise<boolean> {
    if (type.kind === 'video') return true;
    if (width !== undefined || type.extension === 'bmp') return false;
    return !config.stripGps || (await media()).stripGps(bytes, type) === bytes;
  }

  /** The first bytes, enough to tell the type. */
  async function head(source: UploadSource): Promise<Uint8Array> {
    if (source.bytes) return source.bytes;
    return new Uint8Array(await Bun.file(source.path!).slice(0, 65_536).arrayBuffer());
  }

  /**
   * The extension the main file is stored with, and the one of the thumb and medium: a
   * JPEG keeps the client's `.jpg` (and so do its variants, `photo.th.jpg`), BMP is
   * stored as PNG, AVIF variants are WebP, a video's variants JPEG.
   */
  function extensions(type: SniffedType, originalFilename: string) {
    if (type.kind === 'file') return { main: type.extension, variant: null };
    const jpg = type.extension === 'jpeg' && /\.jpg$/i.test(originalFilename);
    const main = jpg ? 'jpg' : type.extension === 'bmp' ? 'png' : type.extension;
    let variant = type.kind === 'video' ? 'jpeg' : type.extension;
    if (type.extension === 'avif') variant = 'webp';
    if (type.extension === 'bmp') variant = 'png';
    if (jpg) variant = 'jpg';
    return { main, variant };
  }

  /** Waits while an identical upload by the same owner is being written. */
  async function waitForFlight(flightKey: string, signal?: AbortSignal): Promise<void> {
    const local = localFlights.get(flightKey);
    if (local) return local;
    const deadline = Date.now() + FLIGHT_WAIT_MS;
    while (await repos.images.isInFlight(flightKey)) {
      checkAborted(signal);
      if (Date.now() > deadline) throw new Error('an identical upload never finished');
      await Bun.sleep(FLIGHT_POLL_MS);
    }
  }

  const duplicateOf = async (row: ImageRow): Promise<UploadOutcome> => {
    const deleteToken = generateDeleteToken();
    await repos.images.addDeleteToken(row.id, hashSecret(deleteToken));
    return { row, deleteToken, duplicate: true, expirationCapped: false };
  };

  return {
    /** Pending rows being written by this process now. */
    activeClaims: (): ReadonlySet<number> => activeClaims,

    async upload(command: UploadCommand): Promise<UploadOutcome> {
      const { principal, signal } = command;
      const now = deps.now();
      const user = principal.kind === 'user' ? principal.user : null;
      if (user?.isBanned) throw new Refusal('request-denied');
      // An address the admin banned may not upload as a guest (README: Administration).
      if (!user && command.clientIp && (await repos.addresses.isBanned(command.clientIp))) {
        throw new Refusal('request-denied');
      }

      if (command.albumId !== undefined) {
        const album = await repos.albums.find(command.albumId);
        if (!album || album.userId !== user?.id) throw new Refusal('album-not-found');
      }
      if (
        command.categoryId !== undefined &&
        !(await repos.albums.findCategory(command.categoryId))
      ) {
        throw new Refusal('invalid-category');
      }
      const expiration = expiresAt(command, now);
      const expiry = expiration.at;

      const maxMb = user ? config.maxUploadMbUser : config.maxUploadMbGuest;
      const source = await readSource(command.source, {
        maxBytes: Math.floor(maxMb * 1_000_000),
        maxMb,
        urlRefusal: !config.urlUploads
          ? 'url-disabled'
          : user === null
            ? 'url-disabled-for-guests'
            : null,
        fetch: deps.fetchSource,
        fetchOptions: { allowPrivate: config.fetchAllowPrivate, timeoutMs: config.fetchTimeoutMs },
      });
      checkAborted(signal);
      if (user) {
        await checkQuota(
          user,
          source.size,
          () =>
            repos.images.findDuplicate({
              userId: user.id,
              uploadMd5: source.md5,
              requestedWidth: command.width ?? null,
              now,
            }),
          now,
        );
      }

      const type = await (await media()).sniffType(await head(source)).catch((error: unknown) => {
        // Not media: with UPSHOT_FILE_UPLOADS on, an allowed extension makes it a stored file.
        const artifact = artifactType(error, config, source.originalFilename);
        if (artifact) return artifact;
        throw error;
      });
      // Processing starts at once; a duplicate (rare: clients such as the action skip
      // unchanged files) discards it.
      const discard = new AbortController();
      const processing = process(source, type, command.width, discard.signal);
      processing.catch(() => {});
      try {
        const requestedWidth = command.width ?? null;
        // Guests share addresses (every guest behind one proxy): an upload of bytes a guest
        // sent before is a new upload, never control over someone else's (README: Security).
        const flightKey = user ? `user:${user.id}:${source.md5}:${requestedWidth ?? ''}` : null;
        const originalFilename =
          source.via === 'base64'
            ? randomFilename(type.extension === 'bmp' ? 'png' : type.extension)
            : source.originalFilename ||
              randomFilename(type.extension === 'bmp' ? 'png' : type.extension);
        const ext = extensions(type, originalFilename);
        const folder = datePath(now);
        const pending: NewImageRow = {
          userId: user?.id ?? null,
          albumId: command.albumId ?? null,
          categoryId: command.categoryId ?? null,
          type: type.kind,
          status: 'pending',
          uploadInstance: deps.instanceId,
          flightKey,
          datePath: folder,
          name: '',
          extension: ext.main,
          mime: type.mime,
          size: 0,
          width: 0,
          height: 0,
          originalFilename,
          title: '',
          uploadMd5: source.md5,
          md5: '',
          requestedWidth,
          thumbExtension: ext.variant,
          mediumExtension: ext.variant,
          uploaderIp: command.clientIp,
          createdAt: now,
          expiresAt: expiry,
        };

        // Claim a name (and the flight); an identical upload by this user that is live, or
        // lands while we wait for it, is answered as a duplicate.
        let claimed: ImageRow | null = null;
        const base = cleanName(originalFilename);
        // Looked for first and after waiting for a flight; a name that is taken (a common
        // one: screenshot.png) needs no second look, the check after the claim covers it.
        let lookForDuplicate = user !== null;
        for (let attempt = 0; claimed === null; attempt++) {
          if (attempt === 12) throw new Error('no free file name');
          if (user && lookForDuplicate) {
            lookForDuplicate = false;
            const duplicate = await repos.images.findDuplicate({
              userId: user.id,
              uploadMd5: source.md5,
              requestedWidth,
              now,
            });
            if (duplicate) return duplicateOf(duplicate);
          }
          const name = attempt === 0 ? base : `${base}${uniqueSuffix()}`;
          const mainKey = storageKey(folder, `${name}.${ext.main}`);
          if (!(await repos.images.isNameFree(folder, name)) || (await storage.exists(mainKey))) {
            continue;
          }
          const result = await repos.images.claim({ ...pending, name });
          if ('claimed' in result) claimed = result.claimed;
          else if (result.conflict === 'flight') {
            await waitForFlight(flightKey!, signal);
            lookForDuplicate = true;
          }
        }

        const row = claimed;
        if (user) {
          // An identical upload may have been published between our look and our claim
          // (its flight key was already cleared, so the claim did not collide): check again.
          const earlier = await repos.images.findDuplicate({
            userId: user.id,
            uploadMd5: source.md5,
            requestedWidth,
            now,
          });
          if (earlier && earlier.id !== row.id) {
            await deps.deleter.delete(row).catch(() => {});
            return duplicateOf(earlier);
          }
        }
        activeClaims.add(row.id);
        let settle: () => void = () => {};
        if (flightKey) localFlights.set(flightKey, new Promise<void>((r) => (settle = r)));
        const mainKey = storageKey(folder, `${row.name}.${ext.main}`);
        /** Keys this upload has stored so far (each write is all or nothing). */
        const written: string[] = [];
        const put = async (files: StoredFile[]) => {
          await storage.putAll(files);
          written.push(...files.map((file) => file.key));
        };
        // Most uploads store the bytes received as they are: that file is written (and
        // synced) while the image is still being processed, rather than after it.
        const earlyMain =
          source.bytes && (await keepsSourceBytes(type, command.width, source.bytes))
            ? put([{ key: mainKey, bytes: source.bytes }])
            : null;
        earlyMain?.catch(() => {});
        try {
          const processed = await processing;
          checkAborted(signal);
          const files: StoredFile[] = [];
          if (!(earlyMain && processed.mainIsSource)) {
            files.push(
              processed.mainIsSource && source.path
                ? { key: mainKey, path: source.path }
                : { key: mainKey, bytes: processed.main.bytes },
            );
          }
          const variant = (infix: string, file: EncodedFile | null) => {
            if (!file) return;
            const extension = type.kind === 'video' ? 'jpeg' : ext.variant;
            files.push({
              key: storageKey(folder, `${row.name}.${infix}.${extension}`),
              bytes: file.bytes,
            });
          };
          variant('th', processed.thumb);
          variant('md', processed.medium);
          variant('fr', processed.frame);
          // Both writes settle before anything else happens, whichever fails.
          const stored = await Promise.allSettled([earlyMain, put(files)]);
          const failed = stored.find((result) => result.status === 'rejected');
          if (failed) throw failed.reason;

          const storedMd5 = processed.mainIsSource ? source.md5 : await md5(processed.main.bytes);
          const values: PublishValues = {
            userId: row.userId,
            albumId: row.albumId,
            categoryId: row.categoryId,
            type: processed.type,
            extension: ext.main,
            mime: processed.main.mime,
            size: processed.mainIsSource ? source.size : processed.main.bytes.length,
            width: processed.main.width,
            height: processed.main.height,
            originalFilename,
            // Metadata is the uploader's file, not a form: cut to the same limits.
            title:
              command.title ??
              cutTitle(processed.title ?? undefined) ??
              titleFromFilename(originalFilename),
            description:
              command.description ??
              processed.description?.slice(0, Limits.descriptionMaxLength) ??
              null,
            tags: command.tags,
            nsfw: command.nsfw,
            isAnimated: processed.isAnimated,
            md5: storedMd5,
            sourceMd5: storedMd5 === source.md5 ? null : source.md5,
            uploadMd5: source.md5,
            requestedWidth,
            exif: processed.exif,
            thumbExtension: processed.thumb ? (type.kind === 'video' ? 'jpeg' : ext.variant) : null,
            thumbMime: processed.thumb?.mime ?? null,
            thumbSize: processed.thumb?.bytes.length ?? 0,
            mediumExtension: processed.medium
              ? type.kind === 'video'
                ? 'jpeg'
                : ext.variant
              : null,
            mediumMime: processed.medium?.mime ?? null,
            mediumSize: processed.medium?.bytes.length ?? 0,
            frameSize: processed.frame?.bytes.length ?? 0,
            duration: processed.duration,
            uploaderIp: command.clientIp,
            expiresAt: expiry,
          };
          const deleteToken = generateDeleteToken();
          const published = await repos.images.publish(row.id, values, hashSecret(deleteToken));
          return {
            row: published,
            deleteToken,
            duplicate: false,
            expirationCapped: expiration.capped,
          };
        } catch (error) {
          // Nobody has the URLs yet: the pending row goes, with whatever files it had. Files
          // already stored go at once (a refused upload leaves nothing behind), once the early
          // write of the main file has settled so that nothing lands after the removal.
          await earlyMain?.catch(() => {});
          if (written.length > 0) await storage.deleteAll(written).catch(() => {});
          await deps.deleter.delete(row).catch(() => {});
          throw error;
        } finally {
          activeClaims.delete(row.id);
          if (flightKey) localFlights.delete(flightKey);
          settle();
        }
      } finally {
        // Nothing may read the upload's bytes in memory once this returns: the buffer they
        // are in is reused for the next upload (http/buffer-pool.ts). Work a duplicate made
        // useless is dropped when it has not started, and waited for when it reads them.
        discard.abort();
        if (source.bytes) await processing.catch(() => {});
      }
    },
  };
}

export type UploadService = ReturnType<typeof createUploadService>;
