import { VariantInfix, type VariantKind, variantFilename } from '@upshot/schema';
import type { ImageRow } from '../../db/schema/index.ts';

export type { VariantKind };

export interface VariantFile {
  kind: VariantKind;
  name: string;
  extension: string;
  filename: string;
  mime: string;
  size: number;
  key: string;
}

export const storageKey = (datePath: string, filename: string): string =>
  `images/${datePath}/${filename}`;

function variant(
  row: ImageRow,
  kind: VariantKind,
  extension: string,
  mime: string,
  size: number,
): VariantFile {
  const name = `${row.name}${VariantInfix[kind]}`;
  const filename = variantFilename(row.name, kind, extension);
  return { kind, name, extension, filename, mime, size, key: storageKey(row.datePath, filename) };
}

/** Every stored file of an image row, main file first. */
export function variantsOf(row: ImageRow): VariantFile[] {
  const files = [variant(row, 'image', row.extension, row.mime, row.size)];
  if (row.thumbExtension && row.thumbMime) {
    files.push(variant(row, 'thumb', row.thumbExtension, row.thumbMime, row.thumbSize));
  }
  if (row.mediumExtension && row.mediumMime) {
    files.push(variant(row, 'medium', row.mediumExtension, row.mediumMime, row.mediumSize));
  }
  if (row.type === 'video' && row.frameSize > 0) {
    files.push(variant(row, 'frame', 'jpeg', 'image/jpeg', row.frameSize));
  }
  return files;
}

/**
 * The names a requested file name could belong to: `a.th.jpeg` is the thumb of `a` or
 * the main file of an image named `a.th`. The caller checks which one exists.
 */
export function candidateNames(filename: string): string[] {
  const dot = filename.lastIndexOf('.');
  if (dot <= 0) return [];
  const stemPart = filename.slice(0, dot);
  const names = [stemPart];
  const variantMatch = /^(.+)\.(th|md|fr)$/.exec(stemPart);
  if (variantMatch?.[1]) names.push(variantMatch[1]);
  return names;
}

/**
 * Every key an image row may have files under, whether or not each was written: what
 * to remove when an upload is abandoned half-way (a thumb written, the medium not).
 */
export function plannedKeys(row: ImageRow): string[] {
  const key = (kind: VariantKind, extension: string | null) =>
    extension ? storageKey(row.datePath, variantFilename(row.name, kind, extension)) : null;
  return [
    key('image', row.extension),
    key('thumb', row.thumbExtension),
    key('medium', row.mediumExtension ?? row.thumbExtension),
    row.type === 'video' ? key('frame', 'jpeg') : null,
  ].filter((k): k is string => k !== null);
}
