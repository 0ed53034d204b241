import { Value } from '@sinclair/typebox/value';
import { UploadOptions } from '@upshot/schema';
import { UpshotError } from './errors.ts';

/**
 * The contract's parameters as wire text (docs/api.md §2). Undefined options are left out,
 * so the server applies its defaults (title from metadata, no expiry, ...).
 */
export function toWireParams(options: UploadOptions): [string, string][] {
  const given = Object.fromEntries(
    Object.entries(options).filter(([, value]) => value !== undefined),
  );
  if (!Value.Check(UploadOptions, given)) {
    const first = [...Value.Errors(UploadOptions, given)][0];
    const field = first?.path.replace(/^\//, '').split('/')[0] || 'options';
    throw new UpshotError(`Invalid ${field}: ${first?.message ?? 'invalid value'}`, {
      kind: 'input',
    });
  }
  const fields: [string, string][] = [];
  const add = (name: string, value: string | number | undefined) => {
    if (value !== undefined) fields.push([name, String(value)]);
  };
  add('title', options.title);
  add('description', options.description);
  const tags = Array.isArray(options.tags) ? options.tags.join(',') : options.tags;
  add('tags', tags);
  add('album_id', options.album_id);
  add('category_id', options.category_id);
  add('width', options.width);
  add('expiration', options.expiration);
  if (options.nsfw !== undefined) add('nsfw', options.nsfw === true || options.nsfw === 1 ? 1 : 0);
  add('format', options.format);
  return fields;
}
