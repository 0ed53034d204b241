// A run cut short (the storage gives out half-way) reports the rows it could not store,
// writes none of them, and the next run picks up exactly those; `--in-place` adopts the
// files where they are. The importer runs in this process on a real SQLite file.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { cp, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importChevereto } from '../../src/admin/import-chevereto/importer.ts';
import {
  type CheveretoSource,
  openCheveretoSource,
} from '../../src/admin/import-chevereto/source.ts';
import { openSqlite } from '../../src/db/database.ts';
import { createRepositories } from '../../src/db/repositories/index.ts';
import { createLocalStorage } from '../../src/storage/local.ts';
import { type Storage, StorageUnavailableError } from '../../src/storage/storage.ts';
import { startMariaDb, type TestMariaDb } from '../support/mariadb.ts';
import { type CheveretoFixture, createCheveretoFixture } from './fixture.ts';

let db: TestMariaDb;
let root: string;
let fx: CheveretoFixture;
let source: CheveretoSource;

beforeAll(async () => {
  db = await startMariaDb();
  root = await mkdtemp(join(tmpdir(), 'upshot-chevereto-resume-'));
  fx = await createCheveretoFixture(db, root);
  source = await openCheveretoSource(db.url, 'chv_');
}, 180_000);

afterAll(async () => {
  await source?.close();
  await db?.stop();
  if (root) await rm(root, { recursive: true, force: true });
});

/** The fixture's images the import takes (the others are skipped, with a reason). */
const imported = () => fx.images.filter((image) => !image.skip);

async function upshot() {
  const dataDir = await mkdtemp(join(tmpdir(), 'upshot-chevereto-target-'));
  const database = await openSqlite(join(dataDir, 'upshot.sqlite'));
  return { dataDir, database, repos: createRepositories(database) };
}

describe('import-chevereto runs again', () => {
  test('a run cut short by the storage is reported, and the next run finishes it', async () => {
    const { dataDir, database, repos } = await upshot();
    try {
      const local = createLocalStorage(dataDir);
      let puts = 0;
      const failing: Storage = {
        ...local,
        putAll: async (files) => {
          if (++puts > 3) throw new StorageUnavailableError('the bucket does not answer');
          return local.putAll(files);
        },
      };
      const options = { imagesDir: fx.imagesDir, dryRun: false, inPlace: false };
      const first = await importChevereto(source, { repos, storage: failing, dataDir }, options);
      expect(first.counts.images.imported).toBe(3);
      const cut = first.skipped.filter((entry) => /does not answer/.test(entry.text));
      expect(cut.length).toBe(imported().length - 3);
      expect(await repos.images.countRows()).toBe(3);

      const second = await importChevereto(source, { repos, storage: local, dataDir }, options);
      expect(second.counts.images).toEqual({
        imported: imported().length - 3,
        already: 3,
        skipped: 4,
      });
      expect(second.counts.users.already).toBe(3);
      expect(await repos.images.countRows()).toBe(imported().length);
      for (const image of imported()) {
        const row = await repos.images.find(image.id);
        expect(row).not.toBeNull();
        expect(await local.exists(`images/${row!.datePath}/${row!.name}.${row!.extension}`)).toBe(
          true,
        );
      }
    } finally {
      await database.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 120_000);

  test('--in-place adopts date-folder files where they are and copies the others', async () => {
    const { dataDir, database, repos } = await upshot();
    try {
      const imagesDir = join(dataDir, 'images');
      await cp(fx.imagesDir, imagesDir, { recursive: true });
      const sunset = join(imagesDir, '2021/03/04/sunset.jpg');
      const before = await stat(sunset);
      const report = await importChevereto(
        source,
        { repos, storage: createLocalStorage(dataDir), dataDir },
        { imagesDir, dryRun: false, inPlace: true },
      );
      expect(report.counts.images.imported).toBe(imported().length);
      // Not rewritten: the same file, untouched.
      const after = await stat(sunset);
      expect({ ino: after.ino, mtime: after.mtimeMs }).toEqual({
        ino: before.ino,
        mtime: before.mtimeMs,
      });
      // A direct-mode file is copied into its date folder; the old one stays.
      expect((await stat(join(imagesDir, '2021/03/04/flat.png'))).isFile()).toBe(true);
      expect((await stat(join(imagesDir, 'flat.png'))).isFile()).toBe(true);
    } finally {
      await database.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
