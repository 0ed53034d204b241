// The PostgreSQL tables. They mirror sqlite.ts column for column, with the same
// TypeScript types, so repositories are written once (see db/database.ts). A change here
// is made in sqlite.ts too, then `bun run db:generate` writes a migration per dialect.
import { sql } from 'drizzle-orm';
import {
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

const at = (name: string) => timestamp(name, { withTimezone: true, mode: 'date', precision: 3 });
const id = () => integer('id').primaryKey().generatedByDefaultAsIdentity();

/** Instance-wide values drawn at first start (id salt, guest key) and kept across restarts. */
export const settings = pgTable('settings', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
});

export const users = pgTable('users', {
  id: id(),
  username: text('username').notNull().unique(),
  email: text('email').unique(),
  passwordHash: text('password_hash'),
  isAdmin: boolean('is_admin').notNull().default(false),
  isBanned: boolean('is_banned').notNull().default(false),
  defaultExpiration: text('default_expiration'),
  createdAt: at('created_at').notNull(),
});

export const apiKeys = pgTable(
  'api_keys',
  {
    id: id(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    label: text('label').notNull(),
    keyHash: text('key_hash').notNull(),
    createdAt: at('created_at').notNull(),
    lastUsedAt: at('last_used_at'),
    revokedAt: at('revoked_at'),
  },
  (t) => [uniqueIndex('api_keys_key_hash').on(t.keyHash), index('api_keys_user').on(t.userId)],
);

export const albums = pgTable(
  'albums',
  {
    id: id(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    description: text('description'),
    privacy: text('privacy', { enum: ['public', 'unlisted', 'private'] })
      .notNull()
      .default('public'),
    createdAt: at('created_at').notNull(),
  },
  (t) => [index('albums_user').on(t.userId)],
);

export const categories = pgTable('categories', {
  id: id(),
  name: text('name').notNull(),
  urlKey: text('url_key').notNull().unique(),
});

export const images = pgTable(
  'images',
  {
    id: id(),
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
    tags: jsonb('tags').$type<string[]>().notNull().default(sql`'[]'::jsonb`),
    nsfw: boolean('nsfw').notNull().default(false),
    isAnimated: boolean('is_animated').notNull().default(false),
    md5: text('md5').notNull(),
    sourceMd5: text('source_md5'),
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
    createdAt: at('created_at').notNull(),
    expiresAt: at('expires_at'),
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

export const deleteTokens = pgTable(
  'delete_tokens',
  {
    id: id(),
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

export const sessions = pgTable(
  'sessions',
  {
    id: id(),
    tokenHash: text('token_hash').notNull(),
    userId: integer('user_id').references(() => users.id, { onDelete: 'cascade' }),
    createdAt: at('created_at').notNull(),
    expiresAt: at('expires_at').notNull(),
  },
  (t) => [uniqueIndex('sessions_token_hash').on(t.tokenHash), index('sessions_user').on(t.userId)],
);

export const sessionImages = pgTable(
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
export const counters = pgTable(
  'counters',
  {
    key: text('key').primaryKey(),
    count: integer('count').notNull(),
    expiresAt: at('expires_at').notNull(),
  },
  (t) => [index('counters_expires').on(t.expiresAt)],
);

/**
 * Files to remove, written in the same transaction that removes the rows naming them:
 * a crash or an unreachable bucket leaves work to retry, never an orphan for ever.
 */
export const fileDeletions = pgTable(
  'file_deletions',
  {
    id: id(),
    /** images/<date>/<name>: the name stays taken until its files are gone. */
    nameKey: text('name_key').notNull(),
    keys: jsonb('keys').$type<string[]>().notNull(),
    attempts: integer('attempts').notNull().default(0),
    notBefore: at('not_before').notNull(),
  },
  (t) => [index('file_deletions_name').on(t.nameKey), index('file_deletions_due').on(t.notBefore)],
);

/** Running server processes, so pending uploads of one that died can be collected. */
export const instances = pgTable('instances', {
  id: text('id').primaryKey(),
  /** Where it runs: host name, boot and pid namespace (services/instance.ts). */
  host: text('host').notNull(),
  pid: integer('pid').notNull(),
  startedAt: at('started_at').notNull(),
  heartbeatAt: at('heartbeat_at').notNull(),
});

/** Named leases: jobs that one instance at a time runs (the expiry sweep), backups. */
export const leases = pgTable('leases', {
  name: text('name').primaryKey(),
  holder: text('holder').notNull(),
  expiresAt: at('expires_at').notNull(),
});
