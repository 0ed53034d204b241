// A full disk under the whole data folder (SQLite and files on one small tmpfs): uploads
// get the contract's 507, nothing is half-written, the server keeps serving and keyed
// requests keep working, and uploads work again once space is freed, without a restart.
import { Database } from 'bun:sqlite';
import { describe, expect, test } from 'bun:test';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import sharp from 'sharp';
import { file } from '../helpers/images.ts';
import { startTestServer } from '../helpers/server.ts';

/** Mounts a tmpfs of `size` on `dir`; the suite runs as root in CI, which may mount. */
function mountTmpfs(dir: string, size: string): void {
  const result = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]);
  if (result.status !== 0) {
    throw new Error(
      `this test mounts a small tmpfs and needs root (CI runs as root): ${result.stderr}`,
    );
  }
}

let noiseSeed = 0;
/** A PNG of random noise: it does not compress, so each one takes real room. */
async function noisePng(side: number): Promise<Uint8Array> {
  return new Uint8Array(
    await sharp({
      create: {
        width: side,
        height: side,
        channels: 3,
        background: { r: noiseSeed++ % 255, g: 0, b: 0 },
        noise: { type: 'gaussian', mean: 128, sigma: 90 },
      },
    })
      .png()
      .toBuffer(),
  );
}

async function filesUnder(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(root, join(entry.parentPath, entry.name)));
}

/** Fills what is left of the disk with a file (until ENOSPC), as another program would. */
function fillDisk(path: string): void {
  spawnSync('dd', ['if=/dev/zero', `of=${path}`, 'bs=64k'], { stdio: 'ignore' });
}

describe('disk full', () => {
  test('uploads stop at the free-space floor with a 507; deleting frees room and they work again', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'upshot-full-'));
    mountTmpfs(dataDir, '6m');
    const server = await startTestServer({ UPSHOT_MIN_FREE_MB: '1' }, { dataDir });
    try {
      const stored: Array<{ url: string; delete_url: string }> = [];
      let full: Response | null = null;
      for (let i = 0; i < 60 && !full; i++) {
        const res = await server.upload({
          source: file(new Uint8Array(await noisePng(300)), `n${i}.png`),
        });
        if (res.status === 200) stored.push((await res.json()).image);
        else full = res;
      }
      expect(full).not.toBeNull();
      expect({ status: full!.status, body: await full!.json() }).toEqual({
        status: 507,
        body: {
          status_code: 507,
          error: { message: 'No space left on storage', code: 104 },
          status_txt: 'Insufficient Storage',
        },
      });
      expect(stored.length).toBeGreaterThan(3);
      for (const image of stored) expect((await fetch(image.url)).status).toBe(200);
      await expectNothingHalfWritten(dataDir, stored.length);

      // The database kept its headroom: deletions (which free space) still work.
      for (const image of stored.splice(0, Math.ceil(stored.length / 2))) {
        expect((await fetch(image.delete_url, { method: 'POST' })).status).toBe(200);
      }
      await server.upshot.sweepNow();
      const again = await server.upload({
        source: file(new Uint8Array(await noisePng(150)), 'again.png'),
      });
      expect(again.status).toBe(200);
      expect((await fetch((await again.json()).image.url)).status).toBe(200);
    } finally {
      await server.stop();
      // Lazily: a file a reply had open may be released a moment later.
      spawnSync('umount', ['-l', dataDir]);
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 120_000);

  test('a disk filled to the last byte by someone else: 507 (database or files), never a 500, and back once freed', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'upshot-full-'));
    mountTmpfs(dataDir, '8m');
    const server = await startTestServer({ UPSHOT_MIN_FREE_MB: '0' }, { dataDir });
    try {
      const before = await server.upload({
        source: file(new Uint8Array(await noisePng(100)), 'before.png'),
      });
      expect(before.status).toBe(200);
      const kept = (await before.json()).image;
      const ballast = join(dataDir, 'ballast');
      fillDisk(ballast);
      for (let i = 0; i < 5; i++) {
        const res = await server.upload({
          source: file(new Uint8Array(await noisePng(120 + i)), `full${i}.png`),
        });
        expect({ attempt: i, status: res.status, code: (await res.json()).error?.code }).toEqual({
          attempt: i,
          status: 507,
          code: 104,
        });
      }
      // Still serving, and keyed requests still answer (a key's last-use write may fail).
      expect((await fetch(kept.url)).status).toBe(200);
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
      const badKey = await server.upload(
        { source: file(new Uint8Array(await noisePng(10)), 'k.png') },
        { key: 'not-a-key-0123456789abcdef' },
      );
      expect(badKey.status).toBe(401);
      await expectNothingHalfWritten(dataDir, 1);

      // Space comes back: uploads work again, without a restart.
      await rm(ballast);
      const again = await server.upload({
        source: file(new Uint8Array(await noisePng(140)), 'again.png'),
      });
      expect(again.status).toBe(200);
      expect((await fetch((await again.json()).image.url)).status).toBe(200);
    } finally {
      await server.stop();
      spawnSync('umount', ['-l', dataDir]);
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});

/** Every row is live and has its main file, and no temp file is left. */
async function expectNothingHalfWritten(dataDir: string, rowsExpected: number) {
  const db = new Database(join(dataDir, 'upshot.sqlite'), { readonly: true });
  const rows = db.query('SELECT status, date_path, name, extension FROM images').all() as Array<{
    status: string;
    date_path: string;
    name: string;
    extension: string;
  }>;
  db.close();
  expect(rows.map((row) => row.status)).toEqual(rows.map(() => 'live'));
  expect(rows.length).toBe(rowsExpected);
  const files = await filesUnder(dataDir);
  for (const row of rows) {
    expect(files).toContain(`images/${row.date_path}/${row.name}.${row.extension}`);
  }
  expect(files.filter((path) => path.startsWith('.tmp/'))).toEqual([]);
}
