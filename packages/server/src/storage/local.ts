import { copyFile, mkdir, open, readdir, rename, rm, stat, statfs } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { randomText } from '../crypto.ts';
import {
  isSafeKey,
  type ListedObject,
  type Storage,
  StorageFullError,
  type StoredFile,
  type StoredObject,
} from './storage.ts';

export interface LocalStorageOptions {
  /** Prefix of temp file names, so a restart can tell its own leftovers (jobs/janitor.ts). */
  tempPrefix?: string;
  /**
   * Bytes that must stay free after a write. The database lives on the same disk: with
   * this headroom it can still record deletions (which free space) and sessions when
   * uploads are being refused for lack of room.
   */
  minFreeBytes?: number;
}

/**
 * Files on local disk under `root`. Each file is written to a temporary name in the
 * same file system, synced, renamed into place, and its folder synced: a reader never
 * sees half a file, and a file that was reported stored survives a power loss.
 */
export function createLocalStorage(root: string, options: LocalStorageOptions = {}): Storage {
  const base = resolve(root);
  const tmpDir = join(base, '.tmp');
  const prefix = options.tempPrefix ?? 'x';
  const minFree = options.minFreeBytes ?? 0;

  /** Refuses a write that would leave less than `minFree` bytes on the disk. */
  async function checkRoom(files: StoredFile[]): Promise<void> {
    if (minFree <= 0) return;
    let needed = 0;
    for (const file of files) {
      // A file that arrived on this disk is moved, not copied: it needs no more room.
      if ('bytes' in file) needed += file.bytes.byteLength;
    }
    const info = await statfs(base).catch(() => null);
    if (info && info.bavail * info.bsize < needed + minFree) {
      throw new StorageFullError('No space left on storage');
    }
  }

  const pathOf = (key: string): string => {
    if (!isSafeKey(key)) throw new Error('Unsafe storage key');
    const path = resolve(base, key);
    if (!path.startsWith(base + sep)) throw new Error('Unsafe storage key');
    return path;
  };

  const tempName = () => join(tmpDir, `${prefix}-${randomText(12)}.part`);

  async function syncPath(path: string, flags: string): Promise<void> {
    const handle = await open(path, flags);
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  /** The file's bytes under a temp name, synced; a path on this disk is moved, not copied. */
  async function writeTemp(file: StoredFile): Promise<string> {
    const tmp = tempName();
    try {
      if ('path' in file) {
        const moved = await rename(file.path, tmp).then(
          () => true,
          () => false,
        );
        if (!moved) await copyFile(file.path, tmp);
        await syncPath(tmp, 'r+');
        return tmp;
      }
      const handle = await open(tmp, 'wx', 0o644);
      try {
        await handle.writeFile(file.bytes);
        await handle.sync();
      } finally {
        await handle.close();
      }
      return tmp;
    } catch (error) {
      await rm(tmp, { force: true });
      throw translate(error);
    }
  }

  async function* walk(dir: string): AsyncIterable<ListedObject> {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) yield* walk(path);
      else if (entry.isFile()) {
        const info = await stat(path).catch(() => null);
        if (info) {
          yield {
            key: relative(base, path).split(sep).join('/'),
            size: info.size,
            modifiedAt: info.mtime,
          };
        }
      }
    }
  }

  return {
    kind: 'local',

    async putAll(files: StoredFile[]) {
      const targets = files.map((file) => pathOf(file.key));
      await checkRoom(files);
      const temps: string[] = [];
      const placed: string[] = [];
      try {
        await mkdir(tmpDir, { recursive: true });
        // Written (and synced) side by side; placed only when every one is on disk.
        const written = await Promise.allSettled(files.map((file) => writeTemp(file)));
        for (const result of written) if (result.status === 'fulfilled') temps.push(result.value);
        const failed = written.find((result) => result.status === 'rejected');
        if (failed) throw failed.reason;
        const folders = new Set(targets.map((target) => dirname(target)));
        await Promise.all([...folders].map((folder) => mkdir(folder, { recursive: true })));
        for (const [i, target] of targets.entries()) {
          await rename(temps[i]!, target);
          placed.push(target);
        }
        // The renames are durable once their folders are synced.
        await Promise.all([...folders].map((folder) => syncPath(folder, 'r')));
      } catch (error) {
        await Promise.all([...temps, ...placed].map((path) => rm(path, { force: true })));
        throw translate(error);
      }
    },

    async deleteAll(keys: string[]) {
      await Promise.all(keys.map((key) => rm(pathOf(key), { force: true })));
    },

    async exists(key: string) {
      try {
        return (await stat(pathOf(key))).isFile();
      } catch {
        return false;
      }
    },

    async get(key: string): Promise<StoredObject | null> {
      if (!isSafeKey(key)) return null;
      const path = pathOf(key);
      let info: Awaited<ReturnType<typeof stat>>;
      try {
        info = await stat(path);
      } catch {
        return null;
      }
      if (!info.isFile()) return null;
      const file = Bun.file(path);
      return {
        size: info.size,
        modifiedAt: info.mtime,
        body: (start, end) => (start === undefined ? file : file.slice(start, end)),
      };
    },

    list(prefixKey: string): AsyncIterable<ListedObject> {
      const dir = prefixKey === '' ? base : pathOf(prefixKey.replace(/\/+$/, ''));
      return walk(dir);
    },

    async ping() {
      await mkdir(base, { recursive: true });
    },
  };
}

function translate(error: unknown): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT')
    return new StorageFullError('No space left on storage');
  return error;
}
