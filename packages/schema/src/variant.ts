import { type Static, Type } from '@sinclair/typebox';
import './formats.ts';

/** A stored file of an upload: the main image, its thumb, medium or video frame. */
export const ImageVariant = Type.Object(
  {
    filename: Type.String({ examples: ['photo.th.jpg'] }),
    name: Type.String({ examples: ['photo.th'] }),
    mime: Type.String({ examples: ['image/jpeg'] }),
    extension: Type.String({ examples: ['jpg'] }),
    url: Type.String({ format: 'uri' }),
    size: Type.Integer({ minimum: 0 }),
  },
  { $id: 'ImageVariant' },
);
export type ImageVariant = Static<typeof ImageVariant>;

/** A variant that was not made (no medium for a small image): every field null. */
export const EmptyVariant = Type.Object(
  {
    filename: Type.Null(),
    name: Type.Null(),
    mime: Type.Null(),
    extension: Type.Null(),
    url: Type.Null(),
  },
  { $id: 'EmptyVariant' },
);
export type EmptyVariant = Static<typeof EmptyVariant>;

export const emptyVariant = (): EmptyVariant => ({
  filename: null,
  name: null,
  mime: null,
  extension: null,
  url: null,
});

/** The bitmask of stored variants in `chain`. */
export const Chain = { thumb: 1, medium: 2, image: 4, original: 8, frame: 16 } as const;
