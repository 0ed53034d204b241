// The import itself (README: Moving from Chevereto): users, categories, albums, API keys,
// then images a batch at a time, each batch's files copied in parallel and its rows
// written in one transaction with their ledger rows. What the ledger holds is skipped, so
// a second run imports only what is new and a run cut short picks up where it stopped.
import { join, resolve } from 'node:path';
import type { Repositories } from '../../db/repositories/index.ts';
import type { NewImageRow } from '../../db/schema/index.ts';
import { isBcryptHash } from '../../services/chevereto.ts';
import { storageKey } from '../../services/images/files.ts';
import type { Storage } from '../../storage/storage.ts';
import { copyFiles, fileSize, MissingFile } from './files.ts';
import { BadRow, legacyPathOf, type MappedImage, mapAlbum, mapImage, mapUser } from './mapping.ts';
import { ImportReport, type Kind } from './report.ts';
import type { CheveretoSource, Row } from './source.ts';

export interface ImportTarget {
  repos: Repositories;
  storage: Storage;
  /** Upshot's data folder (temp files; `--in-place` checks the images folder is in it). */
  dataDir: string;
}

export interface ImportOptions {
  /** Chevereto's images folder (the one holding the date folders). */
  imagesDir: string;
  dryRun: boolean;
  /** The images folder already is Upshot's (local storage): files are checked, not copied. */
  inPlace: boolean;
  /** Images whose files are copied at the same time (default 8). */
  concurrency?: number;
  /** Images read and written per batch (default 200). */
  batchSize?: number;
  now?: () => Date;
  progress?: ImportProgress;
}

/** What a terminal shows while the import runs. */
export interface ImportProgress {
  line(text: string): void;
  start(total: number): void;
  advance(images: number, bytes: number): void;
  stop(): void;
}

const silent: ImportProgress = { line() {}, start() {}, advance() {}, stop() {} };
const PAGE = 500;
/** Chevereto's storage API id of its "Local" storage (files on the server's disk). */
const LOCAL_STORAGE_API = 8;

async function* pages(source: CheveretoSource, table: string, idColumn: string) {
  for (let after = 0; ; ) {
    const rows = await source.page(table, idColumn, after, PAGE);
    if (rows.length === 0) return;
    after = Number(rows.at(-1)![idColumn]);
    yield rows;
  }
}

/** Runs `work` on every item, `limit` at a time. */
async function eachLimit<T>(items: T[], limit: number, work: (item: T) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

const describe = (error: unknown) =>
  error instanceof Error ? error.message : `unexpected ${String(error)}`;

export async function importChevereto(
  source: CheveretoSource,
  target: ImportTarget,
  options: ImportOptions,
): Promise<ImportReport> {
  const { repos, storage } = target;
  const report = new ImportReport(options.dryRun);
  const progress = options.progress ?? silent;
  const now = options.now ?? (() => new Date());
  const ledger = repos.chevereto;

  /** Runs one row's work; a row that fails is reported and the import goes on. */
  const guarded = async (kind: Kind, id: number, work: () => Promise<void>) => {
    try {
      await work();
    } catch (error) {
      report.skip(kind, id, describe(error));
    }
  };

  // ----- users -----
  const passwords = new Map<number, string>();
  if (source.tables.has('login_passwords')) {
    for await (const rows of pages(source, 'login_passwords', 'login_password_id')) {
      for (const row of rows) {
        passwords.set(Number(row.login_password_user_id), String(row.login_password_hash ?? ''));
      }
    }
  } else if (source.tables.has('logins')) {
    // Chevereto 3 kept passwords among its logins.
    for await (const rows of pages(source, 'logins', 'login_id')) {
      for (const row of rows) {
        if (row.login_type === 'password') {
          passwords.set(Number(row.login_user_id), String(row.login_secret ?? ''));
        }
      }
    }
  }
  // A dry run writes nothing: what it would import counts as there for the rows after it.
  const wouldBe = {
    users: new Map<number, number>(),
    categories: new Set<number>(),
    albums: new Set<number>(),
  };
  // Upshot accounts already standing for a Chevereto user (an adopted admin).
  const adopted = new Set((await ledger.targets('user')).values());
  for await (const rows of pages(source, 'users', 'user_id')) {
    const done = await ledger.imported(
      'user',
      rows.map((row) => Number(row.user_id)),
    );
    for (const row of rows) {
      const id = Number(row.user_id);
      if (done.has(id)) {
        report.already('users');
        continue;
      }
      await guarded('users', id, async () => {
        const user = mapUser(row);
        const stored = passwords.get(id) ?? null;
        let passwordHash: string | null = null;
        if (stored && isBcryptHash(stored)) passwordHash = stored;
        else report.note('users', id, 'has no bcrypt password: signs in with an API key only');
        let username = user.username;
        const existing = await ledger.findUserByName(username);
        const adopt =
          existing !== null && existing.passwordHash === null && !adopted.has(existing.id);
        if (existing && !adopt) {
          username = `${user.username}-chv${id}`;
          report.note(
            'users',
            id,
            `the name "${user.username}" is taken in Upshot: imported as "${username}" (signs in with the email too)`,
          );
        }
        let email = user.email;
        if (email && !adopt && (await repos.users.isEmailTaken(email))) {
          report.note('users', id, 'its email is taken in Upshot: imported without it');
          email = null;
        }
        if (adopt && existing) adopted.add(existing.id);
        if (options.dryRun) {
          wouldBe.users.set(id, -id);
          report.imported('users');
          return;
        }
        const values = { ...user, sourceId: id, username, email, passwordHash };
        if (adopt && existing) {
          await ledger.adoptUser(existing.id, {
            ...values,
            isAdmin: values.isAdmin || existing.isAdmin,
          });
          report.note(
            'users',
            id,
            `took over Upshot's account "${existing.username}" (it had no password)`,
          );
        } else {
          await ledger.addUser(values);
        }
        report.imported('users');
      });
    }
  }
  const userIds = new Map([...(await ledger.targets('user')), ...wouldBe.users]);
  progress.line(`users: ${report.counts.users.imported} imported`);

  // ----- categories -----
  for await (const rows of pages(source, 'categories', 'category_id')) {
    const done = await ledger.imported(
      'category',
      rows.map((row) => Number(row.category_id)),
    );
    const fresh = rows
      .filter((row) => {
        if (!done.has(Number(row.category_id))) return true;
        report.already('categories');
        return false;
      })
      .map((row) => ({
        id: Number(row.category_id),
        name: String(row.category_name ?? '').slice(0, 64) || 'Category',
        urlKey: String(row.category_url_key ?? '').toLowerCase(),
      }));
    if (options.dryRun) {
      for (const category of fresh) wouldBe.categories.add(category.id);
      report.imported('categories', fresh.length);
      continue;
    }
    const added = new Set(await ledger.addCategories(fresh));
    for (const category of fresh) {
      if (added.has(category.id)) report.imported('categories');
      else report.skip('categories', category.id, 'its id or url key is already used in Upshot');
    }
  }
  const categoryIds = await ledger.targets('category');
  for (const id of wouldBe.categories) categoryIds.set(id, id);

  // ----- albums -----
  for await (const rows of pages(source, 'albums', 'album_id')) {
    const done = await ledger.imported(
      'album',
      rows.map((row) => Number(row.album_id)),
    );
    const fresh: Parameters<typeof ledger.addAlbums>[0] = [];
    for (const row of rows) {
      const id = Number(row.album_id);
      if (done.has(id)) {
        report.already('albums');
        continue;
      }
      try {
        const album = mapAlbum(row);
        if (album.sourceUserId === null) throw new BadRow('it has no owner (a guest album)');
        const userId = userIds.get(album.sourceUserId);
        if (userId === undefined) {
          throw new BadRow(`its owner (user ${album.sourceUserId}) was not imported`);
        }
        if (album.mappedFrom === 'password') {
          report.note(
            'albums',
            id,
            `"${album.name}" had a password: imported as private (only its owner sees it)`,
          );
        } else if (album.mappedFrom === 'custom') {
          report.note(
            'albums',
            id,
            `"${album.name}" was shared with chosen people: imported as private`,
          );
        }
        if (album.parentId !== null) {
          report.note(
            'albums',
            id,
            `"${album.name}" was inside album ${album.parentId}: imported as an album of its own`,
          );
        }
        fresh.push({
          id,
          userId,
          name: album.name,
          description: album.description,
          privacy: album.privacy,
          createdAt: album.createdAt,
        });
      } catch (error) {
        report.skip('albums', id, describe(error));
      }
    }
    if (options.dryRun) {
      for (const album of fresh) wouldBe.albums.add(album.id);
      report.imported('albums', fresh.length);
      continue;
    }
    const added = new Set(await ledger.addAlbums(fresh));
    for (const album of fresh) {
      if (added.has(album.id)) report.imported('albums');
      else report.skip('albums', album.id, 'its id is already used by an Upshot album');
    }
  }
  const albumIds = await ledger.targets('album');
  for (const id of wouldBe.albums) albumIds.set(id, id);
  progress.line(`albums: ${report.counts.albums.imported} imported`);

  // ----- API keys -----
  for await (const rows of pages(source, 'api_keys', 'api_key_id')) {
    const done = await ledger.imported(
      'key',
      rows.map((row) => Number(row.api_key_id)),
    );
    for (const row of rows) {
      const id = Number(row.api_key_id);
      if (done.has(id)) {
        report.already('keys');
        continue;
      }
      await guarded('keys', id, async () => {
        const userId = userIds.get(Number(row.api_key_user_id));
        if (userId === undefined) {
          throw new BadRow(`its user (${String(row.api_key_user_id)}) was not imported`);
        }
        const hash = String(row.api_key_hash ?? '');
        if (!isBcryptHash(hash)) throw new BadRow('api_key_hash is not a bcrypt hash');
        const createdAt = (() => {
          const raw = String(row.api_key_date_gmt ?? '');
          const date = new Date(`${raw.replace(' ', 'T')}Z`);
          return Number.isNaN(date.getTime()) ? now() : date;
        })();
        if (!options.dryRun) {
          await ledger.addKey({
            sourceId: id,
            userId,
            label: String(row.api_key_name ?? '').slice(0, 100) || 'Chevereto API key',
            hash,
            createdAt,
          });
        }
        report.imported('keys');
      });
    }
  }

  // ----- images and videos -----
  const storages = new Map<number, { api: number; name: string }>();
  for await (const rows of pages(source, 'storages', 'storage_id')) {
    for (const row of rows) {
      storages.set(Number(row.storage_id), {
        api: Number(row.storage_api_id),
        name: String(row.storage_name ?? ''),
      });
    }
  }
  const imagesDir = resolve(options.imagesDir);
  const inPlace = options.inPlace && imagesDir === resolve(target.dataDir, 'images');
  report.inPlace = inPlace;
  const tempDir = join(target.dataDir, '.tmp');
  const batchSize = options.batchSize ?? 200;
  progress.start(await source.count('images'));

  for (let after = 0; ; ) {
    const rows = await source.page('images', 'image_id', after, batchSize);
    if (rows.length === 0) break;
    after = Number(rows.at(-1)!.image_id);
    const done = await ledger.imported(
      'image',
      rows.map((row) => Number(row.image_id)),
    );
    const planned: MappedImage[] = [];
    for (const row of rows) {
      const id = Number(row.image_id);
      if (done.has(id)) {
        report.already('images');
        continue;
      }
      const image = planImage(row, id);
      if (image) planned.push(image);
    }
    const taken = await ledger.taken(planned);
    const inBatch = new Set<string>();
    const ready: MappedImage[] = [];
    for (const image of planned) {
      if (taken.ids.has(image.id)) {
        report.skip('images', image.id, 'its id is already used by an Upshot image');
        continue;
      }
      if (
        taken.names.has(`${image.datePath}/${image.name}`) ||
        inBatch.has(`${image.datePath}/${image.name}`)
      ) {
        if (image.mode === 'datefolder') {
          report.skip(
            'images',
            image.id,
            `Upshot already has a file named ${image.name} in ${image.datePath}`,
          );
          continue;
        }
        rename(image, `${image.name}-chv${image.id}`);
      }
      inBatch.add(`${image.datePath}/${image.name}`);
      ready.push(image);
    }
    const hashes = new Map<number, string>();
    for (const row of await source.where(
      'images_hash',
      'image_hash_image_id',
      ready.map((image) => image.id),
    )) {
      hashes.set(Number(row.image_hash_image_id), String(row.image_hash_hash ?? ''));
    }
    const rowsToWrite: Parameters<typeof ledger.addImages>[0] = [];
    await eachLimit(ready, options.concurrency ?? 8, async (image) => {
      try {
        const row = await storeFiles(image);
        if (!row) return;
        const hash = hashes.get(image.id) ?? null;
        if (hash === null || !isBcryptHash(hash)) {
          report.note(
            'images',
            image.id,
            'has no delete password in images_hash: its delete link is gone',
          );
        }
        rowsToWrite.push({
          row,
          deleteHash: hash !== null && isBcryptHash(hash) ? hash : null,
          legacyPath: legacyPathOf(image),
        });
      } catch (error) {
        report.skip('images', image.id, describe(error));
      }
    });
    let written = rowsToWrite;
    if (!options.dryRun && rowsToWrite.length > 0) {
      try {
        await ledger.addImages(rowsToWrite);
      } catch {
        // A row of the batch was refused (a name taken meanwhile...): write them one by one.
        written = [];
        for (const item of rowsToWrite) {
          try {
            await ledger.addImages([item]);
            written.push(item);
          } catch (error) {
            report.skip('images', item.row.id, `its row was refused: ${describe(error)}`);
            const files = planned.find((image) => image.id === item.row.id)?.files ?? [];
            await storage
              .deleteAll(files.map((file) => storageKey(item.row.datePath, file.targetName)))
              .catch(() => {});
          }
        }
      }
    }
    report.imported('images', written.length);
    progress.advance(
      rows.length,
      written.reduce((sum, item) => sum + (item.row.size ?? 0), 0),
    );
  }
  progress.stop();
  if (!options.dryRun) await ledger.resetSequences();
  report.finished = Date.now();
  return report;

  /** The image as it will be stored, or null when it is not imported (reported). */
  function planImage(row: Row, id: number): MappedImage | null {
    try {
      const image = mapImage(row);
      if (image.values.expiresAt && image.values.expiresAt <= now()) {
        throw new BadRow(`it expired on ${image.values.expiresAt.toISOString()}`);
      }
      if (image.storageId !== null) {
        const external = storages.get(image.storageId);
        if (!external || external.api !== LOCAL_STORAGE_API) {
          throw new BadRow(
            `its files are on external storage ${image.storageId}${external ? ` ("${external.name}")` : ''}, not in the images folder`,
          );
        }
      }
      if (image.sourceUserId !== null && !userIds.has(image.sourceUserId)) {
        throw new BadRow(`its owner (user ${image.sourceUserId}) was not imported`);
      }
      if (image.sourceAlbumId !== null && !albumIds.has(image.sourceAlbumId)) {
        report.note(
          'images',
          id,
          `its album ${image.sourceAlbumId} was not imported: it is outside any album`,
        );
        image.sourceAlbumId = null;
      }
      if (image.categoryId !== null && !categoryIds.has(image.categoryId)) image.categoryId = null;
      if (image.hasOriginal) {
        report.note('images', id, 'its kept original (.or.) file is not imported');
      }
      return image;
    } catch (error) {
      report.skip('images', id, describe(error));
      return null;
    }
  }

  function rename(image: MappedImage, name: string) {
    report.note(
      'images',
      image.id,
      `Upshot already has ${image.datePath}/${image.name}: stored as ${name} (the old URL redirects)`,
    );
    image.name = name;
    for (const file of image.files) {
      file.targetName = name + file.targetName.slice(image.sourceName.length);
    }
  }

  /** Copies (or checks) the image's files; returns its row, or null when it is skipped. */
  async function storeFiles(image: MappedImage): Promise<(NewImageRow & { id: number }) | null> {
    const sourcePath = (name: string) => join(imagesDir, image.sourceFolder, name);
    const present: typeof image.files = [];
    const sizes = new Map<string, number>();
    for (const file of image.files) {
      const size = await fileSize(sourcePath(file.sourceName));
      if (size === null) {
        const where = join(image.sourceFolder, file.sourceName);
        if (file.kind === 'image') throw new MissingFile(`its file ${where} is missing`);
        report.note(
          'images',
          image.id,
          `its ${file.kind} ${where} is missing: imported without it`,
        );
        continue;
      }
      present.push(file);
      sizes.set(file.kind, size);
    }
    let mainMd5: string | null = null;
    if (!options.dryRun && !(inPlace && image.mode === 'datefolder')) {
      const stored = await copyFiles(
        storage,
        present.map((file) => ({
          key: storageKey(image.datePath, file.targetName),
          path: sourcePath(file.sourceName),
        })),
        tempDir,
      );
      for (const [i, file] of present.entries()) sizes.set(file.kind, stored[i]!.size);
      mainMd5 = stored[0]!.md5;
    }
    for (const size of sizes.values()) {
      report.files.count++;
      report.files.bytes += size;
    }
    const chevMd5 = /^[0-9a-f]{32}$/.test(image.values.md5) ? image.values.md5 : null;
    if (mainMd5 && chevMd5 && mainMd5 !== chevMd5) {
      report.note(
        'images',
        image.id,
        "its file's md5 is not the one Chevereto recorded (a watermark?): Chevereto's is kept",
      );
    }
    const md5 = chevMd5 ?? mainMd5 ?? '';
    const variant = (kind: string) => present.find((file) => file.kind === kind);
    const thumb = variant('thumb');
    const medium = variant('medium');
    const v = image.values;
    return {
      id: image.id,
      userId: image.sourceUserId === null ? null : userIds.get(image.sourceUserId)!,
      albumId: image.sourceAlbumId === null ? null : albumIds.get(image.sourceAlbumId)!,
      categoryId: image.categoryId,
      type: image.type,
      status: 'live',
      datePath: image.datePath,
      name: image.name,
      extension: image.extension,
      mime: image.mime,
      size: sizes.get('image') ?? v.size,
      width: v.width,
      height: v.height,
      originalFilename: v.originalFilename,
      title: v.title,
      description: v.description,
      tags: [],
      nsfw: v.nsfw,
      isAnimated: v.isAnimated,
      md5,
      sourceMd5: v.sourceMd5,
      uploadMd5: md5,
      exif: v.exif,
      thumbExtension: thumb?.extension ?? null,
      thumbMime: thumb?.mime ?? null,
      thumbSize: sizes.get('thumb') ?? 0,
      mediumExtension: medium?.extension ?? null,
      mediumMime: medium?.mime ?? null,
      mediumSize: sizes.get('medium') ?? 0,
      frameSize: sizes.get('frame') ?? 0,
      duration: v.duration,
      uploaderIp: v.uploaderIp,
      createdAt: v.createdAt,
      expiresAt: v.expiresAt,
    };
  }
}
