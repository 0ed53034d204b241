import { FormatRegistry, Kind, type TSchema, Type, TypeRegistry } from '@sinclair/typebox';

// TypeBox checks only the formats and kinds registered with it; register the ones the
// contract uses, once, without replacing a registration made by a host (Elysia has its own).
if (!FormatRegistry.Has('uri')) FormatRegistry.Set('uri', (value) => URL.canParse(value));
if (!TypeRegistry.Has('UpshotBlob')) {
  TypeRegistry.Set('UpshotBlob', (_schema, value) => value instanceof Blob);
}

/** A file part of a multipart body; documented in OpenAPI as a binary string. */
export const Binary = (options: Record<string, unknown> = {}) =>
  Type.Unsafe<Blob>({
    ...options,
    [Kind]: 'UpshotBlob',
    type: 'string',
    format: 'binary',
  } as unknown as TSchema);
