// `upshot-admin doctor` on a damaged data folder: it finds every kind of damage, and
// --fix repairs what it safely can (README: Operating Upshot).
import { Database } from 'bun:sqlite';
import { describe, expect, test } from 'bun:test';
import { mkdir, rm, truncate, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { file, jpeg, png } from '../helpers/images.ts';
import { startTestServer } from '../helpers/server.ts';

const ADMIN = join(import.meta.dir, '..', '..', 'src', 'admin', 'main.ts');

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

const local = (dataDir: string, url: string) =>
  join(dataDir, new URL(url).pathname.replace(/^\//, ''));

describe('doctor', () => {
  test('finds missing and damaged files, orphans and unswept expiries; --fix repairs what it can', async () => {
    const server = await startTestServer({}, { dataDir: undefined });
    const dataDir = server.dataDir;
    const upload = async (bytes: Uint8Array<ArrayBuffer>, name: string) =>
      (await (await server.upload({ source: file(bytes, name) })).json()).image;
    const lostThumb = await upload(await jpeg(900, 600), 'lost-thumb.jpg');
    const damagedMedium = await upload(await png(800, 500), 'damaged-medium.png');
    const lostOriginal = await upload(await png(60, 40), 'lost-original.png');
    const expired = await upload(await png(61, 40), 'expired.png');
    const healthy = await upload(await png(62, 40), 'healthy.png');
    await server.upshot.stop(0);

    // The damage, as a disk or a person might do it.
    await unlink(local(dataDir, lostThumb.thumb.url));
    await truncate(local(dataDir, damagedMedium.medium.url), 100);
    await unlink(local(dataDir, lostOriginal.url));
    const orphanDir = join(dataDir, 'images', '2020', '01', '02');
    await mkdir(orphanDir, { recursive: true });
    await writeFile(join(orphanDir, 'stray.png'), 'left by someone');
    const db = new Database(join(dataDir, 'upshot.sqlite'));
    db.query('UPDATE images SET expires_at = ? WHERE id = ?').run(
      Date.now() - 60_000,
      server.instance.ids.decode(expired.id_encoded)!,
    );
    db.close();

    try {
      const found = await admin(dataDir, ['doctor', '--json']);
      expect(found.code).toBe(1);
      const report = JSON.parse(found.stdout);
      expect(report.integrity).toBe('ok');
      expect(report.images).toBe(5);
      const path = (url: string) => new URL(url).pathname.slice(1);
      expect(report.missing).toEqual(
        expect.arrayContaining([
          { imageId: expect.any(Number), key: path(lostThumb.thumb.url), fixable: true },
          { imageId: expect.any(Number), key: path(lostOriginal.url), fixable: false },
        ]),
      );
      expect(report.missing.length).toBe(2);
      expect(report.wrongSize).toEqual([
        {
          imageId: server.instance.ids.decode(damagedMedium.id_encoded),
          key: path(damagedMedium.medium.url),
          expected: damagedMedium.medium.size,
          actual: 100,
        },
      ]);
      expect(report.orphans).toEqual(['images/2020/01/02/stray.png']);
      expect(report.expired).toEqual([server.instance.ids.decode(expired.id_encoded)]);

      const fixed = await admin(dataDir, ['doctor', '--fix']);
      // The lost original cannot be made again: the exit status says something is left.
      expect(fixed.code).toBe(1);
      expect(fixed.stdout).toContain(
        "fixed: 2 images' variants made again, 1 files moved to lost+found/, 1 expired images removed",
      );
      expect(await Bun.file(join(dataDir, 'lost+found/images/2020/01/02/stray.png')).text()).toBe(
        'left by someone',
      );

      const after = JSON.parse((await admin(dataDir, ['doctor', '--json'])).stdout);
      expect({
        missing: after.missing.map((m: { key: string }) => m.key),
        wrongSize: after.wrongSize,
        orphans: after.orphans,
        expired: after.expired,
        images: after.images,
      }).toEqual({
        missing: [path(lostOriginal.url)],
        wrongSize: [],
        orphans: [],
        expired: [],
        images: 4,
      });

      // The repaired variants are served again, and the healthy image was never touched.
      const again = await startTestServer({}, { dataDir });
      try {
        for (const url of [lostThumb.thumb.url, damagedMedium.medium.url, healthy.url]) {
          const res = await fetch(url.replace(server.url, again.url));
          expect({ url, status: res.status }).toEqual({ url, status: 200 });
        }
      } finally {
        await again.stop();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
