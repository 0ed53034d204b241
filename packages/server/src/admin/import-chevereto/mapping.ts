// Chevereto rows as Upshot rows, without any I/O. A row that cannot be mapped throws
// BadRow with the reason the report prints (README: Moving from Chevereto).
import { parse as parseDuration } from 'tinyduration';
import type { AlbumPrivacy } from '../../db/schema/index.ts';
import type { Row } from './source.ts';

export class BadRow extends Error {
  override name = 'BadRow';
}

const text = (value: unknown): string | null =>
  value === null || value === undefined ? null : String(value);
const int = (value: unknown, fallback = 0): number => {
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : fallback;
};
const flag = (value: unknown): boolean => Number(value) === 1 || value === true;

/** 'YYYY-MM-DD HH:MM:SS' (GMT in Chevereto's *_gmt columns) as a Date. */
export function gmtDate(value: unknown, column: string): Date {
  const raw = text(value);
  const match = raw && /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})/.exec(raw);
  if (!match) throw new BadRow(`${column} is not a date (${JSON.stringify(raw)})`);
  const [, y, mo, d, h, mi, s] = match.map(Number);
  const date = new Date(Date.UTC(y!, mo! - 1, d!, h!, mi!, s!));
  if (Number.isNaN(date.getTime()) || y! < 1970) {
    throw new BadRow(`${column} is not a date (${JSON.stringify(raw)})`);
  }
  return date;
}

const optionalGmtDate = (value: unknown, column: string): Date | null =>
  value === null || value === undefined || String(value).startsWith('0000')
    ? null
    : gmtDate(value, column);

// ----- users -----

export interface MappedUser {
  sourceId: number;
  username: string;
  email: string | null;
  isAdmin: boolean;
  isBanned: boolean;
  defaultExpiration: string | null;
  createdAt: Date;
}

export function mapUser(row: Row): MappedUser {
  const sourceId = int(row.user_id, -1);
  if (sourceId <= 0) throw new BadRow('user_id is missing');
  const username = text(row.user_username)?.trim() ?? '';
  if (username === '') throw new BadRow('user_username is empty');
  const expiration = text(row.user_image_expiration);
  let defaultExpiration: string | null = null;
  if (expiration) {
    try {
      parseDuration(expiration);
      defaultExpiration = expiration;
    } catch {
      // Not an ISO 8601 duration: the user's uploads simply do not expire by default.
    }
  }
  return {
    sourceId,
    username,
    email: text(row.user_email)?.trim() || null,
    isAdmin: flag(row.user_is_admin),
    isBanned: text(row.user_status) === 'banned',
    defaultExpiration,
    createdAt: gmtDate(row.user_date_gmt, 'user_date_gmt'),
  };
}

// ----- albums -----

export interface MappedAlbum {
  id: number;
  sourceUserId: number | null;
  parentId: number | null;
  name: string;
  description: string | null;
  privacy: AlbumPrivacy;
  /** Chevereto's privacy when Upshot has no equal: the report names each one. */
  mappedFrom: 'password' | 'custom' | null;
  createdAt: Date;
}

/**
 * public and private stay; private_but_link (anyone with the link) is unlisted; password
 * and custom (chosen people) become private, so nothing protected becomes visible.
 */
export function mapPrivacy(value: unknown): {
  privacy: AlbumPrivacy;
  mappedFrom: MappedAlbum['mappedFrom'];
} {
  switch (text(value) ?? 'public') {
    case 'public':
      return { privacy: 'public', mappedFrom: null };
    case 'private_but_link':
      return { privacy: 'unlisted', mappedFrom: null };
    case 'private':
      return { privacy: 'private', mappedFrom: null };
    case 'password':
      return { privacy: 'private', mappedFrom: 'password' };
    case 'custom':
      return { privacy: 'private', mappedFrom: 'custom' };
    default:
      throw new BadRow(`album_privacy ${JSON.stringify(value)} is unknown`);
  }
}

export function mapAlbum(row: Row): MappedAlbum {
  const id = int(row.album_id, -1);
  if (id <= 0) throw new BadRow('album_id is missing');
  const owner = row.album_user_id === null ? null : int(row.album_user_id, -1);
  const parent =
    row.album_parent_id === null || row.album_parent_id === undefined
      ? null
      : int(row.album_parent_id, -1);
  return {
    id,
    sourceUserId: owner,
    parentId: parent !== null && parent > 0 ? parent : null,
    name: (text(row.album_name) ?? '').slice(0, 100) || 'Album',
    description: text(row.album_description),
    ...mapPrivacy(row.album_privacy),
    createdAt: gmtDate(row.album_date_gmt, 'album_date_gmt'),
  };
}

// ----- images -----

const MIME: Record<string, string> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  webp: 'image/webp',
  bmp: 'image/bmp',
  avif: 'image/avif',
  heic: 'image/heic',
  tif: 'image/tiff',
  tiff: 'image/tiff',
  ico: 'image/x-icon',
  mp4: 'video/mp4',
  webm: 'video/webm',
  mov: 'video/quicktime',
};
const VIDEO = new Set(['mp4', 'webm', 'mov']);

/** image_chain bits (Chevereto's Image::$chain_sizes). */
export const Chain = { thumb: 1, medium: 2, image: 4, original: 8, frame: 16 } as const;

/** Upshot's file URLs take these names (http/routes/files.ts). */
const NAME = /^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,199}$/;

export interface PlannedFile {
  kind: 'image' | 'thumb' | 'medium' | 'frame';
  /** File name in Chevereto's folder. */
  sourceName: string;
  /** File name in Upshot's date folder. */
  targetName: string;
  extension: string;
  mime: string;
}

export interface MappedImage {
  id: number;
  sourceUserId: number | null;
  sourceAlbumId: number | null;
  categoryId: number | null;
  type: 'image' | 'video';
  mode: 'datefolder' | 'direct' | 'old';
  /** Chevereto's folder of the files, under the images folder ('' in direct mode). */
  sourceFolder: string;
  /** YYYY/MM/DD of the upload: the folder Upshot keeps the files in. */
  datePath: string;
  sourceName: string;
  name: string;
  extension: string;
  mime: string;
  files: PlannedFile[];
  /** The `.or.` copy Chevereto may keep: Upshot has no such variant. */
  hasOriginal: boolean;
  storageId: number | null;
  values: {
    size: number;
    width: number;
    height: number;
    originalFilename: string;
    title: string;
    description: string | null;
    nsfw: boolean;
    isAnimated: boolean;
    md5: string;
    sourceMd5: string | null;
    exif: string | null;
    duration: number;
    uploaderIp: string | null;
    createdAt: Date;
    expiresAt: Date | null;
    thumbSize: number;
    mediumSize: number;
    frameSize: number;
  };
}

export function mapImage(row: Row): MappedImage {
  const id = int(row.image_id, -1);
  if (id <= 0) throw new BadRow('image_id is missing');
  const mode = text(row.image_storage_mode) ?? 'datefolder';
  if (mode === 'path') {
    throw new BadRow(`storage mode "path" (files at ${text(row.image_path) ?? '?'}) is not read`);
  }
  if (mode !== 'datefolder' && mode !== 'direct' && mode !== 'old') {
    throw new BadRow(`storage mode ${JSON.stringify(mode)} is unknown`);
  }
  const name = text(row.image_name) ?? '';
  if (!NAME.test(name) || /\.(th|md|fr|or)$/i.test(name)) {
    throw new BadRow(`image_name ${JSON.stringify(name)} is not a file name Upshot serves`);
  }
  const extension = (text(row.image_extension) ?? '').toLowerCase();
  const mime = MIME[extension];
  if (!mime) throw new BadRow(`extension ${JSON.stringify(extension)} is not an image or video`);
  const type = VIDEO.has(extension) ? 'video' : 'image';
  // The folder is the local date of the upload (Chevereto's image_date), as on disk.
  const local = /^(\d{4})-(\d{2})-(\d{2})/.exec(text(row.image_date) ?? '');
  if (!local) throw new BadRow(`image_date ${JSON.stringify(row.image_date)} is not a date`);
  const datePath = `${local[1]}/${local[2]}/${local[3]}`;
  const sourceFolder = mode === 'datefolder' ? datePath : mode === 'old' ? 'old' : '';
  const chain = int(row.image_chain, Chain.image | Chain.thumb);
  // Variants of a video are its frame's JPEG.
  const variantExtension = type === 'video' ? 'jpeg' : extension;
  const variantMime = type === 'video' ? 'image/jpeg' : mime;
  const files: PlannedFile[] = [
    {
      kind: 'image',
      sourceName: `${name}.${extension}`,
      targetName: `${name}.${extension}`,
      extension,
      mime,
    },
  ];
  const variant = (kind: PlannedFile['kind'], infix: string) =>
    files.push({
      kind,
      sourceName: `${name}.${infix}.${variantExtension}`,
      targetName: `${name}.${infix}.${variantExtension}`,
      extension: variantExtension,
      mime: variantMime,
    });
  if (chain & Chain.thumb) variant('thumb', 'th');
  if (chain & Chain.medium) variant('medium', 'md');
  if (type === 'video' && chain & Chain.frame) variant('frame', 'fr');
  const md5 = (text(row.image_md5) ?? '').toLowerCase();
  const width = int(row.image_width, -1);
  const height = int(row.image_height, -1);
  if (width < 0 || height < 0) throw new BadRow('image_width or image_height is not a number');
  return {
    id,
    sourceUserId: row.image_user_id === null ? null : int(row.image_user_id, -1),
    sourceAlbumId: row.image_album_id === null ? null : int(row.image_album_id, -1),
    categoryId:
      row.image_category_id === null || row.image_category_id === undefined
        ? null
        : int(row.image_category_id, -1),
    type,
    mode,
    sourceFolder,
    datePath,
    sourceName: name,
    name,
    extension,
    mime,
    files,
    hasOriginal: (chain & Chain.original) !== 0,
    storageId:
      row.image_storage_id === null || row.image_storage_id === undefined
        ? null
        : int(row.image_storage_id, -1),
    values: {
      size: int(row.image_size),
      width,
      height,
      originalFilename: text(row.image_original_filename) ?? `${name}.${extension}`,
      title: text(row.image_title) ?? '',
      description: text(row.image_description),
      nsfw: flag(row.image_nsfw),
      isAnimated: flag(row.image_is_animated),
      md5,
      sourceMd5: text(row.image_source_md5),
      exif: text(row.image_original_exifdata),
      duration: int(row.image_duration),
      uploaderIp: text(row.image_uploader_ip),
      createdAt: gmtDate(row.image_date_gmt, 'image_date_gmt'),
      expiresAt: optionalGmtDate(row.image_expiration_date_gmt, 'image_expiration_date_gmt'),
      thumbSize: int(row.image_thumb_size),
      mediumSize: int(row.image_medium_size),
      frameSize: int(row.image_frame_size),
    },
  };
}

/** The ledger's old path of a file kept outside a date folder: `old/name` or `name`. */
export const legacyPathOf = (image: MappedImage): string | null =>
  image.mode === 'datefolder' ? null : `${image.mode === 'old' ? 'old/' : ''}${image.sourceName}`;
