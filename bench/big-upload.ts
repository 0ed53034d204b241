/**
 * Big-upload memory benchmark (issue 12): eight 90 MB MP4 uploads at once from a user's
 * key, while the resident memory of the server's process tree (the server and its
 * ffmpeg/ffprobe children) is sampled every 20 ms. The baseline, measured in the same
 * run, is the same tree idle just before; the bytes in flight (8 × 90 MB) are shown for
 * scale. Every upload must succeed.
 *
 *   bun run bench big-upload      BENCH_BIG_UPLOADS (8)
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlite } from '../packages/server/src/db/database.ts';
import { createRepositories } from '../packages/server/src/db/repositories/index.ts';
import { hashSecret } from '../packages/server/src/services/keys.ts';
import { mp4FreeBox, video90Mb } from './fixtures.ts';
import { fmt, startServer, treeRssMb, watchTreeRss } from './lib.ts';

const UPLOADS = Number(process.env.BENCH_BIG_UPLOADS ?? 8);
const USER_KEY = 'bench-user-key-0123456789abcdef0123456789abcdef';
const TARGET_MB = 400;

const BOUNDARY = 'upshot-bench-boundary-7d3f';

/**
 * A multipart body with one file part, streamed from disk (as curl -F would send it) with
 * `tail` appended to the file's bytes: the client holds no copy of the 90 MB.
 */
function multipartFromFile(field: string, filename: string, path: string, tail: Uint8Array) {
  const encoder = new TextEncoder();
  const head = encoder.encode(
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${field}"; filename="${filename}"\r\nContent-Type: video/mp4\r\n\r\n`,
  );
  const end = encoder.encode(`\r\n--${BOUNDARY}--\r\n`);
  const file = Bun.file(path);
  const length = head.length + file.size + tail.length + end.length;
  const stream = new ReadableStream<Uint8Array>({
    async start(controller) {
      controller.enqueue(head);
      const reader = file.stream().getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        controller.enqueue(value);
      }
      controller.enqueue(tail);
      controller.enqueue(end);
      controller.close();
    },
  });
  return { stream, length };
}

/** A user (not the admin) with an API key, written before the server starts. */
async function seedUser(dataDir: string): Promise<void> {
  const database = await openSqlite(join(dataDir, 'upshot.sqlite'));
  try {
    await createRepositories(database).users.createWithKey({
      username: 'bench',
      isAdmin: false,
      keyHash: hashSecret(USER_KEY),
      keyLabel: 'bench',
      now: new Date(),
    });
  } finally {
    await database.close();
  }
}

export interface BigUploadResult {
  peakMb: number;
  idleMb: number;
  seconds: number;
}

export async function bigUploadBench(): Promise<BigUploadResult> {
  const video = await video90Mb();
  const size = Bun.file(video).size;
  // A first start sets the data folder up (with its admin), then the user is written
  // into it, then it is served.
  const dataDir = await mkdtemp(join(tmpdir(), 'upshot-bench-big-'));
  try {
    await (await startServer({}, { dataDir })).stop();
    await seedUser(dataDir);
    const running = await startServer({}, { dataDir });
    try {
      // Settle, then the idle baseline.
      await Bun.sleep(500);
      const idleMb = await treeRssMb(running.pid);
      const watch = watchTreeRss(running.pid);
      const started = performance.now();
      const statuses = await Promise.all(
        Array.from({ length: UPLOADS }, async (_, i) => {
          const body = multipartFromFile('source', `clip${i}.mp4`, video, mp4FreeBox(i));
          const res = await fetch(`${running.url}/api/1/upload`, {
            method: 'POST',
            headers: {
              'X-API-Key': USER_KEY,
              'Content-Type': `multipart/form-data; boundary=${BOUNDARY}`,
              'Content-Length': String(body.length),
            },
            body: body.stream,
          });
          const text = await res.text();
          if (res.status !== 200) console.log(`  upload ${i}: ${res.status} ${text.slice(0, 200)}`);
          return res.status;
        }),
      );
      const seconds = (performance.now() - started) / 1000;
      const peakMb = await watch.stop();
      const status = await readFile(`/proc/${running.pid}/status`, 'utf8');
      const serverPeakMb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
      const ok = statuses.filter((status) => status === 200).length;
      console.log(
        `\nBig uploads: ${UPLOADS} × ${(size / 1e6).toFixed(0)} MB MP4 at once from a user key (${((UPLOADS * size) / 1e6).toFixed(0)} MB in flight)`,
      );
      console.log('  server process tree RSS |       MB | / idle');
      console.log(`  idle, before             | ${fmt(idleMb, 0)} |   1.00×`);
      console.log(
        `  peak, during the uploads | ${fmt(peakMb, 0)} | ${fmt(peakMb / idleMb, 2)}×   (target ≤ ${TARGET_MB} MB: ${peakMb <= TARGET_MB ? 'met' : 'not met'})`,
      );
      console.log(`  peak of the server process alone (VmHWM): ${serverPeakMb.toFixed(0)} MB`);
      console.log(`  ${ok} of ${UPLOADS} succeeded, in ${seconds.toFixed(1)} s`);
      if (ok !== UPLOADS) throw new Error('a big upload failed');
      return { peakMb, idleMb, seconds };
    } finally {
      await running.stop();
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.main) await bigUploadBench();
