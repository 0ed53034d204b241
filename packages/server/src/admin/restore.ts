// `upshot-admin restore <dir>`: rebuilds a data folder from a backup. Every file is
// checked against the manifest's size and md5 before anything is written, then the
// database is put in place and the files are stored (in the data folder, or in the
// bucket when UPSHOT_STORAGE=s3).
import { copyFile, mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Config } from '../config.ts';
import { currentProcess } from '../services/process-identity.ts';
import { createLocalStorage } from '../storage/local.ts';
import { createS3Storage } from '../storage/s3.ts';
import { BACKUP_FILES, type BackupManifest, MANIFEST } from './backup.ts';
import { type AdminCommand, UsageError } from './command.ts';
import { sqliteFile } from './context.ts';
import { fileDigest } from './files.ts';

export async function restore(
  config: Config,
  source: string,
  progress: (line: string) => void = () => {},
): Promise<{ images: number; files: number }> {
  if (config.databaseUrl) {
    throw new UsageError(
      'UPSHOT_DATABASE_URL is set: restore a PostgreSQL database with pg_restore (README: Backups)',
    );
  }
  const dir = resolve(source);
  let manifest: BackupManifest;
  try {
    manifest = JSON.parse(await Bun.file(join(dir, MANIFEST)).text()) as BackupManifest;
  } catch {
    throw new UsageError(`${dir} holds no readable ${MANIFEST}`);
  }
  if (manifest.format !== 'upshot-backup' || manifest.version !== 1) {
    throw new UsageError(`${join(dir, MANIFEST)} is not an Upshot backup this version reads`);
  }
  const target = sqliteFile(config.dataDir);
  if (await Bun.file(target).exists()) {
    throw new UsageError(
      `${config.dataDir} already has a database: restore into an empty UPSHOT_DATA_DIR`,
    );
  }

  // Verify everything first: a damaged backup must not half-restore.
  const database = await fileDigest(join(dir, manifest.database.file));
  if (database.md5 !== manifest.database.md5 || database.size !== manifest.database.size) {
    throw new Error(`${manifest.database.file} does not match the manifest`);
  }
  for (const [i, entry] of manifest.files.entries()) {
    const found = await fileDigest(join(dir, BACKUP_FILES, entry.key)).catch(() => null);
    if (!found || found.md5 !== entry.md5 || found.size !== entry.size) {
      throw new Error(`${entry.key} is missing from the backup or does not match the manifest`);
    }
    if ((i + 1) % 500 === 0) progress(`${i + 1} of ${manifest.files.length} files verified`);
  }
  progress(`verified ${manifest.files.length} files and the database`);

  const me = currentProcess();
  const storage =
    config.storage === 's3' && config.s3
      ? createS3Storage(config.s3)
      : createLocalStorage(config.dataDir, { tempPrefix: me.id });
  await mkdir(config.dataDir, { recursive: true });
  for (const [i, entry] of manifest.files.entries()) {
    // Bytes, not the path: a path may be moved into place, and the backup must stay whole.
    const bytes = await Bun.file(join(dir, BACKUP_FILES, entry.key)).bytes();
    await storage.putAll([{ key: entry.key, bytes }]);
    if ((i + 1) % 500 === 0) progress(`${i + 1} of ${manifest.files.length} files stored`);
  }
  // The database last: a restore cut short leaves no database naming missing files.
  await copyFile(join(dir, manifest.database.file), `${target}.restoring`);
  await rm(target, { force: true });
  await rename(`${target}.restoring`, target);
  const left = await readdir(config.dataDir);
  progress(
    `restored ${manifest.images} images and ${manifest.files.length} files into ${config.dataDir} (${left.length} entries)`,
  );
  return { images: manifest.images, files: manifest.files.length };
}

export const restoreCommand: AdminCommand = {
  name: 'restore',
  summary: 'Rebuild a data folder from a backup (verified against its manifest)',
  usage: `Usage: bun run upshot-admin restore <dir>

Checks every file of the backup in <dir> against its manifest, then stores the files
(in UPSHOT_DATA_DIR, or the bucket with UPSHOT_STORAGE=s3) and puts the database in
place in UPSHOT_DATA_DIR, which must not have one yet. Start the server on it after.`,
  async run(args, config) {
    if (args.length !== 1 || args[0]!.startsWith('-')) throw new UsageError('give one folder');
    await restore(config, args[0]!, (line) => console.log(line));
    return 0;
  },
};
