// The review page's own script and stylesheet, kept beside it and served under /compare/assets/
// (read once at start, versioned by content so they can be cached for good).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sha256Hex } from '../../crypto.ts';
import { REVIEW_ASSETS_DIR } from '../../paths.ts';

const FILES = {
  'review.css': 'text/css; charset=UTF-8',
  'review.js': 'text/javascript; charset=UTF-8',
} as const;

type Name = keyof typeof FILES;

const ASSETS = new Map(
  (Object.keys(FILES) as Name[]).map((name) => {
    const bytes = new Uint8Array(readFileSync(join(REVIEW_ASSETS_DIR, name)));
    const hash = sha256Hex(bytes).slice(0, 12);
    return [name, { bytes, hash, type: FILES[name] }];
  }),
);

export const reviewAssetPath = (name: Name): string =>
  `/compare/assets/${name}?v=${ASSETS.get(name)!.hash}`;

/** The asset of a requested name (own names only), or null. */
export function reviewAssetResponse(name: string): Response | null {
  const asset = ASSETS.get(name as Name);
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
