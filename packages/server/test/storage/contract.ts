/**
 * What every storage driver must do (src/storage/storage.ts), written once and run for each
 * driver: local.test.ts and s3.test.ts.
 */
import { expect, test } from 'bun:test';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ListedObject, Storage } from '../../src/storage/storage.ts';

export const readBody = async (body: Blob | ReadableStream<Uint8Array>): Promise<Uint8Array> =>
  new Uint8Array(await new Response(body).arrayBuffer());

export async function listAll(storage: Storage, prefix: string): Promise<ListedObject[]> {
  const found: ListedObject[] = [];
  for await (const entry of storage.list(prefix)) found.push(entry);
  return found.sort((a, b) => a.key.localeCompare(b.key));
}

/** Bytes that differ at every position, so a shifted range would not compare equal. */
export const patterned = (length: number, seed = 7): Uint8Array =>
  Uint8Array.from({ length }, (_, i) => (i * 31 + seed + (i >> 8)) % 256);

/** A temp folder for local source files, removed after the test. */
async function withTemp<T>(run: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'upshot-contract-'));
  try {
    return await run(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Registers the contract's tests. `make` gives a storage that holds nothing yet (a fresh
 * folder, or a fresh key prefix in the bucket) each time it is called.
 */
export function storageContract(make: () => Promise<Storage>): void {
  test('stores bytes and reads them back: size, date, the whole body and byte ranges', async () => {
    const storage = await make();
    const bytes = patterned(5000);
    const before = Date.now();
    await storage.putAll([
      { key: 'images/2026/11/27/a.png', bytes },
      { key: 'images/2026/11/27/a.th.png', bytes: new Uint8Array([4, 5]) },
    ]);
    const stored = await storage.get('images/2026/11/27/a.png');
    expect(stored).not.toBeNull();
    expect(stored!.size).toBe(5000);
    // Object stores keep whole seconds.
    expect(stored!.modifiedAt.getTime()).toBeGreaterThanOrEqual(before - 2000);
    expect(stored!.modifiedAt.getTime()).toBeLessThanOrEqual(Date.now() + 2000);
    expect(await readBody(stored!.body())).toEqual(bytes);
    expect(await readBody(stored!.body(1, 3))).toEqual(bytes.slice(1, 3));
    expect(await readBody(stored!.body(4990))).toEqual(bytes.slice(4990));
    expect(await readBody(stored!.body(0, 1))).toEqual(bytes.slice(0, 1));
    expect(await readBody(stored!.body(7, 7))).toEqual(new Uint8Array(0));
    expect(await storage.exists('images/2026/11/27/a.th.png')).toBe(true);
  });

  test('stores a file from a local path', () =>
    withTemp(async (dir) => {
      const storage = await make();
      const bytes = patterned(70_000, 3);
      const source = join(dir, 'upload.part');
      await writeFile(source, bytes);
      await storage.putAll([{ key: 'images/2026/11/27/b.jpeg', path: source }]);
      const stored = await storage.get('images/2026/11/27/b.jpeg');
      expect(stored?.size).toBe(bytes.length);
      expect(await readBody(stored!.body())).toEqual(bytes);
    }));

  test('an empty file is stored and read back empty', async () => {
    const storage = await make();
    await storage.putAll([{ key: 'images/empty.bin', bytes: new Uint8Array(0) }]);
    const stored = await storage.get('images/empty.bin');
    expect(stored?.size).toBe(0);
    expect(await readBody(stored!.body())).toEqual(new Uint8Array(0));
  });

  test('a missing file is null and does not exist; that is no error', async () => {
    const storage = await make();
    expect(await storage.get('images/2026/11/27/missing.png')).toBeNull();
    expect(await storage.exists('images/2026/11/27/missing.png')).toBe(false);
  });

  test('deleteAll removes the files and ignores the ones that are not there', async () => {
    const storage = await make();
    await storage.putAll([
      { key: 'images/x/c.png', bytes: new Uint8Array([1]) },
      { key: 'images/x/c.th.png', bytes: new Uint8Array([2]) },
      { key: 'images/x/kept.png', bytes: new Uint8Array([3]) },
    ]);
    await storage.deleteAll(['images/x/c.png', 'images/x/c.th.png', 'images/x/never.png']);
    expect(await storage.exists('images/x/c.png')).toBe(false);
    expect(await storage.get('images/x/c.th.png')).toBeNull();
    expect((await listAll(storage, 'images/')).map((entry) => entry.key)).toEqual([
      'images/x/kept.png',
    ]);
    await storage.deleteAll([]);
  });

  test('list yields every object under a prefix with its size, and nothing else', async () => {
    const storage = await make();
    await storage.putAll([
      { key: 'images/2026/01/01/a.png', bytes: new Uint8Array(3) },
      { key: 'images/2026/01/02/b.png', bytes: new Uint8Array(5) },
      { key: 'videos/2026/01/01/c.mp4', bytes: new Uint8Array(7) },
    ]);
    const images = await listAll(storage, 'images/');
    expect(images.map(({ key, size }) => ({ key, size }))).toEqual([
      { key: 'images/2026/01/01/a.png', size: 3 },
      { key: 'images/2026/01/02/b.png', size: 5 },
    ]);
    for (const entry of images) expect(entry.modifiedAt).toBeInstanceOf(Date);
    expect((await listAll(storage, '')).map((entry) => entry.key)).toEqual([
      'images/2026/01/01/a.png',
      'images/2026/01/02/b.png',
      'videos/2026/01/01/c.mp4',
    ]);
    expect(await listAll(storage, 'images/2026/01/02/')).toHaveLength(1);
    expect(await listAll(storage, 'audio/')).toEqual([]);
  });

  test('all or nothing: when one file cannot be stored, the others are removed again', async () => {
    const storage = await make();
    const attempt = storage.putAll([
      { key: 'images/y/d.png', bytes: patterned(1000) },
      { key: 'images/y/d.th.png', path: join(tmpdir(), 'upshot-no-such-file', 'gone.part') },
    ]);
    await expect(attempt).rejects.toThrow();
    expect(await storage.exists('images/y/d.png')).toBe(false);
    expect(await listAll(storage, '')).toEqual([]);
  });

  test('keys that would leave the storage are refused', async () => {
    const storage = await make();
    for (const key of ['../x.png', 'images/../../x.png', '/etc/passwd', 'images/.hidden', 'a\\b']) {
      await expect(storage.putAll([{ key, bytes: new Uint8Array([1]) }])).rejects.toThrow(
        'Unsafe storage key',
      );
      expect(await storage.get(key)).toBeNull();
      expect(await storage.exists(key)).toBe(false);
    }
    expect(await listAll(storage, '')).toEqual([]);
  });

  test('ping resolves when the storage answers', async () => {
    const storage = await make();
    await storage.ping();
  });
}
