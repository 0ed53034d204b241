// A small Chevereto site for the import tests: tables shaped as Chevereto 4 keeps them
// (our own DDL, written from the columns the import reads), rows of every kind the
// README's "Moving from Chevereto" section talks about, and an images folder with real
// files (made with sharp and ffmpeg) in Chevereto's layout.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createIdCodec, type IdCodec } from '@upshot/schema';
import { makeClip } from '../fixtures/videos.ts';
import { jpeg, png } from '../helpers/images.ts';
import type { TestMariaDb } from '../support/mariadb.ts';

export const SALT = 'f1e2d3c4';
export const PADDING = 777;

const md5 = (bytes: Uint8Array) => createHash('md5').update(bytes).digest('hex');

/** A bcrypt hash as PHP's password_hash makes it: `$2y$`, and only the first 72 bytes count. */
async function phpBcrypt(secret: string): Promise<string> {
  const bytes = new TextEncoder().encode(secret).subarray(0, 72);
  const hash = await Bun.password.hash(bytes, { algorithm: 'bcrypt', cost: 10 });
  return hash.replace(/^\$2b\$/, '$2y$');
}
/** 48 characters from Chevereto's alphabet, as its delete passwords are. */
const deletePassword = () =>
  randomBytes(36)
    .toString('base64')
    .replace(/[^A-Za-z0-9]/g, 'x')
    .slice(0, 48);

const sql = (value: string | number | null | boolean): string => {
  if (value === null) return 'NULL';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'boolean') return value ? '1' : '0';
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
};
const insert = (table: string, rows: Array<Record<string, string | number | null | boolean>>) =>
  rows.length === 0
    ? ''
    : `INSERT INTO chv_${table} (${Object.keys(rows[0]!).join(', ')}) VALUES ${rows
        .map((row) => `(${Object.values(row).map(sql).join(', ')})`)
        .join(', ')};`;

const DDL = `
CREATE TABLE chv_variables (
  variable_id INT AUTO_INCREMENT PRIMARY KEY,
  variable_name VARCHAR(255) NOT NULL UNIQUE,
  variable_value TEXT,
  variable_type VARCHAR(16) DEFAULT 'string'
);
CREATE TABLE chv_settings (
  setting_id INT AUTO_INCREMENT PRIMARY KEY,
  setting_name VARCHAR(255) NOT NULL UNIQUE,
  setting_value TEXT,
  setting_default TEXT,
  setting_typeset VARCHAR(16) DEFAULT 'string'
);
CREATE TABLE chv_users (
  user_id BIGINT AUTO_INCREMENT PRIMARY KEY,
  user_name VARCHAR(255),
  user_username VARCHAR(255) NOT NULL UNIQUE,
  user_email VARCHAR(255) UNIQUE,
  user_date DATETIME NOT NULL,
  user_date_gmt DATETIME NOT NULL,
  user_timezone VARCHAR(255) NOT NULL DEFAULT 'UTC',
  user_status ENUM('valid','awaiting-confirmation','awaiting-email','banned') NOT NULL,
  user_is_admin TINYINT(1) NOT NULL DEFAULT 0,
  user_is_private TINYINT(1) NOT NULL DEFAULT 0,
  user_image_count BIGINT NOT NULL DEFAULT 0,
  user_image_expiration VARCHAR(255),
  user_registration_ip VARCHAR(255) NOT NULL DEFAULT ''
);
CREATE TABLE chv_login_passwords (
  login_password_id BIGINT AUTO_INCREMENT PRIMARY KEY,
  login_password_user_id BIGINT NOT NULL UNIQUE,
  login_password_date_gmt DATETIME NOT NULL,
  login_password_hash TEXT NOT NULL
);
CREATE TABLE chv_api_keys (
  api_key_id BIGINT AUTO_INCREMENT PRIMARY KEY,
  api_key_user_id BIGINT,
  api_key_name VARCHAR(100),
  api_key_date_gmt DATETIME NOT NULL,
  api_key_hash TEXT NOT NULL
);
CREATE TABLE chv_categories (
  category_id BIGINT AUTO_INCREMENT PRIMARY KEY,
  category_name VARCHAR(32) NOT NULL,
  category_url_key VARCHAR(32) NOT NULL UNIQUE,
  category_description TEXT
);
CREATE TABLE chv_albums (
  album_id BIGINT AUTO_INCREMENT PRIMARY KEY,
  album_name VARCHAR(100) NOT NULL,
  album_user_id BIGINT,
  album_date DATETIME NOT NULL,
  album_date_gmt DATETIME NOT NULL,
  album_creation_ip VARCHAR(255) NOT NULL DEFAULT '',
  album_privacy ENUM('public','password','private','private_but_link','custom') DEFAULT 'public',
  album_password TEXT,
  album_image_count BIGINT NOT NULL DEFAULT 0,
  album_description TEXT,
  album_cover_id BIGINT,
  album_parent_id BIGINT
);
CREATE TABLE chv_storages (
  storage_id BIGINT AUTO_INCREMENT PRIMARY KEY,
  storage_api_id BIGINT NOT NULL,
  storage_name VARCHAR(255) NOT NULL,
  storage_url VARCHAR(255) NOT NULL,
  storage_bucket VARCHAR(255),
  storage_is_active TINYINT(1) NOT NULL DEFAULT 0
);
CREATE TABLE chv_images (
  image_id BIGINT AUTO_INCREMENT PRIMARY KEY,
  image_name VARCHAR(255) NOT NULL,
  image_extension VARCHAR(255) NOT NULL,
  image_size BIGINT UNSIGNED NOT NULL,
  image_width INT NOT NULL,
  image_height INT NOT NULL,
  image_date DATETIME NOT NULL,
  image_date_gmt DATETIME NOT NULL,
  image_title VARCHAR(100),
  image_description TEXT,
  image_nsfw TINYINT(1) NOT NULL DEFAULT 0,
  image_user_id BIGINT,
  image_album_id BIGINT,
  image_uploader_ip VARCHAR(255) NOT NULL DEFAULT '',
  image_storage_mode ENUM('datefolder','direct','old','path') NOT NULL DEFAULT 'datefolder',
  image_path VARCHAR(4096),
  image_storage_id BIGINT,
  image_md5 VARCHAR(32) NOT NULL,
  image_source_md5 VARCHAR(32),
  image_original_filename VARCHAR(255) NOT NULL,
  image_original_exifdata TEXT,
  image_views BIGINT NOT NULL DEFAULT 0,
  image_category_id BIGINT,
  image_chain TINYINT NOT NULL,
  image_thumb_size INT NOT NULL,
  image_medium_size INT NOT NULL DEFAULT 0,
  image_frame_size INT NOT NULL DEFAULT 0,
  image_expiration_date_gmt DATETIME,
  image_is_animated TINYINT(1) NOT NULL DEFAULT 0,
  image_duration INT NOT NULL DEFAULT 0
);
CREATE TABLE chv_images_hash (
  image_hash_image_id BIGINT PRIMARY KEY,
  image_hash_hash TEXT NOT NULL
);`;

export interface FixtureFile {
  /** The URL path Chevereto served it at. */
  path: string;
  md5: string;
}

export interface FixtureImage {
  id: number;
  encoded: string;
  type: 'image' | 'video';
  title: string | null;
  /** Chevereto's viewer paths: `/image/<slug>.<id>` and `/image/<id>`. */
  viewer: string[];
  files: FixtureFile[];
  deletePassword: string;
  /** Who may see it: everyone, or only its owner (private, password, custom albums). */
  visibility: 'public' | 'owner';
  ownerLogin: string | null;
  /** Why the import leaves it out, when it does. */
  skip?: RegExp;
}

export interface FixtureAlbum {
  id: number;
  encoded: string;
  privacy: string;
  visibility: 'public' | 'owner';
  paths: string[];
  skip?: RegExp;
  note?: RegExp;
}

export interface CheveretoFixture {
  ids: IdCodec;
  imagesDir: string;
  users: Array<{ id: number; login: string; password: string; username: string }>;
  /** alice's key, in Chevereto's format. */
  aliceKey: string;
  images: FixtureImage[];
  albums: FixtureAlbum[];
}

export async function createCheveretoFixture(
  db: TestMariaDb,
  root: string,
): Promise<CheveretoFixture> {
  const ids = createIdCodec(SALT, PADDING);
  const imagesDir = join(root, 'images');
  await db.query(DDL);
  await db.query(
    insert('variables', [
      { variable_name: 'crypt_salt', variable_value: SALT },
      { variable_name: 'id_padding', variable_value: String(PADDING) },
    ]) + insert('settings', [{ setting_name: 'website_name', setting_value: 'Old site' }]),
  );

  // ----- users: 1 is named like Upshot's first-start admin; bob's hash was made by PHP -----
  const users = [
    { id: 1, login: 'admin', password: 'admin password 1', username: 'admin' },
    { id: 2, login: 'alice@example.com', password: 'alice in chevereto', username: 'alice' },
    // From PHP's manual: password_hash('rasmuslerdorf', PASSWORD_DEFAULT).
    { id: 3, login: 'bob', password: 'rasmuslerdorf', username: 'bob' },
  ];
  const hashes = [
    await phpBcrypt(users[0]!.password),
    await phpBcrypt(users[1]!.password),
    '$2y$10$.vGA1O9wmRjrwAVXD98HNOgsNpDczlqm3Jq7KnEd1rVAGv3Fykk1a',
  ];
  const when = { date: '2021-03-04 01:30:00', gmt: '2021-03-03 23:30:00' };
  await db.query(
    insert(
      'users',
      users.map((user, i) => ({
        user_id: user.id,
        user_username: user.username,
        user_email: i === 1 ? 'alice@example.com' : `${user.username}@old.example`,
        user_date: when.date,
        user_date_gmt: when.gmt,
        user_status: 'valid',
        user_is_admin: i === 0,
      })),
    ) +
      insert(
        'login_passwords',
        users.map((user, i) => ({
          login_password_user_id: user.id,
          login_password_date_gmt: when.gmt,
          login_password_hash: hashes[i]!,
        })),
      ),
  );
  // alice's key: chv_<encoded key id>_<128 random>; bcrypt keeps its first 72 bytes.
  const aliceKey = `chv_${ids.encode(5)}_${randomBytes(96).toString('base64url').slice(0, 128)}`;
  await db.query(
    insert('api_keys', [
      {
        api_key_id: 5,
        api_key_user_id: 2,
        api_key_name: 'ShareX',
        api_key_date_gmt: when.gmt,
        api_key_hash: await phpBcrypt(aliceKey),
      },
    ]),
  );
  await db.query(
    insert('categories', [{ category_id: 3, category_name: 'Nature', category_url_key: 'nature' }]),
  );

  // ----- albums of every privacy, a nested one and a guest one -----
  const albumRows: Array<[number, string, number | null, string, number | null]> = [
    [10, 'Holidays', 2, 'public', null],
    [11, 'Shared by link', 2, 'private_but_link', null],
    [12, 'Just mine', 2, 'private', null],
    [13, 'With password', 3, 'password', null],
    [14, 'Chosen people', 3, 'custom', null],
    [15, 'Beach days', 2, 'public', 10],
    [16, 'Guest album', null, 'public', null],
  ];
  await db.query(
    insert(
      'albums',
      albumRows.map(([id, name, user, privacy, parent]) => ({
        album_id: id,
        album_name: name,
        album_user_id: user,
        album_date: when.date,
        album_date_gmt: when.gmt,
        album_privacy: privacy,
        album_password: privacy === 'password' ? 'open sesame' : null,
        album_parent_id: parent,
      })),
    ),
  );
  const ownerOnly = new Set(['private', 'password', 'custom']);
  const albums: FixtureAlbum[] = albumRows.map(([id, , user, privacy, parent]) => {
    const encoded = ids.encode(id);
    const album: FixtureAlbum = {
      id,
      encoded,
      privacy,
      visibility: ownerOnly.has(privacy) ? 'owner' : 'public',
      paths: [`/album/some-name.${encoded}`, `/album/${encoded}`],
    };
    if (user === null) album.skip = /no owner/;
    if (privacy === 'password') album.note = /had a password: imported as private/;
    if (privacy === 'custom') album.note = /chosen people: imported as private/;
    if (parent !== null) album.note = /was inside album 10: imported as an album of its own/;
    return album;
  });

  // ----- images: files first, then rows -----
  const images: FixtureImage[] = [];
  const rows: Array<Record<string, string | number | null | boolean>> = [];
  const hashRows: Array<Record<string, string | number>> = [];
  const put = async (relative: string, bytes: Uint8Array) => {
    const path = join(imagesDir, relative);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, bytes);
  };
  const folder = '2021/03/04'; // image_date's day (local time), not image_date_gmt's
  interface Spec {
    id: number;
    name: string;
    ext: 'jpg' | 'png' | 'mp4' | 'exe';
    title: string | null;
    user: number | null;
    album: number | null;
    mode?: 'datefolder' | 'direct' | 'old';
    storage?: number;
    expires?: string;
    writeFiles?: boolean;
    medium?: boolean;
    skip?: RegExp;
  }
  const specs: Spec[] = [
    {
      id: 1,
      name: 'sunset',
      ext: 'jpg',
      title: 'Sunset at the beach',
      user: 2,
      album: 10,
      medium: true,
    },
    { id: 2, name: 'guest-shot', ext: 'png', title: null, user: null, album: null },
    { id: 3, name: 'clip', ext: 'mp4', title: 'A short clip', user: 3, album: null, medium: true },
    { id: 4, name: 'linked', ext: 'png', title: 'Only by link', user: 2, album: 11 },
    { id: 5, name: 'secret', ext: 'jpg', title: 'Mine alone', user: 2, album: 12 },
    { id: 6, name: 'locked', ext: 'png', title: 'Behind a password', user: 3, album: 13 },
    {
      id: 7,
      name: 'gone',
      ext: 'png',
      title: 'Expired',
      user: 2,
      album: null,
      expires: '2021-03-05 00:00:00',
      skip: /expired on 2021-03-05/,
    },
    {
      id: 8,
      name: 'lost',
      ext: 'jpg',
      title: 'File missing',
      user: 2,
      album: null,
      writeFiles: false,
      skip: /its file 2021\/03\/04\/lost\.jpg is missing/,
    },
    { id: 9, name: 'flat', ext: 'png', title: 'Direct mode', user: 2, album: null, mode: 'direct' },
    {
      id: 10,
      name: 'ancient',
      ext: 'jpg',
      title: 'Old mode',
      user: null,
      album: null,
      mode: 'old',
    },
    {
      id: 11,
      name: 'far',
      ext: 'jpg',
      title: 'On S3',
      user: 2,
      album: null,
      storage: 1,
      skip: /external storage 1 \("Amazon bucket"\)/,
    },
    {
      id: 12,
      name: 'later',
      ext: 'png',
      title: 'Expires later',
      user: 2,
      album: 15,
      expires: '2099-01-01 00:00:00',
    },
    {
      id: 13,
      name: 'tool',
      ext: 'exe',
      title: 'Not an image',
      user: 2,
      album: null,
      skip: /extension "exe" is not an image or video/,
    },
  ];
  await db.query(
    insert('storages', [
      {
        storage_id: 1,
        storage_api_id: 1,
        storage_name: 'Amazon bucket',
        storage_url: 'https://bucket.example/',
      },
    ]),
  );
  for (const spec of specs) {
    const mode = spec.mode ?? 'datefolder';
    const dir = mode === 'datefolder' ? folder : mode === 'old' ? 'old' : '';
    const urlDir = dir === '' ? '/images' : `/images/${dir}`;
    const files: FixtureFile[] = [];
    let mainBytes: Uint8Array;
    let width = 640;
    let height = 480;
    let chain = 4 | 1;
    const variantExt = spec.ext === 'mp4' ? 'jpeg' : spec.ext;
    if (spec.ext === 'mp4') {
      const clip = await makeClip(root, `clip-${spec.id}`, {
        width: 160,
        height: 120,
        seconds: 1,
        container: 'mp4',
      });
      mainBytes = new Uint8Array(await readFile(clip));
      width = 160;
      height = 120;
      chain |= 16;
    } else {
      mainBytes =
        spec.ext === 'exe'
          ? new TextEncoder().encode('MZ not an image')
          : await jpegOrPng(spec.ext, width, height, spec.id);
    }
    const variants: Array<[string, Uint8Array]> = [];
    variants.push([
      `${spec.name}.th.${variantExt}`,
      await jpegOrPng(variantExt, 160, 160, spec.id),
    ]);
    if (spec.medium) {
      chain |= 2;
      variants.push([
        `${spec.name}.md.${variantExt}`,
        await jpegOrPng(variantExt, 500, 375, spec.id),
      ]);
    }
    if (chain & 16) variants.push([`${spec.name}.fr.jpeg`, await jpeg(160, 120)]);
    const all: Array<[string, Uint8Array]> = [[`${spec.name}.${spec.ext}`, mainBytes], ...variants];
    if (spec.writeFiles !== false) {
      for (const [name, bytes] of all) await put(dir === '' ? name : `${dir}/${name}`, bytes);
    }
    for (const [name, bytes] of all) files.push({ path: `${urlDir}/${name}`, md5: md5(bytes) });
    const password = deletePassword();
    rows.push({
      image_id: spec.id,
      image_name: spec.name,
      image_extension: spec.ext,
      image_size: mainBytes.byteLength,
      image_width: width,
      image_height: height,
      image_date: when.date,
      image_date_gmt: when.gmt,
      image_title: spec.title,
      image_user_id: spec.user,
      image_album_id: spec.album,
      image_uploader_ip: '192.0.2.7',
      image_storage_mode: mode,
      image_storage_id: spec.storage ?? null,
      image_md5: md5(mainBytes),
      image_original_filename: `${spec.name} original.${spec.ext}`,
      image_category_id: spec.id === 1 ? 3 : null,
      image_chain: chain,
      image_thumb_size: variants[0]![1].byteLength,
      image_medium_size: spec.medium ? variants[1]![1].byteLength : 0,
      image_frame_size: chain & 16 ? variants.at(-1)![1].byteLength : 0,
      image_expiration_date_gmt: spec.expires ?? null,
      image_duration: spec.ext === 'mp4' ? 1 : 0,
    });
    hashRows.push({ image_hash_image_id: spec.id, image_hash_hash: await phpBcrypt(password) });
    const encoded = ids.encode(spec.id);
    const route = spec.ext === 'mp4' ? 'video' : 'image';
    const album = albumRows.find(([id]) => id === spec.album);
    images.push({
      id: spec.id,
      encoded,
      type: spec.ext === 'mp4' ? 'video' : 'image',
      title: spec.title,
      viewer: [`/${route}/old-slug-words.${encoded}`, `/${route}/${encoded}`],
      files,
      deletePassword: password,
      visibility: album && ownerOnly.has(album[3]) ? 'owner' : 'public',
      ownerLogin: users.find((user) => user.id === spec.user)?.login ?? null,
      ...(spec.skip ? { skip: spec.skip } : {}),
    });
  }
  await db.query(insert('images', rows) + insert('images_hash', hashRows));
  return { ids, imagesDir, users, aliceKey, images, albums };
}

/** Every file distinct: JPEGs are noise, PNGs get a colour of their own. */
function jpegOrPng(extension: string, width: number, height: number, seed: number) {
  return extension === 'png'
    ? png(width, height, { r: (seed * 37) % 256, g: (width * 7) % 256, b: 90 })
    : jpeg(width, height);
}
