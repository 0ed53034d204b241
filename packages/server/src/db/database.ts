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
import { dirname, join } from 'node:path';
import { sql } from 'drizzle-orm';
import { drizzle as drizzleSqlite } from 'drizzle-orm/bun-sqlite';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { translateDatabaseError } from './errors.ts';
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
  readonly sqlite: { file: string; handle: SqliteHandle } | null;
}

const MIGRATIONS = join(import.meta.dir, '..', '..', 'drizzle');

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
  /** `FULL` (default) syncs the WAL at every commit: an acknowledged upload survives power loss. */
  synchronous?: 'FULL' | 'NORMAL';
}

/** Opens (creating if needed) the SQLite file in WAL mode and applies pending migrations. */
export async function openSqlite(file: string, options: SqliteOptions = {}): Promise<Database> {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const handle = new SqliteHandle(file, { create: true, strict: true });
  handle.exec('PRAGMA busy_timeout = 5000');
  handle.exec('PRAGMA journal_mode = WAL');
  handle.exec(`PRAGMA synchronous = ${options.synchronous ?? 'FULL'}`);
  handle.exec('PRAGMA foreign_keys = ON');
  migrateSqlite(handle);
  const tables = (await import('./schema/sqlite.ts')) as unknown as Tables;
  const db = drizzleSqlite({ client: handle }) as unknown as Db;
  const queue = createSerialQueue();
  return {
    dialect: 'sqlite',
    tables,
    sqlite: { file, handle },
    run: (work) => queue(() => translated(() => work(db))),
    tx: (work) =>
      queue(() =>
        translated(async () => {
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
      ),
    ping: () => queue(() => translated(async () => void handle.query('SELECT 1').get())),
    close: async () => {
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
  const migrations = readMigrationFiles({ migrationsFolder: join(MIGRATIONS, 'sqlite') });
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
      await migrate(pgDb, { migrationsFolder: join(MIGRATIONS, 'pg') });
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
