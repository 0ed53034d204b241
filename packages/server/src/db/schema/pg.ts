// The PostgreSQL tables. They mirror sqlite.ts column for column, with the same
// TypeScript types, so repositories are written once (see db/database.ts). A change here
// is made in sqlite.ts too, then `bun run db:generate` writes a migration per dialect.
import { sql } from 'drizzle-orm';
import {
  boolean,
  doublePrecision,
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
  /** Storage quota in MB set by the admin; null: the instance default (UPSHOT_USER_QUOTA_MB). */
  quotaMb: integer('quota_mb'),
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

/** A branch's set of screenshots, recorded by a run on that branch (README: Visual review). */
export const baselineSets = pgTable(
  'baseline_sets',
  {
    id: id(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    project: text('project').notNull(),
    branch: text('branch').notNull(),
    commit: text('commit'),
    createdAt: at('created_at').notNull(),
  },
  (t) => [index('baseline_sets_branch').on(t.userId, t.project, t.branch, t.id)],
);

/** One screenshot of a set. The image may expire before the set: then imageId is null. */
export const baselineFiles = pgTable(
  'baseline_files',
  {
    id: id(),
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
export const comparisons = pgTable(
  'comparisons',
  {
    id: id(),
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
    baselineCreatedAt: at('baseline_created_at'),
    threshold: doublePrecision('threshold').notNull(),
    changed: integer('changed').notNull(),
    added: integer('added').notNull(),
    removed: integer('removed').notNull(),
    unchanged: integer('unchanged').notNull(),
    createdAt: at('created_at').notNull(),
  },
  (t) => [index('comparisons_scope').on(t.userId, t.project, t.scope, t.id)],
);

/** One screenshot of a comparison; the images it names may expire before it. */
export const comparisonFiles = pgTable(
  'comparison_files',
  {
    id: id(),
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
    sizeChanged: boolean('size_changed').notNull().default(false),
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

/** What `upshot-admin import-chevereto` brought over (see sqlite.ts). */
export const cheveretoImports = pgTable(
  'chevereto_imports',
  {
    kind: text('kind').notNull(),
    sourceId: integer('source_id').notNull(),
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
export const invites = pgTable(
  'invites',
  {
    id: id(),
    tokenHash: text('token_hash').notNull(),
    createdBy: integer('created_by').references(() => users.id, { onDelete: 'set null' }),
    note: text('note'),
    createdAt: at('created_at').notNull(),
    expiresAt: at('expires_at').notNull(),
    usedAt: at('used_at'),
    usedBy: integer('used_by').references(() => users.id, { onDelete: 'set null' }),
  },
  (t) => [uniqueIndex('invites_token_hash').on(t.tokenHash)],
);

/** One-time password reset links the admin makes for a user; only the token's hash is kept. */
export const passwordResets = pgTable(
  'password_resets',
  {
    id: id(),
    tokenHash: text('token_hash').notNull(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: at('created_at').notNull(),
    expiresAt: at('expires_at').notNull(),
    usedAt: at('used_at'),
  },
  (t) => [
    uniqueIndex('password_resets_token_hash').on(t.tokenHash),
    index('password_resets_user').on(t.userId),
  ],
);

/** Client addresses the admin banned from guest uploads. */
export const bannedAddresses = pgTable('banned_addresses', {
  address: text('address').primaryKey(),
  note: text('note'),
  createdAt: at('created_at').notNull(),
});

/**
 * What became of a removed image's id: deleted, or expired. The viewer answers 410 Gone
 * for these instead of 404, and says which (one small row per removed image).
 */
export const imageTombstones = pgTable(
  'image_tombstones',
  {
    id: integer('id').primaryKey(),
    reason: text('reason', { enum: ['deleted', 'expired'] }).notNull(),
    removedAt: at('removed_at').notNull(),
    // The file name it had: never given to another upload, because caches keep a
    // file URL's bytes for good (null on tombstones made before names were kept).
    datePath: text('date_path'),
    name: text('name'),
  },
  (t) => [index('image_tombstones_name').on(t.datePath, t.name)],
);
