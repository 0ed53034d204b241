import { type Static, Type } from '@sinclair/typebox';
import './formats.ts';
import { Image } from './image.ts';

const Success = Type.Object({
  message: Type.Literal('file uploaded'),
  code: Type.Literal(200),
});

/** `format=json` reply of `POST /api/1/upload` (docs/api.md §3). */
export const UploadSuccess = Type.Object(
  {
    status_code: Type.Literal(200),
    success: Success,
    image: Image,
    status_txt: Type.Literal('OK'),
  },
  { $id: 'UploadSuccess' },
);
export type UploadSuccess = Static<typeof UploadSuccess>;

/** Chevereto's imgbb mode: the request sent `image` instead of `source` (docs/api.md §6). */
export const ImgbbModeSuccess = Type.Object(
  {
    status_code: Type.Literal(200),
    status: Type.Literal(200),
    success: Success,
    data: Type.Intersect([Image, Type.Object({ id: Type.String() })]),
    status_txt: Type.Literal('OK'),
  },
  { $id: 'ImgbbModeSuccess' },
);
export type ImgbbModeSuccess = Static<typeof ImgbbModeSuccess>;

const ImgbbFile = Type.Object({
  filename: Type.String(),
  name: Type.String(),
  mime: Type.String(),
  extension: Type.String(),
  url: Type.String({ format: 'uri' }),
});

/** imgbb's own `POST /1/upload` reply, reproduced exactly (docs/api.md §6). */
export const ImgbbSuccess = Type.Object(
  {
    data: Type.Object({
      id: Type.String(),
      title: Type.String(),
      url_viewer: Type.String({ format: 'uri' }),
      url: Type.String({ format: 'uri' }),
      display_url: Type.String({ format: 'uri' }),
      width: Type.Number(),
      height: Type.Number(),
      size: Type.Number(),
      time: Type.String({ pattern: '^\\d+$', description: 'Upload time, Unix seconds' }),
      expiration: Type.String({ pattern: '^\\d+$', description: 'Seconds until expiry, 0: none' }),
      image: ImgbbFile,
      thumb: ImgbbFile,
      medium: Type.Optional(ImgbbFile),
      delete_url: Type.String({ format: 'uri' }),
    }),
    success: Type.Literal(true),
    status: Type.Literal(200),
  },
  { $id: 'ImgbbSuccess' },
);
export type ImgbbSuccess = Static<typeof ImgbbSuccess>;
