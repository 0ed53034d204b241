// SIGKILL at any moment loses no acknowledged upload, and after a restart nothing is
// half-there (README: Operating Upshot). Four loops upload (and sometimes delete) while
// the real server process is killed again and again; then the invariants are checked on
// the data folder itself.
import { Database } from 'bun:sqlite';
import { describe, expect, test } from 'bun:test';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import sharp from 'sharp';
import { PROCESS_ADMIN_KEY, startUpshotProcess } from '../support/upshot-process.ts';

const KILLS = 12;
const LOOPS = 4;

const md5 = (bytes: Uint8Array) => createHash('md5').update(bytes).digest('hex');

let seed = 1;
/** A small PNG no other upload has (random noise). */
async function uniquePng(): Promise<Uint8Array> {
  const size = 48 + (seed % 40);
  const pixels = new Uint8Array(size * size * 3);
  let x = seed++ * 2654435761;
  for (let i = 0; i < pixels.length; i++) {
    x = (x ^ (x << 13)) >>> 0;
    x = (x ^ (x >>> 17)) >>> 0;
    x = (x ^ (x << 5)) >>> 0;
    pixels[i] = x & 0xff;
  }
  return new Uint8Array(
    await sharp(pixels, { raw: { width: size, height: size, channels: 3 } })
      .png()
      .toBuffer(),
  );
}

interface Acknowledged {
  url: string;
  thumb: string;
  md5: string;
  deleteUrl: string;
}

async function filesUnder(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(root, join(entry.parentPath, entry.name)));
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(50);
  }
}

describe('crash safety', () => {
  test(`${KILLS} SIGKILLs under ${LOOPS} upload loops: nothing acknowledged is lost, nothing half-written stays`, async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'upshot-crash-'));
    const acknowledged: Acknowledged[] = [];
    const deleted: Acknowledged[] = [];
    /** Uploads whose reply never came (the server died): sent again after the restart. */
    const cutOff: Uint8Array[] = [];
    /** Deletions whose reply never came: sent again after the restart. */
    const uncertain: Acknowledged[] = [];
    let retriesAnswered = 0;
    /** Milliseconds from spawn to healthy, of each restart after a kill. */
    const restarts: number[] = [];
    try {
      let server = await startUpshotProcess(dataDir, { UPSHOT_SHUTDOWN_TIMEOUT_S: '5' });
      for (let kill = 0; kill < KILLS; kill++) {
        let running = true;
        const loop = async (n: number) => {
          while (running) {
            const retry = n === 0 ? cutOff.shift() : undefined;
            const bytes = retry ?? (await uniquePng());
            const form = new FormData();
            form.append('source', new File([bytes.slice()], `loop${n}.png`));
            let reply: Response;
            try {
              reply = await fetch(`${server.url}/api/1/upload`, {
                method: 'POST',
                headers: { 'X-API-Key': PROCESS_ADMIN_KEY },
                body: form,
              });
            } catch {
              cutOff.push(bytes);
              return;
            }
            const body = await reply.json().catch(() => null);
            if (reply.status !== 200 || !body?.image) {
              // Only a dying server may refuse (its reply cut short is no reply at all).
              cutOff.push(bytes);
              return;
            }
            const image: Acknowledged = {
              url: body.image.url,
              thumb: body.image.thumb.url,
              md5: body.image.md5,
              deleteUrl: body.image.delete_url,
            };
            expect(image.md5).toBe(md5(bytes));
            if (retry) retriesAnswered++;
            // Every fifth acknowledged upload is deleted again at once.
            if ((acknowledged.length + deleted.length + uncertain.length) % 5 === 4) {
              const gone = await fetch(image.deleteUrl, { method: 'POST' }).catch(() => null);
              if (gone?.status === 200) {
                deleted.push(image);
                continue;
              }
              if (gone === null || gone.status >= 500) {
                uncertain.push(image);
                continue;
              }
            }
            acknowledged.push(image);
          }
        };
        const loops = Array.from({ length: LOOPS }, (_, n) => loop(n));
        // Each round, at least two more uploads are acknowledged (however busy the
        // machine), then the kill comes a little later, at a different moment each round.
        const target = acknowledged.length + deleted.length + 2;
        const deadline = Date.now() + 120_000;
        while (acknowledged.length + deleted.length < target && Date.now() < deadline) {
          await Bun.sleep(10);
        }
        await Bun.sleep((kill * 97) % 400);
        server.kill('SIGKILL');
        running = false;
        await server.exited;
        await Promise.all(loops);
        const restarting = performance.now();
        server = await startUpshotProcess(dataDir, { UPSHOT_SHUTDOWN_TIMEOUT_S: '5' }, server.port);
        restarts.push(performance.now() - restarting);
      }

      // Uploads cut off by the last kill, sent again: each gets a working reply.
      for (const bytes of cutOff.splice(0)) {
        const form = new FormData();
        form.append('source', new File([bytes.slice()], 'retry.png'));
        const reply = await fetch(`${server.url}/api/1/upload`, {
          method: 'POST',
          headers: { 'X-API-Key': PROCESS_ADMIN_KEY },
          body: form,
        });
        expect(reply.status).toBe(200);
        const { image } = await reply.json();
        acknowledged.push({
          url: image.url,
          thumb: image.thumb.url,
          md5: image.md5,
          deleteUrl: image.delete_url,
        });
        retriesAnswered++;
      }

      // A deletion cut off by a kill either happened or not: asking again settles it.
      for (const image of uncertain) {
        const again = await fetch(image.deleteUrl, { method: 'POST' });
        expect([200, 404]).toContain(again.status);
        deleted.push(image);
      }

      // Every acknowledged upload is served, byte for byte, with its thumb.
      expect(acknowledged.length + deleted.length).toBeGreaterThanOrEqual(KILLS * 2);
      for (const image of acknowledged) {
        const main = await fetch(image.url.replace(/^http:\/\/[^/]+/, server.url));
        const bytes = new Uint8Array(await main.arrayBuffer());
        expect({ url: image.url, status: main.status, md5: md5(bytes) }).toEqual({
          url: image.url,
          status: 200,
          md5: image.md5,
        });
        const thumb = await fetch(image.thumb.replace(/^http:\/\/[^/]+/, server.url));
        expect({ url: image.thumb, status: thumb.status }).toEqual({
          url: image.thumb,
          status: 200,
        });
      }
      for (const image of deleted) {
        const res = await fetch(image.url.replace(/^http:\/\/[^/]+/, server.url));
        expect({ url: image.url, status: res.status }).toEqual({ url: image.url, status: 404 });
      }

      // After the restart nothing is half-there: no pending row, no temp file, no queued
      // removal left (the janitor and the removal job ran), no file without a row.
      const db = new Database(join(dataDir, 'upshot.sqlite'), { readonly: true });
      try {
        const count = (sql: string) => (db.query(sql).get() as { n: number }).n;
        await until('the janitor and the removal job', async () => {
          const tmp = await filesUnder(join(dataDir, '.tmp'));
          return (
            count("SELECT count(*) AS n FROM images WHERE status = 'pending'") === 0 &&
            count('SELECT count(*) AS n FROM file_deletions') === 0 &&
            tmp.length === 0
          );
        });
        const rows = db
          .query(
            "SELECT date_path, name, extension, thumb_extension, medium_extension FROM images WHERE status = 'live'",
          )
          .all() as Array<{
          date_path: string;
          name: string;
          extension: string;
          thumb_extension: string | null;
          medium_extension: string | null;
        }>;
        const expected = new Set<string>();
        for (const row of rows) {
          expected.add(`images/${row.date_path}/${row.name}.${row.extension}`);
          if (row.thumb_extension) {
            expected.add(`images/${row.date_path}/${row.name}.th.${row.thumb_extension}`);
          }
          if (row.medium_extension) {
            expected.add(`images/${row.date_path}/${row.name}.md.${row.medium_extension}`);
          }
        }
        const onDisk = new Set(
          (await filesUnder(dataDir)).filter((path) => path.startsWith('images/')),
        );
        expect([...expected].filter((path) => !onDisk.has(path))).toEqual([]);
        expect([...onDisk].filter((path) => !expected.has(path))).toEqual([]);
        expect(rows.length).toBe(acknowledged.length);
      } finally {
        db.close();
      }
      expect(retriesAnswered).toBeGreaterThan(0);
      // The figures an operator asks for (the invariants above make lost and orphaned 0).
      console.log(
        `crash: ${KILLS} SIGKILLs, ${acknowledged.length + deleted.length} uploads acknowledged (${deleted.length} then deleted), ${retriesAnswered} cut-off uploads sent again and answered, 0 lost, 0 orphaned files, 0 pending rows; restarts after a kill took ${Math.min(...restarts).toFixed(0)}-${Math.max(...restarts).toFixed(0)} ms`,
      );
      server.kill('SIGTERM');
      expect(await server.exited).toBe(0);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 600_000);
});
