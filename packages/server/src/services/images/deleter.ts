import type { ImagesRepository } from '../../db/repositories/images.ts';
import type { ImageRow } from '../../db/schema/index.ts';
import { plannedKeys, variantsOf } from './files.ts';

/**
 * Removes images the way content stores do: the row goes first, and its files are queued
 * for removal in the same transaction (jobs/file-deletions.ts removes them and retries
 * until done). A crash leaves files to collect, never a row that points at nothing.
 */
export function createImageDeleter(deps: {
  images: ImagesRepository;
  now: () => Date;
  /** Wakes the file-removal job so files go at once rather than at its next round. */
  wake: () => void;
}) {
  return {
    /** False when the image was already gone. */
    async delete(row: ImageRow): Promise<boolean> {
      const keys = row.status === 'pending' ? plannedKeys(row) : variantsOf(row).map((f) => f.key);
      const removed = await deps.images.remove(row, keys, deps.now());
      deps.wake();
      return removed;
    },
  };
}

export type ImageDeleter = ReturnType<typeof createImageDeleter>;
