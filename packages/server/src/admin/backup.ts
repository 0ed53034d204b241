// `upshot-admin backup <dir>`: a consistent snapshot of a running server's SQLite database
// (SQLite's VACUUM INTO, never a copy of the live file and its WAL) plus every file the
// snapshot names, and a manifest with their sizes and md5s. While it runs, removed images'
// files are kept (the removal job waits for the backup's lease), so nothing the snapshot
// names disappears before it is copied.
import { Database as SqliteHandle } from 'bun:sqlite';
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Config } from '../config.ts';
import { openSqlite } from '../db/database.ts';
import { createRepositories } from '../db/repositories/index.ts';
import { BACKUP_LEASE } from '../jobs/file-deletions.ts';
import { variantsOf } from '../services/images/files.ts';
import { type AdminCommand, UsageError } from './command.ts';
import { openAdminContext } from './context.ts';
import { copyObjectToFile, fileDigest } from './files.ts';

export const MANIFEST = 'manifest.json';
export const BACKUP_DATABASE = 'upshot.sqlite';
export const BACKUP_FILES = 'files';

export interface BackupManifest {
  format: 'upshot-backup';
  version: 1;
  createdAt: string;
  database: { file: string; size: number; md5: string };
  images: number;
  files: Array<{ key: string; size: number; md5: string }>;
}

/** The lease is held this long and renewed while the backup copies. */
const LEASE_MS = 5 * 60_000;

export async function backup(
  config: Config,
  target: string,
  progress: (line: string) => void = () => {},
): Promise<BackupManifest> {
  const dir = resolve(target);
  const existing = await readdir(dir).catch(() => null);
  if (existing && existing.length > 0) throw new UsageError(`${dir} is not empty`);
  const context = await openAdminContext(config);
  const { database, repos, storage, holder } = context;
  try {
    if (!database.sqlite) {
      throw new Error(
        'this database is PostgreSQL: back it up with pg_dump and the bucket with its own versioning (README: Backups)',
      );
    }
    await mkdir(dir, { recursive: true });
    const renew = () => repos.system.acquireLease(BACKUP_LEASE, holder, LEASE_MS, new Date());
    if (!(await renew())) throw new Error('another backup is running');
    const keepAlive = setInterval(() => void renew().catch(() => {}), LEASE_MS / 3);
    try {
      // 1. The snapshot: one consistent view of every table, taken while the server runs.
      const snapshotPath = join(dir, BACKUP_DATABASE);
      database.sqlite.handle.exec(`VACUUM INTO '${snapshotPath.replaceAll("'", "''")}'`);
      // Process state does not belong in a backup: uploads in flight were never
      // acknowledged, instances and leases are of processes that will not exist.
      const raw = new SqliteHandle(snapshotPath);
      raw.exec(
        "DELETE FROM images WHERE status = 'pending'; DELETE FROM instances; DELETE FROM leases; DELETE FROM file_deletions; DELETE FROM counters;",
      );
      raw.close();
      progress(`database snapshot: ${snapshotPath}`);

      // 2. Every file the snapshot names, copied and hashed.
      const snapshot = await openSqlite(snapshotPath);
      const files: BackupManifest['files'] = [];
      let images = 0;
      try {
        const snapshotRepos = createRepositories(snapshot);
        for (let after = 0; ; ) {
          const page = await snapshotRepos.images.listPage(after, 200);
          if (page.length === 0) break;
          after = page.at(-1)!.id;
          for (const row of page) {
            images++;
            for (const variant of variantsOf(row)) {
              const object = await storage.get(variant.key);
              if (!object) {
                throw new Error(`${variant.key} is named by image ${row.id} but is missing`);
              }
              const copied = await copyObjectToFile(object, join(dir, BACKUP_FILES, variant.key));
              files.push({ key: variant.key, ...copied });
            }
          }
          progress(`${images} images, ${files.length} files copied`);
        }
      } finally {
        await snapshot.close();
      }
      const manifest: BackupManifest = {
        format: 'upshot-backup',
        version: 1,
        createdAt: new Date().toISOString(),
        database: { file: BACKUP_DATABASE, ...(await fileDigest(snapshotPath)) },
        images,
        files,
      };
      await writeFile(join(dir, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
      progress(`backup complete: ${images} images, ${files.length} files in ${dir}`);
      return manifest;
    } finally {
      clearInterval(keepAlive);
      await repos.system.releaseLease(BACKUP_LEASE, holder).catch(() => {});
    }
  } finally {
    await context.close();
  }
}

export const backupCommand: AdminCommand = {
  name: 'backup',
  summary: 'Snapshot the database and copy every file, with a manifest (server may run)',
  usage: `Usage: bun run upshot-admin backup <dir>

Writes a consistent snapshot of the SQLite database (VACUUM INTO), every stored file the
snapshot names, and manifest.json with each file's size and md5, into <dir> (new or
empty). Safe while the server runs. On PostgreSQL use pg_dump and bucket versioning
instead (README: Backups).`,
  async run(args, config) {
    if (args.length !== 1 || args[0]!.startsWith('-')) throw new UsageError('give one folder');
    const started = Date.now();
    await backup(config, args[0]!, (line) => console.log(line));
    const size = (await stat(join(resolve(args[0]!), MANIFEST))).size;
    console.log(`took ${((Date.now() - started) / 1000).toFixed(1)} s (manifest ${size} bytes)`);
    return 0;
  },
};
