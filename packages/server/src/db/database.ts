// One way to reach the database, whichever it is: SQLite in the data folder (the embedded
// default) or PostgreSQL (`UPSHOT_DATABASE_URL`). Repositories are written once, against
// the PostgreSQL tables' types. That is safe for SQLite because both schemas declare the
// same columns with the same TypeScript types, and repositories use only what Drizzle's
// two query builders share: select/insert/update/delete, `returning`, `onConflictDo*`,
// operators such as `eq` and `inArray` (which encode values per column), and awaiting a
// query to run it.
//
// SQLite runs on one connection with a synchronous driver, so a transaction that awaits
// would let other requests' queries run inside it. Every SQLite operation therefore goes
// through one queue: cheap, since each statement is synchronous anyway.
import { Database as SqliteHandle } from 'bun:sqlite';
import { mkdirSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { sql } from 'drizzle-orm';
import { drizzle as drizzleSqlite } from 'drizzle-orm/bun-sqlite';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { MIGRATIONS_DIR } from '../paths.ts';
import { translateDatabaseError } from './errors.ts';
import { readMigrationFiles } from './migration-files.ts';
import type { Tables } from './schema/index.ts';

export type Db = PgDatabase<PgQueryResultHKT>;
export type Dialect = 'sqlite' | 'postgres';

export interface Database {
  readonly dialect: Dialect;
  readonly tables: Tables;
  /** Runs queries outside a transaction. */
  run<T>(work: (db: Db) => Promise<T>): Promise<T>;
  /** Runs the work in one transaction: all of it commits, or none. */
  tx<T>(work: (tx: Db) => Promise<T>): Promise<T>;
  /** Resolves when the database answers a query. */
  ping(): Promise<void>;
  close(): Promise<void>;
  /** SQLite only: the open file, for online backups and integrity checks. */
  readonly sqlite: {
    file: string;
    handle: SqliteHandle;
    /** Syncs of the write-ahead log made so far (each covers every commit before it). */
    readonly walSyncs: number;
  } | null;
}

/** A promise chain that runs one task at a time, in order. */
function createSerialQueue() {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(task: () => Promise<T>): Promise<T> => {
    const result = tail.then(task);
    tail = result.catch(() => {});
    return result;
  };
}

const translated = async <T>(work: () => Promise<T>): Promise<T> => {
  try {
    return await work();
  } catch (error) {
    throw translateDatabaseError(error);
  }
};

export interface SqliteOptions {
  /**
   * `FULL` (default): every commit is durable before the operation that made it resolves
   * (an acknowledged upload survives power loss), with the WAL synced off the event loop
   * (createWalSync). `NORMAL`: SQLite's own NORMAL, durable at checkpoints only.
   */
  synchronous?: 'FULL' | 'NORMAL';
}

/**
 * Makes commits durable without blocking the event loop. bun:sqlite is synchronous, so
 * with `PRAGMA synchronous = FULL` every COMMIT waits for an fsync of the WAL on the one
 * JavaScript thread (4-8 ms each while uploads write their files: two per upload). Here
 * SQLite runs with NORMAL, which in WAL mode keeps the database consistent (the WAL header
 * is still synced at each restart, and the WAL before each checkpoint) but leaves the
 * last commits in the page cache; each operation that committed then waits for an
 * fdatasync of the WAL, made on the thread pool, before it resolves. One sync covers every
 * commit written before it began, so commits arriving during a sync share the next one.
 */
function createWalSync(file: string) {
  const wal = `${file}-wal`;
  let committed = 0;
  let durable = 0;
  let syncs = 0;
  let running: Promise<void> | null = null;
  /**
   * The WAL, kept open between syncs (SQLite keeps the same file while this connection is
   * open: it is reset in place, never replaced); its directory entry is synced once.
   */
  let walHandle: Awaited<ReturnType<typeof open>> | null = null;

  async function syncFile(path: string, how: 'data' | 'all'): Promise<void> {
    const handle = await open(path, 'r');
    try {
      await (how === 'data' ? handle.datasync() : handle.sync());
    } finally {
      await handle.close();
    }
  }

  async function syncWal(): Promise<void> {
    if (!walHandle) {
      const handle = await open(wal, 'r');
      await syncFile(dirname(wal), 'all').catch(async (error: unknown) => {
        await handle.close();
        throw error;
      });
      walHandle = handle;
    }
    try {
      await walHandle.datasync();
    } catch (error) {
      // Opened again at the next sync.
      await walHandle.close().catch(() => {});
      walHandle = null;
      throw error;
    }
  }

  async function syncOnce(): Promise<void> {
    const target = committed;
    await syncWal().catch((error: NodeJS.ErrnoException) => {
      // No WAL: its frames went into the database file at a checkpoint (synced by SQLite,
      // and synced again here for good measure).
      if (error.code !== 'ENOENT') throw error;
      return syncFile(file, 'data');
    });
    syncs++;
    durable = Math.max(durable, target);
  }

  return {
    /** Notes a commit; returns its number. */
    committed: () => ++committed,
    /** Every commit so far (what a read may have seen). */
    latest: () => committed,
    /** Resolves once commit `n` and every one before it is on disk. */
    async durable(n: number): Promise<void> {
      while (durable < n) {
        running ??= syncOnce().finally(() => {
          running = null;
        });
        await running;
      }
    },
    get syncs() {
      return syncs;
    },
    async close(): Promise<void> {
      await running?.catch(() => {});
      await walHandle?.close().catch(() => {});
      walHandle = null;
    },
  };
}

/** Opens (creating if needed) the SQLite file in WAL mode and applies pending migrations. */
export async function openSqlite(file: string, options: SqliteOptions = {}): Promise<Database> {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const handle = new SqliteHandle(file, { create: true, strict: true });
  const full = (options.synchronous ?? 'FULL') === 'FULL' && file !== ':memory:';
  handle.exec('PRAGMA busy_timeout = 5000');
  handle.exec('PRAGMA journal_mode = WAL');
  // Migrations commit with SQLite's own FULL sync; everything after through createWalSync.
  handle.exec('PRAGMA synchronous = FULL');
  handle.exec('PRAGMA foreign_keys = ON');
  migrateSqlite(handle);
  handle.exec('PRAGMA synchronous = NORMAL');
  const walSync = full ? createWalSync(file) : null;
  const tables = (await import('./schema/sqlite.ts')) as unknown as Tables;
  // Statements are compiled once and reused (bun:sqlite's query() cache) rather than for
  // every query; the queue below runs one operation at a time, so none is shared while in use.
  const client = {
    prepare: (sql: string) => handle.query(sql),
    exec: (sql: string) => handle.exec(sql),
    transaction: handle.transaction.bind(handle),
  };
  const db = drizzleSqlite({ client: client as unknown as SqliteHandle }) as unknown as Db;
  const queue = createSerialQueue();
  const changes = handle.query<{ n: number }, []>('SELECT total_changes() AS n');
  const totalChanges = () => changes.get()?.n ?? 0;

  /**
   * Runs one operation on the queue, then (outside it, so others go on meanwhile) waits
   * until whatever it committed, or may have read, is durable.
   */
  async function operation<T>(work: () => Promise<T>): Promise<T> {
    let seen = 0;
    const result = await queue(() =>
      translated(async () => {
        const before = totalChanges();
        const value = await work();
        if (walSync) seen = totalChanges() !== before ? walSync.committed() : walSync.latest();
        return value;
      }),
    );
    if (walSync && seen > 0) await translated(() => walSync.durable(seen));
    return result;
  }

  return {
    dialect: 'sqlite',
    tables,
    sqlite: {
      file,
      handle,
      get walSyncs() {
        return walSync?.syncs ?? 0;
      },
    },
    run: (work) => operation(() => work(db)),
    tx: (work) =>
      operation(async () => {
        // IMMEDIATE takes the write lock up front, so two processes sharing the file
        // (a blue/green deploy) wait for each other instead of failing mid-transaction.
        handle.exec('BEGIN IMMEDIATE');
        try {
          const result = await work(db);
          handle.exec('COMMIT');
          return result;
        } catch (error) {
          if (handle.inTransaction) handle.exec('ROLLBACK');
          throw error;
        }
      }),
    ping: () => queue(() => translated(async () => void handle.query('SELECT 1').get())),
    close: async () => {
      await walSync?.durable(walSync.latest());
      await walSync?.close();
      await queue(async () => handle.close());
    },
  };
}

/**
 * Applies Drizzle's generated migrations in one exclusive transaction, so several
 * processes starting on one file at once apply each migration exactly once. The
 * bookkeeping table is Drizzle's own, so databases migrated by earlier versions carry on.
 */
function migrateSqlite(handle: SqliteHandle): void {
  const migrations = readMigrationFiles(join(MIGRATIONS_DIR, 'sqlite'));
  handle.exec('BEGIN EXCLUSIVE');
  try {
    handle.exec(
      'CREATE TABLE IF NOT EXISTS "__drizzle_migrations" (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at numeric)',
    );
    const last = handle
      .query<{ created_at: number }, []>(
        'SELECT created_at FROM "__drizzle_migrations" ORDER BY created_at DESC LIMIT 1',
      )
      .get();
    for (const migration of migrations) {
      if (last && Number(last.created_at) >= migration.folderMillis) continue;
      for (const statement of migration.sql) if (statement.trim()) handle.exec(statement);
      handle
        .query('INSERT INTO "__drizzle_migrations" ("hash", "created_at") VALUES (?, ?)')
        .run(migration.hash, migration.folderMillis);
    }
    handle.exec('COMMIT');
  } catch (error) {
    if (handle.inTransaction) handle.exec('ROLLBACK');
    throw error;
  }
}

export interface PostgresOptions {
  /** Connections per instance (default 10). */
  poolSize?: number;
}

// Any fixed number: every Upshot instance takes this advisory lock to migrate.
const MIGRATION_LOCK = 7_201_990_311;

/**
 * Connects to PostgreSQL with postgres.js and applies pending migrations under an
 * advisory lock, so instances starting together on an empty database come up cleanly.
 */
export async function openPostgres(url: string, options: PostgresOptions = {}): Promise<Database> {
  const { default: postgres } = await import('postgres');
  const { drizzle } = await import('drizzle-orm/postgres-js');
  const { migrate } = await import('drizzle-orm/postgres-js/migrator');
  const client = postgres(url, {
    max: options.poolSize ?? 10,
    idle_timeout: 60,
    connect_timeout: 5,
    onnotice: () => {},
    connection: { application_name: 'upshot' },
  });
  const tables = (await import('./schema/pg.ts')) as unknown as Tables;
  const pgDb = drizzle({ client });
  try {
    const lock = await client.reserve();
    try {
      await lock`SELECT pg_advisory_lock(${MIGRATION_LOCK})`;
      await migrate(pgDb, { migrationsFolder: join(MIGRATIONS_DIR, 'pg') });
    } finally {
      await lock`SELECT pg_advisory_unlock(${MIGRATION_LOCK})`.catch(() => {});
      lock.release();
    }
  } catch (error) {
    await client.end({ timeout: 1 });
    throw translateDatabaseError(error);
  }
  const db = pgDb as unknown as Db;
  return {
    dialect: 'postgres',
    tables,
    sqlite: null,
    run: (work) => translated(() => work(db)),
    tx: (work) => translated(() => db.transaction((tx) => work(tx as unknown as Db))),
    ping: () => translated(async () => void (await db.execute(sql`SELECT 1`))),
    close: () => client.end({ timeout: 5 }),
  };
}

/** PostgreSQL when the URL says so, else SQLite in the data folder. */
export function openDatabase(target: { databaseUrl?: string; dataDir: string }): Promise<Database> {
  if (target.databaseUrl) return openPostgres(target.databaseUrl);
  return openSqlite(join(target.dataDir, 'upshot.sqlite'));
}
