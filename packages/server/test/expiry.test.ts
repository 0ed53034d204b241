import { describe, expect, test } from 'bun:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { file, png } from './helpers/images.ts';
import { createClock, startTestServer } from './helpers/server.ts';

/** Resolves once `condition` holds, checking after each turn of the event loop. */
async function until(condition: () => boolean | Promise<boolean>, what: string, turns = 2000) {
  for (let i = 0; i < turns; i++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** The server's own sweep and file removal, running every 20 ms. */
const fastJobs = { server: { intervals: { sweepMs: 20, deletionsMs: 20 } } };

describe('the expiry sweep', () => {
  test('removes what expired while the server was down, at the next start, and nothing else', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'upshot-restart-'));
    const clock = createClock(new Date('2026-06-01T10:00:00Z'));
    try {
      const first = await startTestServer({}, { dataDir, clock });
      const short = (
        await (
          await first.upload({ source: file(await png(30, 20), 'short.png'), expiration: 'PT5M' })
        ).json()
      ).image;
      const long = (
        await (
          await first.upload({ source: file(await png(31, 20), 'long.png'), expiration: 'P1D' })
        ).json()
      ).image;
      const forever = (
        await (await first.upload({ source: file(await png(32, 20), 'forever.png') })).json()
      ).image;
      await first.stop();

      clock.advance(6 * 60 * 1000);
      const second = await startTestServer({}, { dataDir, clock, ...fastJobs });
      try {
        await until(
          async () => !(await second.files()).some((f) => f.includes('short')),
          'the sweep',
        );
        expect(
          await second.repos.images.find(second.instance.ids.decode(short.id_encoded)!),
        ).toBeNull();
        for (const kept of [long, forever]) {
          expect((await fetch(kept.url.replace(first.url, second.url))).status).toBe(200);
        }
        expect((await second.files()).filter((f) => f.startsWith('images/')).length).toBe(4); // 2 images × (main + thumb)
      } finally {
        await second.stop();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  test('removes an image soon after it expires while running, and never before', async () => {
    const clock = createClock(new Date('2026-06-01T10:00:00Z'));
    const server = await startTestServer({}, { clock, ...fastJobs });
    try {
      const image = (
        await (
          await server.upload({ source: file(await png(33, 20), 'soon.png'), expiration: 'PT10M' })
        ).json()
      ).image;
      const id = server.instance.ids.decode(image.id_encoded)!;
      clock.advance(9 * 60 * 1000);
      // Several sweeps pass (20 ms apart) before expiry: the image stays.
      const ticksBefore = Date.now();
      await until(() => Date.now() - ticksBefore > 100, 'a few sweeps');
      expect(await server.repos.images.find(id)).not.toBeNull();
      expect((await fetch(image.url)).status).toBe(200);

      clock.advance(60 * 1000 + 1);
      await until(async () => (await server.repos.images.find(id)) === null, 'the sweep');
      // The row goes first; its files follow (jobs/file-deletions.ts).
      await until(
        async () => !(await server.files()).some((f) => f.includes('soon')),
        'the files to go',
      );
      expect((await fetch(image.url)).status).toBe(404);
    } finally {
      await server.stop();
    }
  });
});
