import {
  Chain,
  emptyVariant,
  type IdCodec,
  type Image,
  type ImageVariant,
  type ImgbbSuccess,
  mediumDisplaySize,
  VariantSizes,
} from '@upshot/schema';
import type { ImageRow } from '../../db/schema/index.ts';
import { seoSlug } from '../uploads/naming.ts';
import { type VariantFile, variantsOf } from './files.ts';
import {
  escapeHtml,
  formatDuration,
  formatGmt,
  formatLocal,
  formatSize,
  howLongAgo,
  truncateTitle,
} from './formatting.ts';

export interface PresentContext {
  baseUrl: string;
  /** Where file URLs start: the base URL, or UPSHOT_PUBLIC_FILES_URL (a CDN, a public bucket). */
  filesUrl: string;
  ids: IdCodec;
  routeImage: string;
  routeVideo: string;
}

/** The viewer paths of an image (docs/api.md §3). */
export function viewerPaths(row: ImageRow, ctx: PresentContext) {
  const route = row.type === 'video' ? ctx.routeVideo : ctx.routeImage;
  const id = ctx.ids.encode(row.id);
  const slug = seoSlug(row.title);
  const pathViewer = slug === '' ? `/${route}/${id}` : `/${route}/${slug}.${id}`;
  const pathShort = `/${route}/${id}`;
  return {
    id,
    route,
    pathViewer,
    pathShort,
    urlViewer: ctx.baseUrl + pathViewer,
    urlShort: ctx.baseUrl + pathShort,
  };
}

const fileUrl = (ctx: PresentContext, file: VariantFile): string => `${ctx.filesUrl}/${file.key}`;

function toVariant(ctx: PresentContext, file: VariantFile): ImageVariant {
  return {
    filename: file.filename,
    name: file.name,
    mime: file.mime,
    extension: file.extension,
    url: fileUrl(ctx, file),
    size: file.size,
  };
}

/** The contract's image object for a stored row and one of its delete tokens. */
export function presentImage(
  row: ImageRow,
  ctx: PresentContext,
  deleteToken: string,
  now: Date,
  /** What the upload did besides storing (a guest's expiration capped to the policy). */
  outcome: { expirationCapped?: boolean } = {},
): Image {
  const files = variantsOf(row);
  const find = (kind: VariantFile['kind']) => files.find((file) => file.kind === kind);
  const main = find('image')!;
  const thumb = find('thumb');
  const medium = find('medium');
  const frame = find('frame');
  const paths = viewerPaths(row, ctx);
  const ratio = row.height > 0 ? row.width / row.height : 0;

  let display = { url: fileUrl(ctx, frame ?? main), width: row.width, height: row.height };
  if (medium) {
    display = { url: fileUrl(ctx, medium), ...mediumDisplaySize(row.width, row.height) };
  } else if (thumb && row.type === 'image' && row.size > 200_000) {
    display = {
      url: fileUrl(ctx, thumb),
      width: VariantSizes.thumb,
      height: VariantSizes.thumb,
    };
  }

  const chain =
    Chain.image +
    (thumb ? Chain.thumb : 0) +
    (medium ? Chain.medium : 0) +
    (frame ? Chain.frame : 0);
  const createdAt = row.createdAt;
  const dateGmt = formatGmt(createdAt);
  const titleTruncated = truncateTitle(row.title);

  const image: Image = {
    name: row.name,
    extension: row.extension,
    size: row.size,
    width: row.width,
    height: row.height,
    date: formatLocal(createdAt),
    date_gmt: dateGmt,
    title: row.title,
    tags: row.tags.map((name) => {
      const urlKey = encodeURIComponent(name);
      return {
        name,
        name_safe_html: escapeHtml(name),
        url_key: urlKey,
        url: `${ctx.baseUrl}/tag/${urlKey}`,
      };
    }),
    description: row.description,
    nsfw: row.nsfw ? 1 : 0,
    storage_mode: 'datefolder',
    md5: row.md5,
    source_md5: row.sourceMd5,
    original_filename: row.originalFilename,
    original_exifdata: row.exif,
    views: 0,
    category_id: row.categoryId,
    chain,
    thumb_size: thumb?.size ?? 0,
    medium_size: medium?.size ?? 0,
    frame_size: frame?.size ?? 0,
    expiration_date_gmt: row.expiresAt ? formatGmt(row.expiresAt) : null,
    expiration_capped: outcome.expirationCapped ? 1 : 0,
    likes: 0,
    is_animated: row.isAnimated ? 1 : 0,
    is_approved: 1,
    is_360: 0,
    duration: row.duration,
    type: row.type,
    tags_string: row.tags.join(', '),
    file: { resource: { type: 'url' } },
    id_encoded: paths.id,
    filename: main.filename,
    mime: main.mime,
    url: fileUrl(ctx, main),
    ratio,
    size_formatted: formatSize(row.size),
    image: toVariant(ctx, main),
    thumb: thumb ? toVariant(ctx, thumb) : emptyVariant(),
    medium: medium ? toVariant(ctx, medium) : emptyVariant(),
    url_frame: frame ? fileUrl(ctx, frame) : '',
    duration_time: formatDuration(row.duration),
    url_viewer: paths.urlViewer,
    path_viewer: paths.pathViewer,
    url_short: paths.urlShort,
    display_url: display.url,
    display_width: display.width,
    display_height: display.height,
    views_label: 'views',
    likes_label: 'likes',
    how_long_ago: howLongAgo(createdAt, now),
    date_fixed_peer: dateGmt,
    title_truncated: titleTruncated,
    title_truncated_html: escapeHtml(titleTruncated),
    is_use_loader: row.size > 5_000_000,
    display_title: row.title || `${row.name}.${row.extension}`,
    delete_url: `${paths.urlShort}/delete/${deleteToken}`,
  };
  if (frame) image.frame = toVariant(ctx, frame);
  return image;
}

/** imgbb's own `POST /1/upload` reply (docs/api.md §6). */
export function presentImgbb(image: Image, row: ImageRow, now: Date): ImgbbSuccess {
  const file = (v: Image['image'] | Image['thumb']) =>
    v.filename === null
      ? null
      : { filename: v.filename, name: v.name, mime: v.mime, extension: v.extension, url: v.url };
  const secondsLeft = row.expiresAt
    ? Math.max(0, Math.round((row.expiresAt.getTime() - now.getTime()) / 1000))
    : 0;
  const thumb = file(image.thumb);
  const medium = file(image.medium);
  return {
    data: {
      id: image.id_encoded,
      title: image.title,
      url_viewer: image.url_viewer,
      url: image.url,
      display_url: image.display_url,
      width: image.width,
      height: image.height,
      size: image.size,
      time: String(Math.floor(row.createdAt.getTime() / 1000)),
      expiration: String(secondsLeft),
      image: file(image.image)!,
      thumb: thumb ?? file(image.image)!,
      ...(medium ? { medium } : {}),
      delete_url: image.delete_url,
    },
    success: true,
    status: 200,
  };
}
