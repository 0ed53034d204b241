import { describe, expect, test } from 'bun:test';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalStorage } from '../src/storage/local.ts';

async function withRoot(run: (root: string) => Promise<void>) {
  const root = await mkdtemp(join(tmpdir(), 'upshot-storage-'));
  try {
    await run(root);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

const all = async (root: string) =>
  (await readdir(root, { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile())
    .map((e) => e.name)
    .sort();

describe('local storage', () => {
  test('writes files into their date folders and reads them back', () =>
    withRoot(async (root) => {
      const storage = createLocalStorage(root);
      await storage.putAll([
        { key: 'images/2026/11/27/a.png', bytes: new Uint8Array([1, 2, 3]) },
        { key: 'images/2026/11/27/a.th.png', bytes: new Uint8Array([4]) },
      ]);
      expect([...(await readFile(join(root, 'images/2026/11/27/a.png')))]).toEqual([1, 2, 3]);
      const stored = await storage.get('images/2026/11/27/a.png');
      expect(stored?.size).toBe(3);
      expect([...new Uint8Array(await new Response(stored!.body(1, 3)).arrayBuffer())]).toEqual([
        2, 3,
      ]);
      expect(await storage.exists('images/2026/11/27/a.th.png')).toBe(true);
      await storage.deleteAll([
        'images/2026/11/27/a.png',
        'images/2026/11/27/a.th.png',
        'images/2026/11/27/missing.png',
      ]);
      expect(await all(root)).toEqual([]);
    }));

  test('all or nothing: when one file cannot be placed, none is left, nor any temp file', () =>
    withRoot(async (root) => {
      const storage = createLocalStorage(root);
      // A directory where the second file should go makes its rename fail.
      await mkdir(join(root, 'images/2026/11/27/b.th.png'), { recursive: true });
      const attempt = storage.putAll([
        { key: 'images/2026/11/27/b.png', bytes: new Uint8Array([1]) },
        { key: 'images/2026/11/27/b.th.png', bytes: new Uint8Array([2]) },
      ]);
      await expect(attempt).rejects.toThrow();
      expect(await all(root)).toEqual([]);
    }));

  test('refuses keys that leave the root', () =>
    withRoot(async (root) => {
      const storage = createLocalStorage(root);
      for (const key of [
        '../x.png',
        'images/../../x.png',
        '/etc/passwd',
        'images/.hidden',
        'a\\b',
      ]) {
        await expect(storage.putAll([{ key, bytes: new Uint8Array([1]) }])).rejects.toThrow(
          'Unsafe storage key',
        );
        expect(await storage.get(key)).toBeNull();
      }
    }));
});
