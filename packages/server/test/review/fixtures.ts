import sharp from 'sharp';
import type { TestServer } from '../helpers/server.ts';

export interface Block {
  x: number;
  y: number;
  w: number;
  h: number;
  color: string;
}

/**
 * A screenshot-like PNG: a light page with a header bar, an anti-aliased circle and text
 * lines; `blocks` are drawn on top (the changes a test makes); `crisp` renders the shapes
 * without anti-aliasing.
 */
export async function screenshot(
  width: number,
  height: number,
  options: { blocks?: Block[]; crisp?: boolean; seed?: number } = {},
): Promise<Uint8Array<ArrayBuffer>> {
  const rendering = options.crisp ? 'crispEdges' : 'geometricPrecision';
  const seed = options.seed ?? 0;
  const lines = Array.from(
    { length: Math.floor((height - 60) / 24) },
    (_, i) =>
      `<rect x="24" y="${60 + i * 24}" width="${(width / 3 + ((i * 37 + seed * 11) % 90)).toFixed(0)}" height="10" fill="#9aa0a6"/>`,
  ).join('');
  const blocks = (options.blocks ?? [])
    .map((b) => `<rect x="${b.x}" y="${b.y}" width="${b.w}" height="${b.h}" fill="${b.color}"/>`)
    .join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="#fafafa"/><rect width="100%" height="40" fill="#24292f"/><g shape-rendering="${rendering}"><circle cx="${width - 60}" cy="${height / 2}" r="28" fill="#0969da"/><line x1="${width / 2}" y1="50" x2="${width - 20}" y2="${height - 20}" stroke="#1f883d" stroke-width="3"/></g>${lines}${blocks}</svg>`;
  return Uint8Array.from(await sharp(Buffer.from(svg)).png().toBuffer());
}

/** The same pixels in other bytes: re-encoded with another compression level. */
export async function reencoded(bytes: Uint8Array): Promise<Uint8Array<ArrayBuffer>> {
  return Uint8Array.from(await sharp(bytes).png({ compressionLevel: 1 }).toBuffer());
}

/** The same picture with `rows` more rows of white at the bottom. */
export async function taller(bytes: Uint8Array, rows: number): Promise<Uint8Array<ArrayBuffer>> {
  return Uint8Array.from(
    await sharp(bytes).extend({ bottom: rows, background: '#ffffff' }).png().toBuffer(),
  );
}

/** RGBA pixels of an image, as sharp decodes it. */
export async function pixels(bytes: Uint8Array) {
  const { data, info } = await sharp(bytes)
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/** pixelmatch draws changed pixels in pure red over a faded (near white or grey) picture. */
export const isDiffRed = (data: Uint8Array, i: number) =>
  data[i]! > 200 && data[i + 1]! < 60 && data[i + 2]! < 60;

/** Uploads bytes with a key and returns the contract's image object. */
export async function uploadImage(
  server: TestServer,
  bytes: Uint8Array<ArrayBuffer>,
  name: string,
  key: string = server.adminKey,
): Promise<{ id_encoded: string; url: string; md5: string }> {
  const response = await server.upload({ source: new File([bytes], name) }, { key });
  if (response.status !== 200) throw new Error(`upload ${name}: ${await response.text()}`);
  return (await response.json()).image;
}

export function api(server: TestServer, key: string | null = server.adminKey) {
  const headers = (extra: Record<string, string> = {}) => ({
    ...(key === null ? {} : { 'X-API-Key': key }),
    ...extra,
  });
  return {
    post: (path: string, body: unknown) =>
      fetch(`${server.url}${path}`, {
        method: 'POST',
        headers: headers({ 'Content-Type': 'application/json' }),
        body: typeof body === 'string' ? body : JSON.stringify(body),
      }),
    get: (path: string) => fetch(`${server.url}${path}`, { headers: headers() }),
    form: (path: string, form: FormData) =>
      fetch(`${server.url}${path}`, { method: 'POST', headers: headers(), body: form }),
  };
}
