/**
 * Chevereto import benchmark (issue 15): `upshot-admin import-chevereto` of a site of
 * BENCH_IMAGES images (10,000 by default), each with a thumb and a medium already on
 * disk, against a plain copy of the same files as the baseline, in the same run.
 *
 *   bun run --cwd bench chevereto-import
 *
 * It prints images/s and MB/s for: a plain copy of the files (8 at a time, as the import
 * does), the same copy with each file synced (the import stores files durably), the
 * import's dry run (the database work and a stat of each file, no copy), and the import.
 * The import should be close to the synced copy: bound by file copying, not the database.
 * Temp folders (about 2 GB at 10,000 images) are removed at the end.
 */
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, open, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { startMariaDb } from '@upshot/server/test-support/mariadb';
import sharp from 'sharp';

const COUNT = Number(process.env.BENCH_IMAGES ?? 10_000);
const CONCURRENCY = 8;
const ADMIN = join(import.meta.dir, '..', 'packages', 'server', 'src', 'admin', 'main.ts');
const SALT = 'bench123';

const photo = (width: number, height: number, quality: number) =>
  sharp({
    create: {
      width,
      height,
      channels: 3,
      background: { r: 90, g: 120, b: 160 },
      noise: { type: 'gaussian', mean: 128, sigma: 30 },
    },
  })
    .jpeg({ quality })
    .toBuffer();

/** Every file distinct: bytes after a JPEG's end marker are ignored by readers. */
const unique = (base: Buffer) => Buffer.concat([base, randomBytes(16)]);

async function walk(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

async function eachLimit<T>(items: T[], work: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

async function copyAll(files: string[], from: string, to: string, sync: boolean) {
  const started = performance.now();
  await eachLimit(files, async (file) => {
    const target = join(to, relative(from, file));
    await mkdir(dirname(target), { recursive: true });
    await copyFile(file, target);
    if (sync) {
      const handle = await open(target, 'r+');
      await handle.sync();
      await handle.close();
    }
  });
  return (performance.now() - started) / 1000;
}

async function runImport(url: string, imagesDir: string, dataDir: string, args: string[] = []) {
  const started = performance.now();
  const proc = Bun.spawn(
    ['bun', ADMIN, 'import-chevereto', '--db', url, '--images', imagesDir, ...args],
    {
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        UPSHOT_DATA_DIR: dataDir,
        UPSHOT_ID_SALT: SALT,
        UPSHOT_ID_PADDING: '0',
      },
      stdout: 'pipe',
      stderr: 'pipe',
    },
  );
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  if (code !== 0) throw new Error(`import failed (${code}):\n${stdout}\n${stderr}`);
  return { seconds: (performance.now() - started) / 1000, stdout };
}

const db = await startMariaDb();
const root = await mkdtemp(join(tmpdir(), 'upshot-bench-chv-'));
try {
  const imagesDir = join(root, 'images');
  console.log(`Making a Chevereto site of ${COUNT} images (main, medium, thumb) in ${root}...`);
  const [main, medium, thumb] = await Promise.all([
    photo(1200, 900, 80),
    photo(500, 375, 80),
    photo(160, 160, 80),
  ]);
  const hash = await Bun.password.hash('x', { algorithm: 'bcrypt', cost: 4 });
  await db.query(`
    CREATE TABLE chv_variables (variable_id INT AUTO_INCREMENT PRIMARY KEY, variable_name VARCHAR(255) UNIQUE, variable_value TEXT);
    INSERT INTO chv_variables (variable_name, variable_value) VALUES ('crypt_salt', '${SALT}'), ('id_padding', '0');
    CREATE TABLE chv_users (user_id BIGINT AUTO_INCREMENT PRIMARY KEY, user_username VARCHAR(255) NOT NULL, user_email VARCHAR(255), user_date_gmt DATETIME NOT NULL, user_status VARCHAR(32) NOT NULL, user_is_admin TINYINT NOT NULL DEFAULT 0);
    INSERT INTO chv_users VALUES (1, 'owner', NULL, '2020-01-01 00:00:00', 'valid', 1);
    CREATE TABLE chv_images (image_id BIGINT AUTO_INCREMENT PRIMARY KEY, image_name VARCHAR(255), image_extension VARCHAR(16), image_size BIGINT, image_width INT, image_height INT, image_date DATETIME, image_date_gmt DATETIME, image_title VARCHAR(100), image_user_id BIGINT, image_album_id BIGINT, image_storage_mode VARCHAR(16), image_storage_id BIGINT, image_md5 VARCHAR(32), image_original_filename VARCHAR(255), image_chain TINYINT, image_thumb_size INT, image_medium_size INT, image_expiration_date_gmt DATETIME);
    CREATE TABLE chv_images_hash (image_hash_image_id BIGINT PRIMARY KEY, image_hash_hash TEXT);`);
  const rows: string[] = [];
  const flush = async () => {
    if (rows.length === 0) return;
    await db.query(`INSERT INTO chv_images VALUES ${rows.join(',')};`);
    rows.length = 0;
  };
  for (let id = 1; id <= COUNT; id++) {
    const day = `2020-${String(1 + (id % 12)).padStart(2, '0')}-${String(1 + (id % 28)).padStart(2, '0')}`;
    const dir = join(imagesDir, day.replaceAll('-', '/'));
    const name = `img${id}`;
    await mkdir(dir, { recursive: true });
    const bytes = unique(main);
    await Promise.all([
      writeFile(join(dir, `${name}.jpg`), bytes),
      writeFile(join(dir, `${name}.md.jpg`), unique(medium)),
      writeFile(join(dir, `${name}.th.jpg`), unique(thumb)),
    ]);
    const md5 = new Bun.CryptoHasher('md5').update(bytes).digest('hex');
    rows.push(
      `(${id}, '${name}', 'jpg', ${bytes.byteLength}, 1200, 900, '${day} 12:00:00', '${day} 12:00:00', 'Image ${id}', 1, NULL, 'datefolder', NULL, '${md5}', '${name}.jpg', 7, ${thumb.byteLength + 16}, ${medium.byteLength + 16}, NULL)`,
    );
    if (rows.length === 300) await flush();
  }
  await flush();
  await db.query(`INSERT INTO chv_images_hash SELECT image_id, '${hash}' FROM chv_images;`);
  const files = await walk(imagesDir);
  let bytes = 0;
  for (const file of files) bytes += (await stat(file)).size;
  const mb = bytes / 1_000_000;
  console.log(`${files.length} files, ${mb.toFixed(0)} MB\n`);

  const rate = (label: string, seconds: number) =>
    console.log(
      `${label.padEnd(34)} ${seconds.toFixed(1).padStart(6)} s  ${(COUNT / seconds).toFixed(0).padStart(6)} images/s  ${(mb / seconds).toFixed(1).padStart(7)} MB/s`,
    );
  const plain = await copyAll(files, imagesDir, join(root, 'copy-plain'), false);
  rate('plain copy (baseline)', plain);
  await rm(join(root, 'copy-plain'), { recursive: true, force: true });
  const synced = await copyAll(files, imagesDir, join(root, 'copy-synced'), true);
  rate('copy, each file synced', synced);
  await rm(join(root, 'copy-synced'), { recursive: true, force: true });

  const dryDir = join(root, 'upshot-dry');
  const dry = await runImport(db.url, imagesDir, dryDir, ['--dry-run']);
  rate('import --dry-run (no copy)', dry.seconds);
  const dataDir = join(root, 'upshot');
  const real = await runImport(db.url, imagesDir, dataDir);
  rate('import-chevereto', real.seconds);
  // The import's own closing lines (its time leaves out the process's start).
  for (const line of real.stdout.split('\n')) {
    if (/^(Files|Time):/.test(line)) console.log(`  ${line}`);
  }
  if (!real.stdout.includes(`images     ${COUNT} imported`)) {
    throw new Error(`the import did not import every image:\n${real.stdout}`);
  }
  const again = await runImport(db.url, imagesDir, dataDir);
  rate('second run (nothing new)', again.seconds);
  console.log(
    `\nimport / plain copy: ${(real.seconds / plain).toFixed(2)}x the time; import / synced copy: ${(real.seconds / synced).toFixed(2)}x`,
  );
} finally {
  await db.stop();
  await rm(root, { recursive: true, force: true });
}
