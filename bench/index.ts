/**
 * `bun run bench [section...]`: every benchmark, each printing a ratio against a baseline
 * measured in the same run (README: Performance).
 *
 *   serve        /images/... against nginx serving the same file      (serve.ts)
 *   cold-start   spawn to the first 200 on /healthz against bare Elysia (cold-start.ts)
 *   upload       uploads against the bare sharp pipeline                (upload.ts)
 *   big-upload   memory of eight 90 MB video uploads at once            (big-upload.ts)
 *   backends     the upload benchmark on SQLite + local files and on PostgreSQL + a FAKE
 *                S3 server (s3rver), side by side; not part of the default run
 *
 * No section named: serve, cold-start, upload and big-upload.
 */
import { availableParallelism, cpus, totalmem } from 'node:os';
import { bigUploadBench } from './big-upload.ts';
import { coldStartBench } from './cold-start.ts';
import { serveBench } from './serve.ts';
import { type Backend, postgresS3, sqliteLocal, uploadBench } from './upload.ts';

const SECTIONS = ['serve', 'cold-start', 'upload', 'big-upload', 'backends'] as const;
type Section = (typeof SECTIONS)[number];

const asked = process.argv
  .slice(2)
  .filter((arg): arg is Section => (SECTIONS as readonly string[]).includes(arg));
const unknown = process.argv
  .slice(2)
  .filter((arg) => !(SECTIONS as readonly string[]).includes(arg));
if (unknown.length > 0) {
  console.error(`unknown section(s): ${unknown.join(', ')}; known: ${SECTIONS.join(', ')}`);
  process.exit(2);
}
const sections: Section[] =
  asked.length > 0 ? asked : ['serve', 'cold-start', 'upload', 'big-upload'];

const load = (
  await Bun.file('/proc/loadavg')
    .text()
    .catch(() => '')
)
  .split(' ')
  .slice(0, 3);
console.log(
  `Upshot benchmarks · ${availableParallelism()} cores (${cpus()[0]?.model ?? 'unknown CPU'}) · ${(totalmem() / 2 ** 30).toFixed(0)} GB · Bun ${Bun.version} · load average ${load.join(' ')}`,
);

for (const section of sections) {
  switch (section) {
    case 'serve':
      await serveBench();
      break;
    case 'cold-start':
      await coldStartBench();
      break;
    case 'upload':
      await uploadBench([sqliteLocal]);
      break;
    case 'big-upload':
      await bigUploadBench();
      break;
    case 'backends': {
      let other: Backend | null = null;
      try {
        other = await postgresS3();
        await uploadBench([sqliteLocal, other]);
      } finally {
        await other?.stop();
      }
      break;
    }
  }
}
