// Helpers both sides of the contract need, so the server's replies and pages and the
// client's conformed replies agree to the byte (docs/api.md, "The image object").

/**
 * `size_formatted`: decimal units; under 1000 bytes `"N B"`, else KB, MB, GB or TB with one
 * decimal and a trailing `.0` dropped (3,011,299 → `3 MB`, 53,237 → `53.2 KB`). Rounding
 * carries into the next unit: 999,950 bytes is `1 MB`, never `1000 KB`.
 */
export function formatSize(bytes: number): string {
  if (!(bytes >= 1000)) return `${Math.max(0, Math.round(bytes || 0))} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1000;
  let unit = 0;
  while (Number(value.toFixed(1)) >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(1).replace(/\.0$/, '')} ${units[unit]}`;
}

const HTML_ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#039;',
};

/** The escaping of the `*_html` fields (`name_safe_html`, `title_truncated_html`), as Chevereto's. */
export const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => HTML_ENTITIES[c]!);

/** The stored files of an upload besides the main one. */
export type VariantKind = 'image' | 'thumb' | 'medium' | 'frame';

/**
 * What goes between a variant's name and its extension: `photo.jpg` has the thumb
 * `photo.th.jpg`, the medium `photo.md.jpg`; a video's poster frame is `clip.fr.jpeg`.
 */
export const VariantInfix: Readonly<Record<VariantKind, string>> = {
  image: '',
  thumb: '.th',
  medium: '.md',
  frame: '.fr',
};

/** A variant's file name from the main file's name (without extension) and its extension. */
export const variantFilename = (name: string, kind: VariantKind, extension: string): string =>
  `${name}${VariantInfix[kind]}.${extension}`;

/**
 * Variant sizes: the thumb is a cover crop of at most 320×320 (never larger than the image);
 * the medium is 500 px wide, made for images wider than that and for animated ones.
 */
export const VariantSizes = { thumb: 320, medium: 500 } as const;

/** `display_width`/`display_height` of an image shown through its medium. */
export const mediumDisplaySize = (width: number, height: number) => ({
  width: VariantSizes.medium,
  height: Math.round(VariantSizes.medium / (width / height)),
});
