import { type Static, Type } from '@sinclair/typebox';
import './formats.ts';
import { Tag } from './tag.ts';
import { EmptyVariant, ImageVariant } from './variant.ts';

const Flag = Type.Union([Type.Literal(0), Type.Literal(1)]);
const DateTime = (description: string) =>
  Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}$', description });

/** The image object of an upload reply (docs/api.md §3). */
export const Image = Type.Object(
  {
    name: Type.String({ description: 'Cleaned original file name without extension' }),
    extension: Type.String(),
    size: Type.Integer({ minimum: 0, description: 'Bytes of the stored main file' }),
    width: Type.Integer({ minimum: 0 }),
    height: Type.Integer({ minimum: 0 }),
    date: DateTime('Upload time in the server time zone'),
    date_gmt: DateTime('Upload time in UTC'),
    title: Type.String({ maxLength: 100 }),
    tags: Type.Array(Tag),
    description: Type.Union([Type.String(), Type.Null()]),
    nsfw: Flag,
    storage_mode: Type.String({ examples: ['datefolder'] }),
    md5: Type.String({ pattern: '^[0-9a-f]{32}$', description: 'md5 of the stored file' }),
    source_md5: Type.Union([Type.String({ pattern: '^[0-9a-f]{32}$' }), Type.Null()], {
      description: 'md5 of the uploaded bytes when the stored bytes differ from them',
    }),
    original_filename: Type.String(),
    original_exifdata: Type.Union([Type.String(), Type.Null()], {
      description: 'The kept EXIF as a JSON string',
    }),
    views: Type.Integer({ minimum: 0 }),
    category_id: Type.Union([Type.Integer(), Type.Null()]),
    chain: Type.Integer({ minimum: 0, description: 'thumb 1, medium 2, image 4, frame 16' }),
    thumb_size: Type.Integer({ minimum: 0 }),
    medium_size: Type.Integer({ minimum: 0 }),
    frame_size: Type.Integer({ minimum: 0 }),
    expiration_date_gmt: Type.Union([DateTime('Auto-delete time in UTC'), Type.Null()]),
    expiration_capped: Type.Optional(
      Type.Union([Type.Literal(0), Type.Literal(1)], {
        description:
          'Upshot: 1 when a guest asked for a longer life (or none) and the guest policy was applied instead; expiration_date_gmt is the capped time',
      }),
    ),
    likes: Type.Integer({ minimum: 0 }),
    is_animated: Flag,
    is_approved: Flag,
    is_360: Flag,
    duration: Type.Integer({ minimum: 0, description: 'Whole seconds; 0 for images' }),
    type: Type.Union([Type.Literal('image'), Type.Literal('video'), Type.Literal('file')], {
      description:
        "Upshot extension: 'file' is a build artifact stored as it is (opt-in, UPSHOT_FILE_UPLOADS), served as a download, with no variants",
    }),
    tags_string: Type.String(),
    file: Type.Object({ resource: Type.Object({ type: Type.Literal('url') }) }),
    id_encoded: Type.String(),
    filename: Type.String(),
    mime: Type.String(),
    url: Type.String({ format: 'uri' }),
    ratio: Type.Number(),
    size_formatted: Type.String({ examples: ['3 MB', '53.2 KB'] }),
    image: ImageVariant,
    thumb: Type.Union([ImageVariant, EmptyVariant]),
    medium: Type.Union([ImageVariant, EmptyVariant]),
    frame: Type.Optional(ImageVariant),
    url_frame: Type.String(),
    duration_time: Type.String({ description: 'MM:SS, or empty when the duration is 0' }),
    url_viewer: Type.String({ format: 'uri' }),
    path_viewer: Type.String(),
    url_short: Type.String({ format: 'uri' }),
    display_url: Type.String({ format: 'uri' }),
    display_width: Type.Integer({ minimum: 0 }),
    display_height: Type.Integer({ minimum: 0 }),
    views_label: Type.String(),
    likes_label: Type.String(),
    how_long_ago: Type.String(),
    date_fixed_peer: DateTime('Same as date_gmt'),
    title_truncated: Type.String(),
    title_truncated_html: Type.String(),
    is_use_loader: Type.Boolean(),
    display_title: Type.String(),
    delete_url: Type.String({ format: 'uri', description: 'Shown only in this reply' }),
  },
  { $id: 'Image', description: 'An uploaded image or video' },
);
export type Image = Static<typeof Image>;
