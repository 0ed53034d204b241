// An imported image's files: read from Chevereto's folder (never moved or changed), stored
// through Upshot's Storage all at once, then read back and compared by size and md5.
import { createHash, randomBytes } from 'node:crypto';
import { copyFile, mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Storage, StoredFile } from '../../storage/storage.ts';
import { fileDigest, objectChunks } from '../files.ts';

/** Files up to this size are read into memory; bigger ones are copied to a temp file. */
const IN_MEMORY = 16 * 1024 * 1024;

export interface SourceFile {
  /** Storage key in Upshot. */
  key: string;
  /** Path in Chevereto's folder. */
  path: string;
}

export interface Stored {
  key: string;
  size: number;
}

/** A file that is not there, or not readable: the row names it in the report. */
export class MissingFile extends Error {
  override name = 'MissingFile';
}

/** Size of a regular file, or null when there is none. */
export async function fileSize(path: string): Promise<number | null> {
  try {
    const info = await stat(path);
    return info.isFile() ? info.size : null;
  } catch {
    return null;
  }
}

async function storedDigest(storage: Storage, key: string) {
  const object = await storage.get(key);
  if (!object) return null;
  const hash = createHash('md5');
  let size = 0;
  for await (const chunk of objectChunks(object)) {
    hash.update(chunk);
    size += chunk.byteLength;
  }
  return { size, md5: hash.digest('hex') };
}

/**
 * Stores the files of one image (all or none) and checks each one read back from the
 * storage has the size and md5 of its source. Returns each file's size and the main
 * file's md5.
 */
export async function copyFiles(
  storage: Storage,
  files: SourceFile[],
  tempDir: string,
): Promise<Array<Stored & { md5: string }>> {
  const prepared: Array<{ file: StoredFile; size: number; md5: string; temp: string | null }> = [];
  try {
    for (const source of files) {
      const size = await fileSize(source.path);
      if (size === null) throw new MissingFile(`${source.path} is missing`);
      if (size <= IN_MEMORY) {
        const bytes = await Bun.file(source.path).bytes();
        const md5 = createHash('md5').update(bytes).digest('hex');
        prepared.push({
          file: { key: source.key, bytes },
          size: bytes.byteLength,
          md5,
          temp: null,
        });
      } else {
        // Storage may move a path into place: it gets a copy, never Chevereto's file.
        await mkdir(tempDir, { recursive: true });
        const temp = join(tempDir, `chevereto-${randomBytes(8).toString('hex')}.part`);
        await copyFile(source.path, temp);
        prepared.push({ file: { key: source.key, path: temp }, ...(await fileDigest(temp)), temp });
      }
    }
    await storage.putAll(prepared.map((item) => item.file));
  } finally {
    await Promise.all(
      prepared.map((item) => (item.temp ? rm(item.temp, { force: true }) : undefined)),
    );
  }
  for (const item of prepared) {
    const back = await storedDigest(storage, item.file.key);
    if (!back || back.size !== item.size || back.md5 !== item.md5) {
      await storage.deleteAll(prepared.map((p) => p.file.key));
      throw new Error(`${item.file.key} read back with another size or md5`);
    }
  }
  return prepared.map((item) => ({ key: item.file.key, size: item.size, md5: item.md5 }));
}
