// A fake Chevereto-compatible server on port 0: answers uploads as docs/api.md describes
// (shapes from packages/schema/test/fixtures/chevereto-reference-reply.json), records
// every request, and lets a test replace or queue answers (503s, hangs, stock replies).
//
// Tests that only need "a server that takes uploads" should depend on `UploadServer`
// ({ baseUrl, apiKey, close }) so the real Upshot server can be swapped in later.
import { createHash, randomBytes } from 'node:crypto';
import {
  type ApiErrorSpec,
  ApiErrors,
  createIdCodec,
  emptyVariant,
  errorEnvelope,
  type Image,
  type ImgbbSuccess,
  type UploadSuccess,
} from '@upshot/schema';
import { pngSize } from './png.ts';

/** Any server that takes uploads: the fake here, or (later) the real Upshot app. */
export interface UploadServer {
  baseUrl: string;
  apiKey: string;
  close(): Promise<void>;
}

export interface RecordedFile {
  filename: string;
  type: string;
  bytes: Uint8Array;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Headers;
  /** Text parameters, query and body merged (body wins). */
  fields: Record<string, string>;
  files: Record<string, RecordedFile>;
}

/** Answers one request; `contract()` gives what the fake would answer by default. */
export type Responder = (
  request: RecordedRequest,
  contract: () => Promise<Response>,
) => Response | Promise<Response>;

export interface FakeChevereto extends UploadServer {
  readonly port: number;
  readonly requests: RecordedRequest[];
  /** Answers every later request with this (null: back to the contract). */
  respond(responder: Responder | null): void;
  /** Answers the next requests in order with these, then goes back to `respond`'s. */
  queue(...responders: Responder[]): void;
  /** Serves bytes at `/files/<name>` (for URL sources) and returns the URL. */
  serveFile(name: string, bytes: Uint8Array, type: string): string;
}

export interface FakeOptions {
  /** Accepted keys; the first is `apiKey`. */
  keys?: string[];
}

const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=UTF-8', ...headers },
  });

export const errorReply = (spec: ApiErrorSpec, headers: Record<string, string> = {}) =>
  json(errorEnvelope(spec), spec.status, headers);

const md5 = (bytes: Uint8Array) => createHash('md5').update(bytes).digest('hex');
const pad = (n: number) => String(n).padStart(2, '0');
const formatDate = (date: Date) =>
  `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())} ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`;

function sniff(bytes: Uint8Array): { mime: string; extension: string } | null {
  if (bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47)
    return { mime: 'image/png', extension: 'png' };
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff)
    return { mime: 'image/jpeg', extension: 'jpeg' };
  if (new TextDecoder().decode(bytes.subarray(0, 4)) === 'GIF8')
    return { mime: 'image/gif', extension: 'gif' };
  return null;
}

const DURATION =
  /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;

/** Seconds, clamped as §7 says; null for none; undefined when invalid. */
function expirationSeconds(text: string | undefined): number | null | undefined {
  if (text === undefined || text === '' || text === '0') return null;
  let seconds: number;
  if (/^\d+$/.test(text)) seconds = Number(text);
  else {
    const m = DURATION.exec(text);
    if (!m || text === 'P' || text.endsWith('T')) return undefined;
    const [y, mo, w, d, h, mi, s] = m.slice(1).map((v) => Number(v ?? 0)) as number[];
    seconds =
      y! * 31_536_000 + mo! * 2_592_000 + w! * 604_800 + d! * 86_400 + h! * 3600 + mi! * 60 + s!;
  }
  return Math.min(31_536_000, Math.max(300, seconds));
}

async function record(req: Request): Promise<RecordedRequest> {
  const url = new URL(req.url);
  const fields: Record<string, string> = Object.fromEntries(url.searchParams);
  const files: Record<string, RecordedFile> = {};
  const type = req.headers.get('content-type') ?? '';
  if (req.method === 'POST') {
    if (
      type.startsWith('multipart/form-data') ||
      type.startsWith('application/x-www-form-urlencoded')
    ) {
      const form = await req.formData();
      for (const [name, value] of form.entries() as Iterable<[string, string | File]>) {
        if (typeof value === 'string') fields[name] = value;
        else {
          files[name] = {
            filename: value.name,
            type: value.type,
            bytes: new Uint8Array(await value.arrayBuffer()),
          };
        }
      }
    } else if (type.startsWith('application/json')) {
      Object.assign(fields, await req.json());
    }
  }
  return {
    method: req.method,
    path: url.pathname,
    query: url.searchParams,
    headers: req.headers,
    fields,
    files,
  };
}

export async function startFakeChevereto(options: FakeOptions = {}): Promise<FakeChevereto> {
  const keys = options.keys ?? [`chv_test_${randomBytes(16).toString('hex')}`];
  const codec = createIdCodec('', 999);
  const served = new Map<string, { bytes: Uint8Array; type: string }>();
  const requests: RecordedRequest[] = [];
  const queued: Responder[] = [];
  let responder: Responder | null = null;
  let nextId = 1;
  let baseUrl = '';

  async function fetchSource(url: string): Promise<{ bytes: Uint8Array; name: string } | null> {
    try {
      const response = await fetch(url);
      if (!response.ok) return null;
      return {
        bytes: new Uint8Array(await response.arrayBuffer()),
        name: decodeURIComponent(new URL(url).pathname.split('/').pop() || 'image'),
      };
    } catch {
      return null;
    }
  }

  async function contract(request: RecordedRequest): Promise<Response> {
    const imgbbEndpoint = request.path === '/1/upload';
    const version = /^\/api\/([^/]+)\/([^/]*)\/?$/.exec(request.path);
    if (!imgbbEndpoint) {
      if (!version) return errorReply(ApiErrors.notFound);
      if (version[1] !== '1' && version[1] !== '1.1') return errorReply(ApiErrors.invalidVersion);
      if (version[2] !== 'upload') return errorReply(ApiErrors.invalidAction);
    }
    const { fields, files } = request;
    const key = request.headers.get('x-api-key') || fields.key;
    if (!key) return errorReply(ApiErrors.noKey);
    if (!keys.includes(key)) return errorReply(ApiErrors.invalidKey);

    const imgbbMode = imgbbEndpoint || 'image' in files || 'image' in fields;
    const file = files.source ?? files.image;
    const text = file ? undefined : (fields.source ?? fields.image);
    let bytes: Uint8Array;
    let originalName: string;
    if (file) {
      bytes = file.bytes;
      originalName = file.filename;
    } else if (text === undefined) return errorReply(ApiErrors.emptyUploadSource);
    else if (text === '') return errorReply(ApiErrors.emptySource);
    else if (/^https?:\/\//i.test(text) && URL.canParse(text)) {
      const fetched = await fetchSource(text);
      if (!fetched) return errorReply(ApiErrors.urlFetchFailed);
      bytes = fetched.bytes;
      originalName = fetched.name;
    } else {
      if (request.method === 'GET') return errorReply(ApiErrors.base64OverGet);
      const payload = text.replace(/^data:[^,]*;base64,/i, '').replace(/\s+/g, '');
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(payload) || payload.length % 4 === 1) {
        return errorReply(ApiErrors.invalidBase64);
      }
      bytes = new Uint8Array(Buffer.from(payload, 'base64'));
      originalName = '';
    }
    if (bytes.length === 0) return errorReply(ApiErrors.emptySource);

    const type = sniff(bytes);
    if (!type) return errorReply(ApiErrors.unknownSource);
    const size = pngSize(bytes) ?? { width: 100, height: 100 };

    let width = size.width;
    let height = size.height;
    if (fields.width !== undefined) {
      if (!/^[1-9]\d*$/.test(fields.width)) return errorReply(ApiErrors.invalidWidth);
      const target = Number(fields.width);
      if (target > size.width) return errorReply(ApiErrors.widthTooLarge);
      height = Math.round(target / (size.width / size.height));
      width = target;
    }
    if (fields.nsfw !== undefined && !['0', '1', 'true', 'false'].includes(fields.nsfw)) {
      return errorReply(ApiErrors.invalidNsfw);
    }
    const format = fields.format ?? 'json';
    if (!['json', 'txt', 'redirect'].includes(format)) return errorReply(ApiErrors.invalidFormat);
    let expiry: number | null | undefined;
    if (imgbbEndpoint) expiry = fields.expiration ? Number(fields.expiration) || null : null;
    else expiry = expirationSeconds(fields.expiration);
    if (expiry === undefined) return errorReply(ApiErrors.invalidExpiration);

    const extension =
      type.extension === 'jpeg' && /\.jpg$/i.test(originalName) ? 'jpg' : type.extension;
    const stem = originalName.replace(/\.[^.]*$/, '');
    const name =
      stem.replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^[.-]+|[.-]+$/g, '') ||
      randomBytes(16).toString('hex');
    if (!originalName) originalName = `${randomBytes(6).toString('hex')}.${extension}`;
    const now = new Date();
    const folder = `${baseUrl}/images/${now.getUTCFullYear()}/${pad(now.getUTCMonth() + 1)}/${pad(now.getUTCDate())}`;
    const variant = (suffix: string, variantSize: number) => ({
      filename: `${name}${suffix}.${extension}`,
      name: `${name}${suffix}`,
      mime: type.mime,
      extension,
      url: `${folder}/${name}${suffix}.${extension}`,
      size: variantSize,
    });
    const title = (fields.title || fields.name || stem.replace(/[-_ ]+/g, ' ')).slice(0, 100);
    const tagNames = [
      ...new Set(
        (fields.tags ?? '')
          .split(',')
          .map((tag) => tag.trim())
          .filter((tag) => tag && tag.length <= 32 && !/[,/#]/.test(tag)),
      ),
    ];
    const id = codec.encode(nextId++);
    const truncated = title.length <= 28 ? title : `${title.slice(0, 25).trimEnd()}...`;
    const seo = encodeURIComponent(title.replace(/[\\/~&!'"?]/g, '').replace(/[\s-]+/g, '-'));
    const hasMedium = width > 500;
    const main = variant('', bytes.length);
    const image: Image = {
      name,
      extension,
      size: bytes.length,
      width,
      height,
      date: formatDate(now),
      date_gmt: formatDate(now),
      title,
      tags: tagNames.map((tag) => ({
        name: tag,
        name_safe_html: tag,
        url_key: encodeURIComponent(tag),
        url: `${baseUrl}/tag/${encodeURIComponent(tag)}`,
      })),
      description: fields.description ?? null,
      nsfw: fields.nsfw === '1' || fields.nsfw === 'true' ? 1 : 0,
      storage_mode: 'datefolder',
      md5: md5(bytes),
      source_md5: null,
      original_filename: originalName,
      original_exifdata: null,
      views: 0,
      category_id: fields.category_id ? Number(fields.category_id) : null,
      chain: hasMedium ? 7 : 5,
      thumb_size: 100,
      medium_size: hasMedium ? 200 : 0,
      frame_size: 0,
      expiration_date_gmt: expiry ? formatDate(new Date(now.getTime() + expiry * 1000)) : null,
      likes: 0,
      is_animated: 0,
      is_approved: 1,
      is_360: 0,
      duration: 0,
      type: 'image',
      tags_string: tagNames.join(', '),
      file: { resource: { type: 'url' } },
      id_encoded: id,
      filename: main.filename,
      mime: type.mime,
      url: main.url,
      ratio: width / height,
      size_formatted: `${bytes.length} B`,
      image: main,
      thumb: variant('.th', 100),
      medium: hasMedium ? variant('.md', 200) : emptyVariant(),
      url_frame: '',
      duration_time: '',
      url_viewer: `${baseUrl}/image/${seo ? `${seo}.` : ''}${id}`,
      path_viewer: `/image/${seo ? `${seo}.` : ''}${id}`,
      url_short: `${baseUrl}/image/${id}`,
      display_url: hasMedium ? `${folder}/${name}.md.${extension}` : main.url,
      display_width: hasMedium ? 500 : width,
      display_height: hasMedium ? Math.round(500 / (width / height)) : height,
      views_label: 'views',
      likes_label: 'likes',
      how_long_ago: 'moments ago',
      date_fixed_peer: formatDate(now),
      title_truncated: truncated,
      title_truncated_html: truncated,
      is_use_loader: false,
      display_title: title || `${name}.${extension}`,
      delete_url: `${baseUrl}/image/${id}/delete/${randomBytes(24).toString('hex')}`,
    };

    if (imgbbEndpoint) {
      const file = ({ size: _size, ...rest }: typeof main) => rest;
      const reply: ImgbbSuccess = {
        data: {
          id,
          title,
          url_viewer: image.url_viewer,
          url: image.url,
          display_url: image.display_url,
          width,
          height,
          size: bytes.length,
          time: String(Math.floor(now.getTime() / 1000)),
          expiration: String(expiry ?? 0),
          image: file(main),
          thumb: file(variant('.th', 100)),
          ...(hasMedium ? { medium: file(variant('.md', 200)) } : {}),
          delete_url: image.delete_url,
        },
        success: true,
        status: 200,
      };
      return json(reply);
    }
    if (format === 'txt') {
      return new Response(image.url, { headers: { 'content-type': 'text/plain; charset=UTF-8' } });
    }
    if (format === 'redirect') {
      return new Response(null, { status: 302, headers: { location: image.path_viewer } });
    }
    const success = { message: 'file uploaded', code: 200 } as const;
    if (imgbbMode) {
      return json({
        status_code: 200,
        status: 200,
        success,
        data: { ...image, id },
        status_txt: 'OK',
      });
    }
    const reply: UploadSuccess = { status_code: 200, success, image, status_txt: 'OK' };
    return json(reply);
  }

  const server = Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    idleTimeout: 30,
    async fetch(req) {
      const path = new URL(req.url).pathname;
      if (path.startsWith('/files/')) {
        const file = served.get(decodeURIComponent(path.slice('/files/'.length)));
        return file
          ? new Response(file.bytes as Uint8Array<ArrayBuffer>, {
              headers: { 'content-type': file.type },
            })
          : new Response('not found', { status: 404 });
      }
      const request = await record(req);
      requests.push(request);
      const answer = queued.shift() ?? responder;
      if (answer) return answer(request, () => contract(request));
      return contract(request);
    },
  });
  baseUrl = `http://127.0.0.1:${server.port}`;

  return {
    baseUrl,
    port: server.port as number,
    apiKey: keys[0]!,
    requests,
    respond(next) {
      responder = next;
    },
    queue(...next) {
      queued.push(...next);
    },
    serveFile(name, bytes, type) {
      served.set(name, { bytes, type });
      return `${baseUrl}/files/${encodeURIComponent(name)}`;
    },
    async close() {
      await server.stop(true);
    },
  };
}
