import { and, eq, gt, isNull, or, type SQL, type SQLWrapper } from 'drizzle-orm';
import type { Tables } from './schema/index.ts';

/**
 * The one rule for an image anyone may see: its files are all written (live, not
 * pending) and it has not expired. Serving, viewers, listings and duplicates all use it.
 * `now` is a date, or a placeholder for one in a prepared query (prepared.ts).
 */
export function liveImage(images: Tables['images'], now: Date | SQLWrapper): SQL {
  return and(eq(images.status, 'live'), or(isNull(images.expiresAt), gt(images.expiresAt, now)))!;
}
