// Backup while uploads and deletions run, restore into a new folder, start on it: every
// upload acknowledged before the backup began is served (README: Backups).
import { describe, expect, test } from 'bun:test';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { PROCESS_ADMIN_KEY, startUpshotProcess } from '../support/upshot-process.ts';

const ADMIN = join(import.meta.dir, '..', '..', 'src', 'admin', 'main.ts');
const md5 = (bytes: Uint8Array) => createHash('md5').update(bytes).digest('hex');

/** Runs `upshot-admin` as an operator would, with the data folder in the environment. */
async function admin(dataDir: string, args: string[]) {
  const proc = Bun.spawn(['bun', ADMIN, ...args], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', UPSHOT_DATA_DIR: dataDir },
    stdout: 'pipe',
    stderr: 'pipe',
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { code, stdout, stderr };
}

let seed = 7;
async function distinctPng(): Promise<Uint8Array> {
  seed++;
  return new Uint8Array(
    await sharp({
      create: {
        width: 64 + (seed % 50),
        height: 48,
        channels: 3,
        background: { r: seed % 256, g: (seed * 7) % 256, b: (seed * 13) % 256 },
      },
    })
      .png()
      .toBuffer(),
  );
}

describe('backup and restore', () => {
  test('a backup taken while uploads and deletions run restores into a folder that serves everything acknowledged before it', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'upshot-live-'));
    const backupDir = join(await mkdtemp(join(tmpdir(), 'upshot-backup-')), 'snapshot');
    const restoredDir = await mkdtemp(join(tmpdir(), 'upshot-restored-'));
    try {
      const server = await startUpshotProcess(dataDir);
      type Stored = { url: string; md5: string; deleteUrl: string; at: number };
      const acknowledged: Stored[] = [];
      const upload = async () => {
        const bytes = await distinctPng();
        const form = new FormData();
        form.append('source', new File([bytes.slice()], 'live.png'));
        const res = await fetch(`${server.url}/api/1/upload`, {
          method: 'POST',
          headers: { 'X-API-Key': PROCESS_ADMIN_KEY },
          body: form,
        });
        expect(res.status).toBe(200);
        const { image } = await res.json();
        expect(image.md5).toBe(md5(bytes));
        acknowledged.push({
          url: image.url,
          md5: image.md5,
          deleteUrl: image.delete_url,
          at: Date.now(),
        });
      };
      for (let i = 0; i < 12; i++) await upload();

      let running = true;
      const loops = [0, 1].map(async (n) => {
        while (running) {
          await upload();
          // Deletions run too: their files must not vanish from under the backup.
          if (n === 1 && acknowledged.length % 4 === 0) {
            // Never one of the first twelve: those are checked after the restore.
            const victim = acknowledged.slice(12).find((a) => a.at > 0 && a.deleteUrl.length > 0);
            if (victim) {
              await fetch(victim.deleteUrl, { method: 'POST' });
              victim.deleteUrl = '';
              victim.at = -1;
            }
          }
        }
      });
      await Bun.sleep(200);
      const backupStarted = Date.now();
      const result = await admin(dataDir, ['backup', backupDir]);
      running = false;
      await Promise.all(loops);
      expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
      expect(result.stdout).toContain('backup complete');

      const manifest = JSON.parse(await Bun.file(join(backupDir, 'manifest.json')).text());
      for (const entry of manifest.files) {
        const bytes = await Bun.file(join(backupDir, 'files', entry.key)).bytes();
        expect({ key: entry.key, md5: md5(bytes), size: bytes.length }).toEqual({
          key: entry.key,
          md5: entry.md5,
          size: entry.size,
        });
      }
      server.kill('SIGTERM');
      expect(await server.exited).toBe(0);

      const restored = await admin(restoredDir, ['restore', backupDir]);
      expect({ code: restored.code, stderr: restored.stderr }).toEqual({ code: 0, stderr: '' });
      // Restoring twice into the same folder is refused rather than mixed.
      expect((await admin(restoredDir, ['restore', backupDir])).code).toBe(2);

      const again = await startUpshotProcess(restoredDir, {}, server.port);
      const before = acknowledged.filter((a) => a.at > 0 && a.at < backupStarted);
      expect(before.length).toBeGreaterThanOrEqual(12);
      for (const image of before) {
        const res = await fetch(image.url);
        const bytes = new Uint8Array(await res.arrayBuffer());
        expect({ url: image.url, status: res.status, md5: md5(bytes) }).toEqual({
          url: image.url,
          status: 200,
          md5: image.md5,
        });
      }
      // The restored folder is consistent: doctor finds nothing to fix.
      const checked = await admin(restoredDir, ['doctor']);
      expect(checked.stdout).toContain('missing files: 0');
      expect(checked.stdout).toContain('files no row owns: 0');
      again.kill('SIGTERM');
      expect(await again.exited).toBe(0);
      expect(await readdir(join(restoredDir, 'images'))).not.toEqual([]);
    } finally {
      for (const dir of [dataDir, join(backupDir, '..'), restoredDir]) {
        await rm(dir, { recursive: true, force: true });
      }
    }
  }, 180_000);

  test('a damaged backup is refused before anything is written', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'upshot-live-'));
    const backupDir = join(await mkdtemp(join(tmpdir(), 'upshot-backup-')), 'snapshot');
    const restoredDir = await mkdtemp(join(tmpdir(), 'upshot-restored-'));
    try {
      const server = await startUpshotProcess(dataDir);
      const form = new FormData();
      form.append('source', new File([(await distinctPng()).slice()], 'one.png'));
      await fetch(`${server.url}/api/1/upload`, {
        method: 'POST',
        headers: { 'X-API-Key': PROCESS_ADMIN_KEY },
        body: form,
      });
      expect((await admin(dataDir, ['backup', backupDir])).code).toBe(0);
      server.kill('SIGTERM');
      await server.exited;
      const manifest = JSON.parse(await Bun.file(join(backupDir, 'manifest.json')).text());
      const damaged = join(backupDir, 'files', manifest.files[0].key);
      await Bun.write(damaged, 'not the picture');
      const result = await admin(restoredDir, ['restore', backupDir]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('does not match the manifest');
      expect(await readdir(restoredDir)).toEqual([]);
    } finally {
      for (const dir of [dataDir, join(backupDir, '..'), restoredDir]) {
        await rm(dir, { recursive: true, force: true });
      }
    }
  }, 60_000);
});
