import { createHash, randomBytes } from 'node:crypto';
import { pngSize } from './png.ts';

/**
 * A small stand-in for the Upshot server's `POST /api/1/upload` (CONTRACT.md): checks the key,
 * sniffs PNG and MP4, answers with the contract's full image object, returns the same image for
 * the same bytes (§8) and can answer 503 a number of times first. Behind `startUploadServer()`
 * so the tests can move to the real server (`createApp`) without changing.
 */

export interface UploadServerOptions {
  apiKey?: string;
  /** Answer this many uploads with 503 (and `Retry-After: 0`) before serving them. */
  failFirst?: number;
  /**
   * Who answers instead of the contract fake, e.g. the real server:
   * `(origin, apiKey) => createApp({ ...deps with base URL origin and admin key apiKey }).handle`.
   */
  handler?: (
    origin: string,
    apiKey: string,
  ) =>
    | ((request: Request) => Response | Promise<Response>)
    | Promise<(request: Request) => Response | Promise<Response>>;
}

export interface ReceivedUpload {
  filename: string;
  md5: string;
  title: string | null;
  albumId: string | null;
  expiration: string | null;
  status: number;
}

export interface UploadServer {
  url: string;
  apiKey: string;
  /** Every request to the upload endpoint, answered or not. */
  received: ReceivedUpload[];
  /** Uploads answered 200. */
  stored(): ReceivedUpload[];
  /** Every delete URL handed out: they must never show up in logs or outputs. */
  deleteUrls: string[];
  /** The image object last answered for the bytes with this md5. */
  images: Map<string, ReplyImage>;
  stop(): Promise<void>;
}

export interface ReplyImage {
  url: string;
  url_viewer: string;
  thumb: { url: string };
  type: 'image' | 'video';
  mime: string;
  delete_url: string;
  [field: string]: unknown;
}

const envelope = (status: number, code: number, message: string, statusTxt: string) =>
  Response.json(
    { status_code: status, error: { message, code }, status_txt: statusTxt },
    { status, headers: { 'content-type': 'application/json; charset=UTF-8' } },
  );

const sizeFormatted = (n: number) =>
  n < 1000 ? `${n} B` : `${(n / 1000).toFixed(1).replace(/\.0$/, '')} KB`;

export async function startUploadServer(options: UploadServerOptions = {}): Promise<UploadServer> {
  const apiKey = options.apiKey ?? `chv_test_${randomBytes(16).toString('hex')}`;
  let failures = options.failFirst ?? 0;
  const received: ReceivedUpload[] = [];
  const deleteUrls: string[] = [];
  const byMd5 = new Map<string, { id: string; name: string }>();
  const images = new Map<string, ReplyImage>();
  let nextId = 1;
  let origin = '';

  function imageObject(
    bytes: Uint8Array,
    filename: string,
    md5: string,
    title: string,
    expiration: string | null,
  ) {
    const isPng = pngSize(bytes) !== null;
    const ext = isPng ? 'png' : 'mp4';
    const known = byMd5.get(md5);
    const id = known?.id ?? `up${nextId++}`;
    const name =
      known?.name ?? (filename.replace(/\.[^.]+$/, '').replace(/[^A-Za-z0-9_.-]/g, '-') || id);
    byMd5.set(md5, { id, name });
    const folder = `${origin}/images/2026/11/27`;
    const size = pngSize(bytes) ?? { width: 496, height: 360 };
    const url = `${folder}/${name}.${ext}`;
    const thumbExt = isPng ? 'png' : 'jpeg';
    const thumb = {
      filename: `${name}.th.${thumbExt}`,
      name: `${name}.th`,
      mime: `image/${thumbExt}`,
      extension: thumbExt,
      url: `${folder}/${name}.th.${thumbExt}`,
      size: 1234,
    };
    const main = {
      filename: `${name}.${ext}`,
      name,
      mime: isPng ? 'image/png' : 'video/mp4',
      extension: ext,
      url,
      size: bytes.length,
    };
    const frame = isPng
      ? undefined
      : {
          ...thumb,
          filename: `${name}.fr.jpeg`,
          name: `${name}.fr`,
          url: `${folder}/${name}.fr.jpeg`,
        };
    const route = isPng ? 'image' : 'video';
    const deleteUrl = `${origin}/${route}/${id}/delete/${randomBytes(24).toString('hex')}`;
    const now = '2026-11-27 12:00:00';
    return {
      name,
      extension: ext,
      size: bytes.length,
      width: size.width,
      height: size.height,
      date: now,
      date_gmt: now,
      title,
      tags: [],
      description: null,
      nsfw: 0,
      storage_mode: 'datefolder',
      md5,
      source_md5: null,
      original_filename: filename,
      original_exifdata: null,
      views: 0,
      category_id: null,
      chain: isPng ? 5 : 21,
      thumb_size: thumb.size,
      medium_size: 0,
      frame_size: frame ? thumb.size : 0,
      expiration_date_gmt: expiration ? '2026-12-27 12:00:00' : null,
      likes: 0,
      is_animated: 0,
      is_approved: 1,
      is_360: 0,
      duration: isPng ? 0 : 3,
      type: isPng ? 'image' : 'video',
      tags_string: '',
      file: { resource: { type: 'url' } },
      id_encoded: id,
      filename: main.filename,
      mime: main.mime,
      url,
      ratio: size.width / size.height,
      size_formatted: sizeFormatted(bytes.length),
      ...(frame ? { frame } : {}),
      image: main,
      thumb,
      url_frame: frame ? frame.url : '',
      medium: { filename: null, name: null, mime: null, extension: null, url: null },
      duration_time: isPng ? '' : '00:03',
      url_viewer: `${origin}/${route}/${encodeURIComponent(title.replace(/\s+/g, '-'))}.${id}`,
      path_viewer: `/${route}/${encodeURIComponent(title.replace(/\s+/g, '-'))}.${id}`,
      url_short: `${origin}/${route}/${id}`,
      display_url: frame ? frame.url : url,
      display_width: size.width,
      display_height: size.height,
      views_label: 'views',
      likes_label: 'likes',
      how_long_ago: 'moments ago',
      date_fixed_peer: now,
      title_truncated: title.length <= 28 ? title : `${title.slice(0, 25).trimEnd()}...`,
      title_truncated_html: title.length <= 28 ? title : `${title.slice(0, 25).trimEnd()}...`,
      is_use_loader: false,
      display_title: title || `${name}.${ext}`,
      delete_url: deleteUrl,
    };
  }

  /** The contract fake: answers as CONTRACT.md says for PNG and MP4 bytes. */
  async function fakeHandler(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname.replace(/\/$/, '') !== '/api/1/upload') {
      return envelope(404, 120, 'Invalid API action', 'Not Found');
    }
    const form = await request.formData();
    const key = request.headers.get('x-api-key') || form.get('key')?.toString() || '';
    if (!key) return envelope(401, 100, 'No key provided', 'Unauthorized');
    if (key !== apiKey) return envelope(401, 100, 'Invalid API key.', 'Unauthorized');
    const source = form.get('source');
    if (!(source instanceof File)) return envelope(400, 130, 'Empty upload source', 'Bad Request');
    const bytes = new Uint8Array(await source.arrayBuffer());
    const isPng = pngSize(bytes) !== null;
    const isMp4 = Buffer.from(bytes.subarray(4, 8)).toString('ascii') === 'ftyp';
    if (!isPng && !isMp4) {
      return envelope(415, 610, "Can't get target upload source info", 'Unsupported Media Type');
    }
    const given = form.get('title')?.toString();
    const title = given || source.name.replace(/\.[^.]+$/, '').replace(/[-_ ]+/g, ' ');
    const md5 = createHash('md5').update(bytes).digest('hex');
    const expiration = form.get('expiration')?.toString() || null;
    const image = imageObject(bytes, source.name, md5, title, expiration);
    return Response.json(
      {
        status_code: 200,
        success: { message: 'file uploaded', code: 200 },
        image,
        status_txt: 'OK',
      },
      { headers: { 'content-type': 'application/json; charset=UTF-8' } },
    );
  }

  let handler: (request: Request) => Response | Promise<Response> = fakeHandler;

  /**
   * Records what arrives and what is answered (whoever answers), and plays the 503s. Swapping in
   * the real server is `options.handler`: the recording stays the same.
   */
  const server = Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    async fetch(request) {
      const body = await request.arrayBuffer();
      const copy = () =>
        new Request(request.url, { method: request.method, headers: request.headers, body });
      const record: ReceivedUpload = {
        filename: '',
        md5: '',
        title: null,
        albumId: null,
        expiration: null,
        status: 0,
      };
      if (request.method === 'POST') {
        const form = await copy().formData();
        const source = form.get('source');
        if (source instanceof File) {
          record.filename = source.name;
          record.md5 = createHash('md5')
            .update(new Uint8Array(await source.arrayBuffer()))
            .digest('hex');
        }
        record.title = form.get('title')?.toString() ?? null;
        record.albumId = form.get('album_id')?.toString() ?? null;
        record.expiration = form.get('expiration')?.toString() ?? null;
      }
      received.push(record);
      if (failures > 0) {
        failures -= 1;
        record.status = 503;
        return new Response('Service Unavailable', {
          status: 503,
          headers: { 'retry-after': '0' },
        });
      }
      const response = await handler(copy());
      record.status = response.status;
      if (response.status === 200) {
        const reply = (await response.clone().json()) as { image?: ReplyImage };
        if (reply.image) {
          images.set(record.md5, reply.image);
          if (reply.image.delete_url) deleteUrls.push(reply.image.delete_url);
        }
      }
      return response;
    },
  });
  origin = `http://127.0.0.1:${server.port}`;
  if (options.handler) handler = await options.handler(origin, apiKey);
  return {
    url: origin,
    apiKey,
    received,
    stored: () => received.filter((r) => r.status === 200),
    deleteUrls,
    images,
    stop: () => server.stop(true),
  };
}
