// The SQLite tables (the embedded default). They mirror pg.ts column for column, with
// the same TypeScript types, so repositories are written once (see db/database.ts).
import { sql } from 'drizzle-orm';
import {
  index,
  integer,
  primaryKey,
  real,
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
  /** Storage quota in MB set by the admin; null: the instance default (UPSHOT_USER_QUOTA_MB). */
  quotaMb: integer('quota_mb'),
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
    /** 'file': a build artifact stored as it is (UPSHOT_FILE_UPLOADS), no variants. */
    type: text('type', { enum: ['image', 'video', 'file'] }).notNull(),
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

/** A branch's set of screenshots, recorded by a run on that branch (README: Visual review). */
export const baselineSets = sqliteTable(
  'baseline_sets',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    project: text('project').notNull(),
    branch: text('branch').notNull(),
    commit: text('commit'),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [index('baseline_sets_branch').on(t.userId, t.project, t.branch, t.id)],
);

/** One screenshot of a set. The image may expire before the set: then imageId is null. */
export const baselineFiles = sqliteTable(
  'baseline_files',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    setId: integer('set_id')
      .notNull()
      .references(() => baselineSets.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    imageId: integer('image_id').references(() => images.id, { onDelete: 'set null' }),
    md5: text('md5').notNull(),
    width: integer('width').notNull(),
    height: integer('height').notNull(),
  },
  (t) => [
    uniqueIndex('baseline_files_name').on(t.setId, t.name),
    index('baseline_files_image').on(t.imageId),
  ],
);

/** One pull request run compared with a baseline: what the review page /compare/<id> shows. */
export const comparisons = sqliteTable(
  'comparisons',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    project: text('project').notNull(),
    /** What pruning counts by: `pr:<number>`, or `branch:<head branch>`, or ''. */
    scope: text('scope').notNull(),
    baseBranch: text('base_branch').notNull(),
    headBranch: text('head_branch'),
    commit: text('commit'),
    pullRequest: integer('pull_request'),
    baselineSetId: integer('baseline_set_id').references(() => baselineSets.id, {
      onDelete: 'set null',
    }),
    /** Copied from the set, which may be pruned before the comparison. */
    baselineCommit: text('baseline_commit'),
    baselineCreatedAt: integer('baseline_created_at', { mode: 'timestamp_ms' }),
    threshold: real('threshold').notNull(),
    changed: integer('changed').notNull(),
    added: integer('added').notNull(),
    removed: integer('removed').notNull(),
    unchanged: integer('unchanged').notNull(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [index('comparisons_scope').on(t.userId, t.project, t.scope, t.id)],
);

/** One screenshot of a comparison; the images it names may expire before it. */
export const comparisonFiles = sqliteTable(
  'comparison_files',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    comparisonId: integer('comparison_id')
      .notNull()
      .references(() => comparisons.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    status: text('status', { enum: ['changed', 'added', 'removed', 'unchanged'] }).notNull(),
    beforeImageId: integer('before_image_id').references(() => images.id, {
      onDelete: 'set null',
    }),
    afterImageId: integer('after_image_id').references(() => images.id, { onDelete: 'set null' }),
    diffImageId: integer('diff_image_id').references(() => images.id, { onDelete: 'set null' }),
    sizeChanged: integer('size_changed', { mode: 'boolean' }).notNull().default(false),
    changedPixels: integer('changed_pixels').notNull().default(0),
    totalPixels: integer('total_pixels').notNull().default(0),
  },
  (t) => [
    index('comparison_files_comparison').on(t.comparisonId),
    index('comparison_files_before').on(t.beforeImageId),
    index('comparison_files_after').on(t.afterImageId),
    index('comparison_files_diff').on(t.diffImageId),
  ],
);

/**
 * What `upshot-admin import-chevereto` brought over (README: Moving from Chevereto), one
 * row per Chevereto row: a second run skips what is here, so it imports only what is new.
 * `secret` keeps Chevereto's bcrypt hash where one is needed later: an API key's (until
 * the key is first used) and an image's delete password. `legacyPath` is the old file
 * path (without extension) of an image Chevereto kept outside a date folder.
 */
export const cheveretoImports = sqliteTable(
  'chevereto_imports',
  {
    /** 'user', 'category', 'album', 'key' or 'image'. */
    kind: text('kind').notNull(),
    sourceId: integer('source_id').notNull(),
    /** The Upshot row: the same id for albums, categories and images. */
    targetId: integer('target_id').notNull(),
    secret: text('secret'),
    legacyPath: text('legacy_path'),
  },
  (t) => [
    primaryKey({ columns: [t.kind, t.sourceId] }),
    index('chevereto_imports_legacy_path').on(t.legacyPath),
  ],
);

/** Sign-up invitations made by the admin (UPSHOT_SIGNUPS=invite); only the token's hash is kept. */
export const invites = sqliteTable(
  'invites',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    tokenHash: text('token_hash').notNull(),
    createdBy: integer('created_by').references(() => users.id, { onDelete: 'set null' }),
    note: text('note'),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    expiresAt: integer('expires_at', { mode: 'timestamp_ms' }).notNull(),
    usedAt: integer('used_at', { mode: 'timestamp_ms' }),
    usedBy: integer('used_by').references(() => users.id, { onDelete: 'set null' }),
  },
  (t) => [uniqueIndex('invites_token_hash').on(t.tokenHash)],
);

/** One-time password reset links the admin makes for a user; only the token's hash is kept. */
export const passwordResets = sqliteTable(
  'password_resets',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    tokenHash: text('token_hash').notNull(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    expiresAt: integer('expires_at', { mode: 'timestamp_ms' }).notNull(),
    usedAt: integer('used_at', { mode: 'timestamp_ms' }),
  },
  (t) => [
    uniqueIndex('password_resets_token_hash').on(t.tokenHash),
    index('password_resets_user').on(t.userId),
  ],
);

/** Client addresses the admin banned from guest uploads. */
export const bannedAddresses = sqliteTable('banned_addresses', {
  address: text('address').primaryKey(),
  note: text('note'),
  createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
});

/**
 * What became of a removed image's id: deleted, or expired. The viewer answers 410 Gone
 * for these instead of 404, and says which (one small row per removed image).
 */
export const imageTombstones = sqliteTable(
  'image_tombstones',
  {
    id: integer('id').primaryKey(),
    reason: text('reason', { enum: ['deleted', 'expired'] }).notNull(),
    removedAt: integer('removed_at', { mode: 'timestamp_ms' }).notNull(),
    // The file name it had: never given to another upload, because caches keep a
    // file URL's bytes for good (null on tombstones made before names were kept).
    datePath: text('date_path'),
    name: text('name'),
  },
  (t) => [index('image_tombstones_name').on(t.datePath, t.name)],
);
