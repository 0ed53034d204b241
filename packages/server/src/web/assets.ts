import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The page's own files: one stylesheet and the uploader script, read once at start. */
const FILES = {
  'upshot.css': 'text/css; charset=UTF-8',
  'uploader.js': 'text/javascript; charset=UTF-8',
} as const;

export type AssetName = keyof typeof FILES;

const loaded = Object.fromEntries(
  (Object.keys(FILES) as AssetName[]).map((name) => {
    const bytes = new Uint8Array(readFileSync(join(import.meta.dir, 'assets', name)));
    const hash = createHash('sha256').update(bytes).digest('hex').slice(0, 12);
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
