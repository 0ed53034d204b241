import type { UploadManyResult } from '../client.ts';
import type { UpshotError } from '../errors.ts';

export const OUTPUT_MODES = ['url', 'markdown', 'html', 'bbcode', 'json'] as const;
export type OutputMode = (typeof OUTPUT_MODES)[number];

/** One element of `--output json`. Field names are stable; absent values are null. */
export type JsonResult =
  | {
      input: string;
      ok: true;
      id: string | null;
      url: string;
      url_viewer: string | null;
      url_short: string | null;
      display_url: string | null;
      thumb_url: string | null;
      medium_url: string | null;
      title: string | null;
      filename: string | null;
      mime: string | null;
      width: number | null;
      height: number | null;
      size: number | null;
      /** md5 of the stored file, as the server reports it. */
      md5: string | null;
      /** md5 of the bytes sent ("" for a URL source). */
      upload_md5: string;
      expiration_date_gmt: string | null;
      /** Only with --show-delete-urls. */
      delete_url?: string | null;
    }
  | {
      input: string;
      ok: false;
      error: {
        message: string;
        kind: string;
        status: number | null;
        code: number | null;
        retryable: boolean;
      };
    };

const escapeHtml = (text: string): string =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
const escapeMarkdown = (text: string): string => text.replace(/[\\[\]]/g, '\\$&');
const markdownUrl = (url: string): string =>
  url.replace(/[ ()<>]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** One line of text output for an uploaded image. */
export function formatLine(mode: Exclude<OutputMode, 'json'>, url: string, title: string): string {
  switch (mode) {
    case 'url':
      return url;
    case 'markdown':
      return `![${escapeMarkdown(title)}](${markdownUrl(url)})`;
    case 'html':
      return `<img src="${escapeHtml(url)}" alt="${escapeHtml(title)}">`;
    case 'bbcode':
      return `[img]${url}[/img]`;
  }
}

export function errorJson(error: UpshotError) {
  return {
    message: error.message,
    kind: error.kind,
    status: error.status,
    code: error.code,
    retryable: error.retryable,
  };
}

export function toJsonResult(
  result: UploadManyResult,
  label: string,
  showDeleteUrls: boolean,
): JsonResult {
  if (!result.ok) return { input: label, ok: false, error: errorJson(result.error) };
  const { image, md5, missing } = result.result;
  const known = new Set(missing);
  const pick = <K extends keyof typeof image>(key: K) => (known.has(key) ? null : image[key]);
  const json: JsonResult = {
    input: label,
    ok: true,
    id: pick('id_encoded') || null,
    url: image.url,
    url_viewer: pick('url_viewer'),
    url_short: pick('url_short'),
    display_url: pick('display_url'),
    thumb_url: known.has('thumb') ? null : image.thumb.url,
    medium_url: known.has('medium') ? null : image.medium.url,
    title: pick('title'),
    filename: pick('filename'),
    mime: pick('mime'),
    width: pick('width'),
    height: pick('height'),
    size: pick('size'),
    md5: pick('md5') || null,
    upload_md5: md5,
    expiration_date_gmt: pick('expiration_date_gmt'),
  };
  if (showDeleteUrls) json.delete_url = pick('delete_url') || null;
  return json;
}
