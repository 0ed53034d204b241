import { join } from 'node:path';

/**
 * Files the server reads beside its code, in one place. Bun's bundler writes
 * import.meta.dir into the production bundle as this file's absolute folder, so the
 * bundle reads them where the sources are (src/bundle.ts rebuilds it if the folder moves).
 */
export const PACKAGE_ROOT = join(import.meta.dir, '..');

/** Drizzle's generated migrations, one folder per dialect. */
export const MIGRATIONS_DIR = join(PACKAGE_ROOT, 'drizzle');
/** The web pages' stylesheet, icon and browser bundles. */
export const WEB_ASSETS_DIR = join(PACKAGE_ROOT, 'src', 'web', 'assets');
/** The review page's script and stylesheet. */
export const REVIEW_ASSETS_DIR = join(PACKAGE_ROOT, 'src', 'web', 'review');
/** The BMP decoder's worker, run from source (Bun transpiles it when the first BMP comes). */
export const BMP_WORKER = join(PACKAGE_ROOT, 'src', 'media', 'bmp-worker.ts');
