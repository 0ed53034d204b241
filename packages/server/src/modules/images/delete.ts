import type { Repository } from '../../db/repository.ts';
import type { ImageRow } from '../../db/schema.ts';
import type { Storage } from '../../storage/storage.ts';
import { variantsOf } from './files.ts';

/**
 * Removes an image: every file first, then the row. Serving needs the row, so nothing
 * is served once the files are going; if the process dies between the two, the row is
 * still there for the next attempt and no file is left without a row.
 */
export function createImageDeleter(storage: Storage, repo: Repository) {
  return {
    async delete(row: ImageRow): Promise<void> {
      await storage.deleteAll(variantsOf(row).map((file) => file.key));
      repo.deleteImage(row.id);
    },
  };
}

export type ImageDeleter = ReturnType<typeof createImageDeleter>;
