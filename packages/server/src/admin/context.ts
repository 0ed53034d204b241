import { join } from 'node:path';
import type { Config } from '../config.ts';
import { type Database, openDatabase } from '../db/database.ts';
import { createRepositories, type Repositories } from '../db/repositories/index.ts';
import { currentProcess } from '../services/process-identity.ts';
import { createLocalStorage } from '../storage/local.ts';
import { createS3Storage } from '../storage/s3.ts';
import type { Storage } from '../storage/storage.ts';

export interface AdminContext {
  config: Config;
  database: Database;
  repos: Repositories;
  storage: Storage;
  /** The process's id (leases, temp names). */
  holder: string;
  close(): Promise<void>;
}

/** The database and storage the server would use, without starting a server. */
export async function openAdminContext(config: Config): Promise<AdminContext> {
  const database = await openDatabase(config);
  const me = currentProcess();
  const storage =
    config.storage === 's3' && config.s3
      ? createS3Storage(config.s3)
      : createLocalStorage(config.dataDir, { tempPrefix: me.id });
  return {
    config,
    database,
    repos: createRepositories(database),
    storage,
    holder: `admin-${me.id}`,
    close: () => database.close(),
  };
}

/** The SQLite file of a data folder (the embedded default). */
export const sqliteFile = (dataDir: string) => join(dataDir, 'upshot.sqlite');
