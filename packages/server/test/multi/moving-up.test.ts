// Moving up (README: Running several instances): an instance that started on SQLite and
// the local folder moves to PostgreSQL and a bucket (s3rver, a FAKE S3 server) with one
// command each, and every URL, key and delete link keeps working. Both commands can run
// again: they pick up only what changed.
import { describe, expect, test } from 'bun:test';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jpeg, png } from '../helpers/images.ts';
import { startPostgres } from '../support/postgres.ts';
import { startS3rver } from '../support/s3rver.ts';
import { PROCESS_ADMIN_KEY, startUpshotProcess } from '../support/upshot-process.ts';

const ADMIN = join(import.meta.dir, '..', '..', 'src', 'admin', 'main.ts');
const md5 = (bytes: Uint8Array) => createHash('md5').update(bytes).digest('hex');

async function admin(env: Record<string, string>, args: string[]) {
  const proc = Bun.spawn(['bun', ADMIN, ...args], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
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

async function upload(url: string, bytes: Uint8Array, name: string, key = PROCESS_ADMIN_KEY) {
  const form = new FormData();
  form.append('source', new File([bytes.slice()], name));
  const res = await fetch(`${url}/api/1/upload`, {
    method: 'POST',
    headers: { 'X-API-Key': key },
    body: form,
  });
  expect(res.status).toBe(200);
  return (await res.json()).image;
}

describe('from SQLite and a folder to PostgreSQL and a bucket', () => {
  test('copy-db and copy-files move everything, keep every id and URL, and run again safely', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'upshot-moving-'));
    const [pg, s3] = await Promise.all([startPostgres(), startS3rver()]);
    const s3env = {
      UPSHOT_S3_ENDPOINT: s3.endpoint,
      UPSHOT_S3_BUCKET: s3.bucket,
      UPSHOT_S3_REGION: s3.region,
      UPSHOT_S3_ACCESS_KEY_ID: s3.accessKeyId,
      UPSHOT_S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
    };
    try {
      const before = await startUpshotProcess(dataDir);
      const images = [
        await upload(before.url, await jpeg(900, 600), 'photo.jpg'),
        await upload(before.url, await png(300, 200), 'shot.png'),
        await upload(before.url, await png(301, 200), 'third.png'),
      ];
      before.kill('SIGTERM');
      expect(await before.exited).toBe(0);

      const local = { UPSHOT_DATA_DIR: dataDir };
      const db = await admin(local, ['copy-db', '--to', pg.url]);
      expect({ code: db.code, err: db.stderr }).toEqual({ code: 0, err: '' });
      expect(db.stdout).toContain('images: 3 rows copied');
      const files = await admin({ ...local, ...s3env }, ['copy-files', '--to', 's3']);
      expect({ code: files.code, err: files.stderr }).toEqual({ code: 0, err: '' });
      expect(files.stdout).toContain('files copied and verified, 0 already there, 0 failed');

      // Again: nothing new to copy.
      expect((await admin({ ...local, ...s3env }, ['copy-files', '--to', 's3'])).stdout).toMatch(
        /^0 files copied and verified, \d+ already there, 0 failed/m,
      );

      const after = await startUpshotProcess(
        await mkdtemp(join(tmpdir(), 'upshot-moved-')),
        { UPSHOT_DATABASE_URL: pg.url, UPSHOT_STORAGE: 's3', ...s3env },
        before.port,
      );
      try {
        for (const image of images) {
          for (const url of [image.url, image.thumb.url]) {
            const res = await fetch(url);
            expect({ url, status: res.status }).toEqual({ url, status: 200 });
          }
          const main = await fetch(image.url);
          expect(md5(new Uint8Array(await main.arrayBuffer()))).toBe(image.md5);
          expect((await fetch(image.url_viewer, { redirect: 'manual' })).status).toBe(200);
        }
        // The old key uploads; new ids continue after the copied ones.
        const fresh = await upload(after.url, await png(302, 200), 'fresh.png');
        const ids = await pg.query('SELECT id FROM images ORDER BY id');
        expect(ids.trim().split('\n').map(Number)).toEqual([1, 2, 3, 4]);
        expect(fresh.id_encoded).not.toBe(images[2].id_encoded);
        // An old delete link deletes.
        expect((await fetch(images[0].delete_url, { method: 'POST' })).status).toBe(200);
        expect((await fetch(images[0].url)).status).toBe(404);
      } finally {
        after.kill('SIGTERM');
        await after.exited;
      }

      // Run copy-db again from the source (which still has image 1): the target mirrors it.
      const again = await admin(local, ['copy-db', '--to', pg.url]);
      expect(again.code).toBe(0);
      expect(again.stdout).toContain('images: 3 rows copied, 1 removed');
      expect((await pg.query('SELECT count(*) FROM images')).trim()).toBe('3');
    } finally {
      await Promise.all([pg.stop(), s3.stop()]);
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 180_000);
});
