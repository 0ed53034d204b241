import * as core from '@actions/core';
import { type UploadResult, type UpshotClient, UpshotError } from '@upshot/client';
import type { FileResult, Kind, ListedUpload } from './comment.ts';
import { type LocalFile, renderTitle } from './files.ts';

export interface UploadOptions {
  concurrency: number;
  titleTemplate: string;
  albumId: string;
  expiration: string;
  /** Screenshots will be compared: a listed upload is reused only when the comment kept its id. */
  needIds?: boolean;
}

type Image = UploadResult['image'];

/** An image is embedded in the comment; anything else the server took is linked. */
export function kindOf(image: Pick<Image, 'type' | 'mime'>): Kind {
  if (image.type === 'video') return 'video';
  if (image.type === 'file') return 'file';
  return typeof image.mime === 'string' && image.mime.startsWith('image/') ? 'image' : 'file';
}

/** `YYYY-MM-DD HH:MM:SS` UTC (the contract's form) → epoch ms, or NaN. */
function parseGmt(value: string): number {
  return Date.parse(`${value.replace(' ', 'T')}Z`);
}

/** A listed upload still worth linking to: not expired and not expiring within the hour. */
export function stillValid(listed: ListedUpload, now = Date.now()): boolean {
  if (!listed.expiresAt) return true;
  const at = parseGmt(listed.expiresAt);
  return Number.isNaN(at) || at - now > 60 * 60 * 1000;
}

/** What an image host takes: anything else is a build artifact (a trace, a log, a report). */
const MEDIA = /\.(png|jpe?g|gif|webp|avif|bmp|mp4|m4v|webm|mov)$/i;

/** The server refused a file that is not an image or a video: it does not take artifacts. */
const notMedia = (error: unknown, name: string) =>
  error instanceof UpshotError && error.status === 415 && !MEDIA.test(name);

export const SKIPPED_NOT_MEDIA =
  'not uploaded: the server takes images and videos only (its UPSHOT_FILE_UPLOADS setting allows other files)';

function describe(error: unknown): string {
  if (error instanceof UpshotError) {
    const status =
      error.status === null
        ? ''
        : ` (HTTP ${error.status}${error.code === null ? '' : `, code ${error.code}`})`;
    return `${error.message}${status}`;
  }
  return error instanceof Error ? error.message : String(error);
}

async function pool<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * Upload each file unless an earlier comment already lists its bytes (same md5): then its links
 * are reused. Delete URLs are masked in the log the moment they arrive and never kept.
 */
export async function uploadFiles(
  client: UpshotClient,
  files: LocalFile[],
  previous: Map<string, ListedUpload>,
  options: UploadOptions,
): Promise<FileResult[]> {
  return pool(files, options.concurrency, async (file): Promise<FileResult> => {
    const base = {
      file: file.relative,
      name: file.name,
      md5: file.md5,
      reviewName: file.reviewName,
    };
    const listed = previous.get(file.md5);
    // A comparison names the images by id: a comment written before ids were kept gives none.
    if (listed && stillValid(listed) && (listed.id || !options.needIds)) {
      core.info(`= ${file.relative} unchanged, ${listed.url}`);
      return {
        ...base,
        status: 'unchanged',
        kind: listed.kind,
        mime: listed.mime,
        url: listed.url,
        viewerUrl: listed.viewerUrl,
        thumbUrl: listed.thumbUrl,
        expiresAt: listed.expiresAt,
        ...(listed.id ? { id: listed.id } : {}),
      };
    }
    try {
      const title = renderTitle(options.titleTemplate, file);
      const { image } = await client.upload(file.absolute, {
        ...(title ? { title } : {}),
        ...(options.albumId ? { album_id: options.albumId } : {}),
        ...(options.expiration ? { expiration: options.expiration } : {}),
        onRetry: ({ attempt, delayMs, error }) =>
          core.info(
            `  ${file.relative}: attempt ${attempt} failed (${describe(error)}); retrying in ${delayMs} ms`,
          ),
      });
      if (image.delete_url) core.setSecret(image.delete_url);
      const kind = kindOf(image);
      core.info(`+ ${file.relative} uploaded, ${image.url}`);
      return {
        ...base,
        status: 'uploaded',
        kind,
        mime: image.mime,
        url: image.url,
        viewerUrl: image.url_viewer || image.url,
        thumbUrl: image.thumb?.url || image.display_url || (kind === 'image' ? image.url : ''),
        expiresAt: image.expiration_date_gmt ?? null,
        ...(image.id_encoded ? { id: image.id_encoded } : {}),
      };
    } catch (error) {
      if (notMedia(error, file.name)) {
        core.notice(`${file.relative} ${SKIPPED_NOT_MEDIA}.`);
        return { ...base, status: 'skipped', error: SKIPPED_NOT_MEDIA };
      }
      const message = describe(error);
      core.warning(`Upload of ${file.relative} failed: ${message}`);
      return { ...base, status: 'failed', error: message };
    }
  });
}
