import { ApiErrors, type IdCodec, Limits, type UploadFormat } from '@upshot/schema';
import { cutTitle, parseTags } from '../../services/uploads/naming.ts';
import type { SourceInput } from '../../services/uploads/source.ts';
import { ApiError } from '../api-error.ts';
import { isReceivedFile, type ReceivedFile } from '../form.ts';

/** A parameter value as it arrives: text, or a file part of a multipart body. */
export type WireValue = string | ReceivedFile;
export type WireParams = Record<string, WireValue | undefined>;

/** The upload parameters after every contract check (docs/api.md §2). */
export interface UploadRequest {
  source: SourceInput;
  /** The request used imgbb's `image` instead of `source`. */
  imgbbMode: boolean;
  title: string | undefined;
  description: string | undefined;
  tags: string[];
  albumId: number | undefined;
  categoryId: number | undefined;
  width: number | undefined;
  expiration: string | undefined;
  nsfw: boolean;
  format: UploadFormat;
}

const text = (value: WireValue | undefined): string | undefined =>
  typeof value === 'string' ? value : undefined;

/** `format` is read first: it decides how every later error is answered. */
export function readFormat(params: WireParams): UploadFormat {
  const format = text(params.format)?.trim().toLowerCase() ?? '';
  if (format === '') return 'json';
  if (format === 'json' || format === 'txt' || format === 'redirect') return format;
  throw new ApiError(ApiErrors.invalidFormat);
}

function readSource(params: WireParams): { source: SourceInput; imgbbMode: boolean } {
  const imgbbMode = params.source === undefined && params.image !== undefined;
  const candidates = [params.source, params.image];
  // A file part wins over a string.
  const file = candidates.find(isReceivedFile);
  if (file) return { source: { kind: 'file', file }, imgbbMode };
  const value = candidates.find((v): v is string => typeof v === 'string');
  return {
    source: value === undefined ? { kind: 'none' } : { kind: 'text', text: value },
    imgbbMode,
  };
}

export function parseUploadParams(params: WireParams, ids: IdCodec): UploadRequest {
  const format = readFormat(params);
  const { source, imgbbMode } = readSource(params);

  const widthText = text(params.width)?.trim();
  let width: number | undefined;
  if (widthText !== undefined && widthText !== '') {
    if (
      !/^\d+$/.test(widthText) ||
      Number(widthText) < 1 ||
      !Number.isSafeInteger(Number(widthText))
    ) {
      throw new ApiError(ApiErrors.invalidWidth);
    }
    width = Number(widthText);
  }

  const nsfwText = text(params.nsfw)?.trim().toLowerCase() ?? '';
  if (!['', '0', '1', 'true', 'false'].includes(nsfwText))
    throw new ApiError(ApiErrors.invalidNsfw);

  const categoryText = text(params.category_id)?.trim() ?? '';
  if (categoryText !== '' && !/^\d{1,9}$/.test(categoryText))
    throw new ApiError(ApiErrors.invalidCategory);

  const albumText = text(params.album_id)?.trim() ?? '';
  let albumId: number | undefined;
  if (albumText !== '') {
    albumId = albumText.length > 32 ? undefined : (ids.decode(albumText) ?? undefined);
    if (albumId === undefined) throw new ApiError(ApiErrors.albumNotFound);
  }

  const description = text(params.description);
  if (description !== undefined && description.length > Limits.descriptionMaxLength) {
    throw new ApiError(ApiErrors.descriptionTooLong(Limits.descriptionMaxLength));
  }

  return {
    source,
    imgbbMode,
    title: cutTitle(text(params.title) ?? text(params.name)),
    description,
    tags: parseTags(text(params.tags)),
    albumId,
    categoryId: categoryText === '' ? undefined : Number(categoryText),
    width,
    expiration: text(params.expiration),
    nsfw: nsfwText === '1' || nsfwText === 'true',
    format,
  };
}
