import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sha256Hex } from '../crypto.ts';
import { WEB_ASSETS_DIR } from '../paths.ts';

/**
 * The pages' own files, read once at start: the stylesheet, the icon, and the browser
 * scripts that packages/browser bundles into assets/ (`bun run build`; a test there checks
 * the committed bundles are fresh).
 */
const FILES = {
  'upshot.css': 'text/css; charset=UTF-8',
  'app.js': 'text/javascript; charset=UTF-8',
  'uploader.js': 'text/javascript; charset=UTF-8',
  'favicon.svg': 'image/svg+xml',
} as const;

export type AssetName = keyof typeof FILES;

const loaded = Object.fromEntries(
  (Object.keys(FILES) as AssetName[]).map((name) => {
    const bytes = new Uint8Array(readFileSync(join(WEB_ASSETS_DIR, name)));
    const hash = sha256Hex(bytes).slice(0, 12);
    return [name, { bytes, hash }];
  }),
) as Record<AssetName, { bytes: Uint8Array<ArrayBuffer>; hash: string }>;

/** The URL of an asset, versioned by its content so it can be cached for good. */
export const assetPath = (name: AssetName): string => `/assets/${name}?v=${loaded[name].hash}`;

/** The asset of a requested name; own keys only, so `constructor` or `__proto__` are not found. */
const ASSETS = new Map(
  (Object.keys(FILES) as AssetName[]).map((name) => [name, { ...loaded[name], type: FILES[name] }]),
);

export function assetResponse(name: string): Response | null {
  const asset = ASSETS.get(name as AssetName);
  if (!asset) return null;
  return new Response(asset.bytes, {
    headers: {
      'Content-Type': asset.type,
      'Cache-Control': 'public, max-age=31536000, immutable',
      'X-Content-Type-Options': 'nosniff',
      ETag: `"${asset.hash}"`,
    },
  });
}

/** `/favicon.ico`, which browsers ask for on their own (JSON replies and old ones): the SVG icon. */
export function faviconResponse(): Response {
  const asset = ASSETS.get('favicon.svg')!;
  return new Response(asset.bytes, {
    headers: {
      'Content-Type': asset.type,
      'Cache-Control': 'public, max-age=86400',
      'X-Content-Type-Options': 'nosniff',
    },
  });
}
