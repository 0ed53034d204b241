// The SQLite tables (the embedded default). They mirror pg.ts column for column, with
// the same TypeScript types, so repositories are written once (see db/database.ts).
import { sql } from 'drizzle-orm';
import {
  index,
  integer,
  primaryKey,
  sqliteTable,
  text,
  uniqueIndex,
} from 'drizzle-orm/sqlite-core';

/** Instance-wide values drawn at first start (id salt, guest key) and kept across restarts. */
export const settings = sqliteTable('settings', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
});

export const users = sqliteTable('users', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  username: text('username').notNull().unique(),
  email: text('email').unique(),
  passwordHash: text('password_hash'),
  isAdmin: integer('is_admin', { mode: 'boolean' }).notNull().default(false),
  isBanned: integer('is_banned', { mode: 'boolean' }).notNull().default(false),
  /** ISO 8601 duration applied to this user's uploads when a request names none. */
  defaultExpiration: text('default_expiration'),
  createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
});

/** User API keys, kept only as a SHA-256 hash and found by it. */
export const apiKeys = sqliteTable(
  'api_keys',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    label: text('label').notNull(),
    keyHash: text('key_hash').notNull(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    lastUsedAt: integer('last_used_at', { mode: 'timestamp_ms' }),
    revokedAt: integer('revoked_at', { mode: 'timestamp_ms' }),
  },
  (t) => [uniqueIndex('api_keys_key_hash').on(t.keyHash), index('api_keys_user').on(t.userId)],
);

export const albums = sqliteTable(
  'albums',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    description: text('description'),
    privacy: text('privacy', { enum: ['public', 'unlisted', 'private'] })
      .notNull()
      .default('public'),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [index('albums_user').on(t.userId)],
);

export const categories = sqliteTable('categories', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  name: text('name').notNull(),
  urlKey: text('url_key').notNull().unique(),
});

/** One row per upload; the files it names live in Storage under images/<datePath>/. */
export const images = sqliteTable(
  'images',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    userId: integer('user_id').references(() => users.id, { onDelete: 'set null' }),
    albumId: integer('album_id').references(() => albums.id, { onDelete: 'set null' }),
    categoryId: integer('category_id').references(() => categories.id, { onDelete: 'set null' }),
    type: text('type', { enum: ['image', 'video'] }).notNull(),
    /** 'pending' while its files are written (invisible everywhere), then 'live'. */
    status: text('status', { enum: ['pending', 'live'] })
      .notNull()
      .default('live'),
    /** The instance writing a pending row's files; null once live. */
    uploadInstance: text('upload_instance'),
    /** owner + md5 + width of a pending upload: a second identical upload waits for it. */
    flightKey: text('flight_key'),
    /** YYYY/MM/DD of the upload (UTC), the folder of every file of the upload. */
    datePath: text('date_path').notNull(),
    name: text('name').notNull(),
    extension: text('extension').notNull(),
    mime: text('mime').notNull(),
    size: integer('size').notNull(),
    width: integer('width').notNull(),
    height: integer('height').notNull(),
    originalFilename: text('original_filename').notNull(),
    title: text('title').notNull(),
    description: text('description'),
    tags: text('tags', { mode: 'json' }).$type<string[]>().notNull().default(sql`'[]'`),
    nsfw: integer('nsfw', { mode: 'boolean' }).notNull().default(false),
    isAnimated: integer('is_animated', { mode: 'boolean' }).notNull().default(false),
    md5: text('md5').notNull(),
    sourceMd5: text('source_md5'),
    /** md5 of the uploaded bytes, with requestedWidth: what makes a duplicate. */
    uploadMd5: text('upload_md5').notNull(),
    requestedWidth: integer('requested_width'),
    exif: text('exif'),
    thumbExtension: text('thumb_extension'),
    thumbMime: text('thumb_mime'),
    thumbSize: integer('thumb_size').notNull().default(0),
    mediumExtension: text('medium_extension'),
    mediumMime: text('medium_mime'),
    mediumSize: integer('medium_size').notNull().default(0),
    frameSize: integer('frame_size').notNull().default(0),
    duration: integer('duration').notNull().default(0),
    uploaderIp: text('uploader_ip'),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    expiresAt: integer('expires_at', { mode: 'timestamp_ms' }),
  },
  (t) => [
    uniqueIndex('images_file').on(t.datePath, t.name),
    uniqueIndex('images_flight').on(t.flightKey),
    // Both columns: SQLite, without statistics, would otherwise pick images_user and scan
    // every image of the uploader for each upload's duplicate check.
    index('images_duplicate').on(t.uploadMd5, t.userId),
    index('images_expires').on(t.expiresAt),
    index('images_user').on(t.userId),
    index('images_album').on(t.albumId),
    index('images_pending').on(t.status, t.uploadInstance),
  ],
);

/** Delete tokens of an image, hashed; every upload reply (duplicates too) adds one. */
export const deleteTokens = sqliteTable(
  'delete_tokens',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    imageId: integer('image_id')
      .notNull()
      .references(() => images.id, { onDelete: 'cascade' }),
    tokenHash: text('token_hash').notNull(),
  },
  (t) => [
    uniqueIndex('delete_tokens_hash').on(t.tokenHash),
    index('delete_tokens_image').on(t.imageId),
  ],
);

/**
 * Browser sessions. The cookie holds a random token; only its SHA-256 is kept. A row
 * exists for a signed-in user, or for a guest whose page uploads are tracked so that
 * signing up or in right after claims them. userId null: a guest session.
 */
export const sessions = sqliteTable(
  'sessions',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    tokenHash: text('token_hash').notNull(),
    userId: integer('user_id').references(() => users.id, { onDelete: 'cascade' }),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    expiresAt: integer('expires_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [uniqueIndex('sessions_token_hash').on(t.tokenHash), index('sessions_user').on(t.userId)],
);

/** Guest uploads made from the page in a session, claimed when that session signs in. */
export const sessionImages = sqliteTable(
  'session_images',
  {
    sessionId: integer('session_id')
      .notNull()
      .references(() => sessions.id, { onDelete: 'cascade' }),
    imageId: integer('image_id')
      .notNull()
      .references(() => images.id, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.sessionId, t.imageId] })],
);

/** Flood and throttle counters: one row per subject and time window, taken atomically. */
export const counters = sqliteTable(
  'counters',
  {
    key: text('key').primaryKey(),
    count: integer('count').notNull(),
    expiresAt: integer('expires_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [index('counters_expires').on(t.expiresAt)],
);

/**
 * Files to remove, written in the same transaction that removes the rows naming them:
 * a crash or an unreachable bucket leaves work to retry, never an orphan for ever.
 */
export const fileDeletions = sqliteTable(
  'file_deletions',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** images/<date>/<name>: the name stays taken until its files are gone. */
    nameKey: text('name_key').notNull(),
    keys: text('keys', { mode: 'json' }).$type<string[]>().notNull(),
    attempts: integer('attempts').notNull().default(0),
    notBefore: integer('not_before', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [index('file_deletions_name').on(t.nameKey), index('file_deletions_due').on(t.notBefore)],
);

/** Running server processes, so pending uploads of one that died can be collected. */
export const instances = sqliteTable('instances', {
  id: text('id').primaryKey(),
  /** Where it runs: host name, boot and pid namespace (services/instance.ts). */
  host: text('host').notNull(),
  pid: integer('pid').notNull(),
  startedAt: integer('started_at', { mode: 'timestamp_ms' }).notNull(),
  heartbeatAt: integer('heartbeat_at', { mode: 'timestamp_ms' }).notNull(),
});

/** Named leases: jobs that one instance at a time runs (the expiry sweep), backups. */
export const leases = sqliteTable('leases', {
  name: text('name').primaryKey(),
  holder: text('holder').notNull(),
  expiresAt: integer('expires_at', { mode: 'timestamp_ms' }).notNull(),
});
