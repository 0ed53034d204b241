import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import {
  isSafeKey,
  type Storage,
  StorageFullError,
  type StoredFile,
  type StoredObject,
} from './storage.ts';

/**
 * Files on local disk under `root`. Each file is written to a temporary name in the
 * same file system and renamed into place, so a reader never sees half a file.
 */
export function createLocalStorage(root: string): Storage {
  const base = resolve(root);
  const tmpDir = join(base, '.tmp');

  const pathOf = (key: string): string => {
    if (!isSafeKey(key)) throw new Error('Unsafe storage key');
    const path = resolve(base, key);
    if (!path.startsWith(base + sep)) throw new Error('Unsafe storage key');
    return path;
  };

  async function writeTemp(bytes: Uint8Array): Promise<string> {
    await mkdir(tmpDir, { recursive: true });
    const tmp = join(tmpDir, `${randomBytes(12).toString('hex')}.part`);
    const handle = await open(tmp, 'wx', 0o644);
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } catch (error) {
      await handle.close().catch(() => {});
      await rm(tmp, { force: true });
      throw translate(error);
    }
    await handle.close();
    return tmp;
  }

  return {
    async putAll(files: StoredFile[]) {
      const targets = files.map((file) => pathOf(file.key));
      const temps: string[] = [];
      const placed: string[] = [];
      try {
        // Written (and synced) side by side; placed only when every one is on disk.
        const written = await Promise.allSettled(files.map((file) => writeTemp(file.bytes)));
        for (const result of written) if (result.status === 'fulfilled') temps.push(result.value);
        const failed = written.find((result) => result.status === 'rejected');
        if (failed) throw failed.reason;
        for (const [i, target] of targets.entries()) {
          await mkdir(dirname(target), { recursive: true });
          await rename(temps[i]!, target);
          placed.push(target);
        }
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
  };
}

function translate(error: unknown): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT')
    return new StorageFullError('No space left on storage');
  return error;
}
