// Two processes on one data folder, as during a blue/green deploy: identical bytes sent to
// both at once are stored once, and each serves what the other stored.

import { Database } from 'bun:sqlite';
import { describe, expect, test } from 'bun:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { png } from '../helpers/images.ts';
import { PROCESS_ADMIN_KEY, startUpshotProcess } from '../support/upshot-process.ts';

describe('two processes on one data folder', () => {
  test('the same bytes sent to both at once are stored once, ten times out of ten', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'upshot-bluegreen-'));
    try {
      const blue = await startUpshotProcess(dataDir);
      const green = await startUpshotProcess(dataDir);
      for (let round = 0; round < 10; round++) {
        const bytes = await png(200 + round, 150);
        const replies = await Promise.all(
          [blue, green, blue, green].map(async (server) => {
            const form = new FormData();
            form.append('source', new File([bytes.slice()], `round${round}.png`));
            const res = await fetch(`${server.url}/api/1/upload`, {
              method: 'POST',
              headers: { 'X-API-Key': PROCESS_ADMIN_KEY },
              body: form,
            });
            expect(res.status).toBe(200);
            return (await res.json()).image;
          }),
        );
        expect({ round, ids: new Set(replies.map((image) => image.id_encoded)).size }).toEqual({
          round,
          ids: 1,
        });
        const path = new URL(replies[0].url).pathname;
        for (const server of [blue, green]) {
          expect((await fetch(`${server.url}${path}`)).status).toBe(200);
        }
      }
      for (const server of [blue, green]) server.kill('SIGTERM');
      expect(await blue.exited).toBe(0);
      expect(await green.exited).toBe(0);
      const db = new Database(join(dataDir, 'upshot.sqlite'), { readonly: true });
      const rows = (db.query('SELECT count(*) AS n FROM images').get() as { n: number }).n;
      db.close();
      expect(rows).toBe(10);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 180_000);
});
