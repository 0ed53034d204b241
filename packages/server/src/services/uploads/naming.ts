import { Limits } from '@upshot/schema';
import { randomText } from '../../crypto.ts';

const lastSegment = (filename: string): string => filename.split(/[/\\]/).pop() ?? '';
const stem = (filename: string): string => {
  const base = lastSegment(filename);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(0, dot) : base;
};
const stripAccents = (text: string): string => text.normalize('NFD').replace(/\p{M}+/gu, '');

/**
 * The stored file's name (docs/api.md §3 `name`), without extension. A name may not end
 * in a variant's infix (`.th`, `.md`, `.fr`): `a.th.png` would then be both the main file
 * of `a.th` and the thumb of `a`, so such a name ends in `-th` instead.
 */
export function cleanName(originalFilename: string): string {
  const cleaned = stripAccents(stem(originalFilename))
    .replace(/\s+/g, '-')
    .replace(/[^A-Za-z0-9_.-]/g, '')
    .replace(/\.{2,}/g, '.')
    .replace(/^[.-]+|[.-]+$/g, '')
    .slice(0, 200)
    .replace(/[.-]+$/, '')
    .replace(/\.(th|md|fr)$/i, '-$1');
  return cleaned === '' ? randomText(16) : cleaned;
}

/** On a clash in the same folder, 16 random hex are appended. */
export const uniqueSuffix = (): string => randomText(8);

/** The title a file name gives when the request and the metadata give none. */
export function titleFromFilename(originalFilename: string): string {
  return stem(originalFilename)
    .replace(/[-_\s]+/g, ' ')
    .trim()
    .slice(0, Limits.titleMaxLength);
}

/** `title`/`name`: verbatim, cut to 100 characters; empty counts as absent. */
export function cutTitle(title: string | undefined): string | undefined {
  if (title === undefined || title === '') return undefined;
  return [...title].slice(0, Limits.titleMaxLength).join('');
}

export class TooManyTagsError extends Error {
  override name = 'TooManyTagsError';
}

/**
 * Comma-separated tags: trimmed, de-duplicated, empties and invalid ones dropped. Linear
 * in the text, and bounded: a text over Limits.tagsMaxTextLength or more than
 * Limits.tagsMaxCount distinct tags is refused.
 */
export function parseTags(text: string | undefined): string[] {
  if (!text) return [];
  if (text.length > Limits.tagsMaxTextLength) throw new TooManyTagsError();
  const tags = new Set<string>();
  for (const raw of text.split(',')) {
    const tag = raw.trim();
    if (tag === '' || [...tag].length > Limits.tagMaxLength || /[/#]/.test(tag)) continue;
    tags.add(tag);
    if (tags.size > Limits.tagsMaxCount) throw new TooManyTagsError();
  }
  return [...tags];
}

/** The viewer slug of a title (docs/api.md §3 `url_viewer`); empty when nothing is left. */
export function seoSlug(title: string): string {
  const text = title
    .replace(/[\\/~&!'"?]/g, '')
    .replace(/[\s-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return encodeURIComponent(text);
}
