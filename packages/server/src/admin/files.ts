import { createHash } from 'node:crypto';
import { mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { StoredObject } from '../storage/storage.ts';

/** Reads a stored object's bytes in order, as a stream, whatever the driver gave. */
export async function* objectChunks(object: StoredObject): AsyncGenerator<Uint8Array> {
  const body = object.body();
  const stream = body instanceof Blob ? body.stream() : body;
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

/** Writes a stored object to a local file, synced; returns its size and md5. */
export async function copyObjectToFile(
  object: StoredObject,
  path: string,
): Promise<{ size: number; md5: string }> {
  await mkdir(dirname(path), { recursive: true });
  const hash = createHash('md5');
  let size = 0;
  const handle = await open(path, 'w', 0o644);
  try {
    for await (const chunk of objectChunks(object)) {
      hash.update(chunk);
      size += chunk.byteLength;
      await handle.write(chunk);
    }
    await handle.sync();
  } finally {
    await handle.close();
  }
  return { size, md5: hash.digest('hex') };
}

/** md5 and size of a local file, read as a stream. */
export async function fileDigest(path: string): Promise<{ size: number; md5: string }> {
  const hash = createHash('md5');
  let size = 0;
  const reader = Bun.file(path).stream().getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    hash.update(value);
    size += value.byteLength;
  }
  return { size, md5: hash.digest('hex') };
}
