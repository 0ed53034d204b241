/**
 * Upload benchmark (issues 3, 11 and 12): the real server over HTTP against the bare sharp
 * pipeline, measured in the same run on the same machine, at the same concurrency.
 *
 *   bun run bench upload                   SQLite and local files (the default setup)
 *   bun run bench backends                 the same for SQLite + local files and for
 *                                          PostgreSQL + a FAKE S3 server (s3rver), side by side
 *
 * Cases: a generated 12-megapixel photo-like JPEG, and a 200 KB PNG screenshot.
 * For each concurrency (BENCH_CONCURRENCY, default 1,2,8) it prints uploads per second,
 * p50/p99 latency, the server process's peak RSS (VmHWM, a fresh server per run), the same
 * numbers for the bare pipeline (thumb + medium from the same bytes), the ratio between
 * them, and the CPU time each process used per upload (where the time goes).
 */
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import sharp from 'sharp';
import { type Fixture, photoJpeg, screenshotPng, variantOf } from './fixtures.ts';
import { ADMIN_KEY, findProcess, fmt, type RunningServer, startServer, treeCpuMs } from './lib.ts';

const CONCURRENCY = (process.env.BENCH_CONCURRENCY ?? '1,2,8').split(',').map(Number);

interface RunStats {
  perSecond: number;
  p50: number;
  p99: number;
}

const percentile = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;

async function runPool(
  count: number,
  concurrency: number,
  task: (i: number) => Promise<void>,
): Promise<RunStats> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        const t0 = performance.now();
        await task(i);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    perSecond: count / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
  };
}

/** The baseline: what any image host must do with sharp for one upload (thumb + medium), nothing else. */
async function barePipeline(bytes: Uint8Array): Promise<void> {
  const image = sharp(bytes).rotate();
  const meta = await image.metadata();
  const outputs = [
    image
      .clone()
      .resize(320, 320, { fit: 'cover' })
      .toFormat(meta.format === 'png' ? 'png' : 'jpeg')
      .toBuffer(),
  ];
  if ((meta.width ?? 0) > 500) {
    outputs.push(
      image
        .clone()
        .resize(500)
        .toFormat(meta.format === 'png' ? 'png' : 'jpeg')
        .toBuffer(),
    );
  }
  await Promise.all(outputs);
}

async function peakRssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

interface EncodedBody {
  body: Uint8Array<ArrayBuffer>;
  contentType: string;
}

/**
 * The multipart body, encoded before the clock starts: the load generator shares the
 * two cores with the server, so it does no per-request encoding (as curl streaming a
 * file wouldn't).
 */
async function encodeBody(fixture: Fixture, bytes: Uint8Array<ArrayBuffer>): Promise<EncodedBody> {
  const form = new FormData();
  form.append('source', new File([bytes], fixture.filename));
  const encoded = new Response(form);
  const contentType = encoded.headers.get('content-type') ?? '';
  return { body: new Uint8Array(await encoded.arrayBuffer()), contentType };
}

async function uploadOnce(url: string, upload: EncodedBody): Promise<void> {
  const res = await fetch(`${url}/api/1/upload`, {
    method: 'POST',
    headers: { 'X-API-Key': ADMIN_KEY, 'Content-Type': upload.contentType },
    body: upload.body,
  });
  if (res.status !== 200) throw new Error(`upload failed: ${res.status} ${await res.text()}`);
  await res.arrayBuffer();
}

/** Where the server runs: its settings, and the other processes whose CPU time counts. */
export interface Backend {
  name: string;
  /** Settings for a fresh server (a fresh database each time). */
  env(): Promise<Record<string, string>>;
  /** Processes besides the server that do the work (PostgreSQL, the fake S3 server). */
  helpers: Array<{ name: string; pid: number }>;
  stop(): Promise<void>;
}

export const sqliteLocal: Backend = {
  name: 'SQLite + local files',
  env: async () => ({}),
  helpers: [],
  stop: async () => {},
};

/** PostgreSQL and a FAKE S3 server (s3rver), as the multi-instance tests start them. */
export async function postgresS3(): Promise<Backend> {
  const { startPostgres } = await import('@upshot/server/test-support/postgres');
  const { startS3rver } = await import('@upshot/server/test-support/s3rver');
  const [pg, s3] = await Promise.all([startPostgres(), startS3rver()]);
  let databases = 0;
  // s3rver runs in a child process of this one (test/support/s3rver-process.ts).
  const s3Pid = await findProcess('s3rver-process.ts');
  const pgPid = Number((await readFile(`${pg.dataDir}/postmaster.pid`, 'utf8')).split('\n')[0]);
  return {
    name: 'PostgreSQL + S3 (s3rver, a fake)',
    async env() {
      databases += 1;
      const name = `bench_${databases}`;
      await pg.query(`CREATE DATABASE ${name}`);
      return {
        UPSHOT_DATABASE_URL: pg.url.replace(/\/upshot$/, `/${name}`),
        UPSHOT_STORAGE: 's3',
        UPSHOT_S3_ENDPOINT: s3.endpoint,
        UPSHOT_S3_BUCKET: s3.bucket,
        UPSHOT_S3_REGION: s3.region,
        UPSHOT_S3_ACCESS_KEY_ID: s3.accessKeyId,
        UPSHOT_S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
      };
    },
    helpers: [
      { name: 'PostgreSQL', pid: pgPid },
      { name: 's3rver', pid: s3Pid },
    ].filter((helper) => helper.pid > 0),
    async stop() {
      await Promise.all([pg.stop(), s3.stop()]);
    },
  };
}

export interface UploadRatio {
  backend: string;
  fixture: string;
  concurrency: number;
  server: number;
  bare: number;
  ratio: number;
}

const ROUNDS = Number(process.env.BENCH_UPLOAD_ROUNDS ?? 3);

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

export async function uploadBench(backends: Backend[] = [sqliteLocal]): Promise<UploadRatio[]> {
  console.log(
    `\nUpload benchmark · ${availableParallelism()} cores · sharp ${sharp.versions.sharp} / libvips ${sharp.versions.vips} · ${ROUNDS} rounds, each the bare pipeline then the server (medians; the ratio is the median of the rounds' ratios)`,
  );
  const results: UploadRatio[] = [];
  const fixtures = [await photoJpeg(), await screenshotPng()];
  let serial = 0;
  for (const fixture of fixtures) {
    console.log(`\n${fixture.name} (${(fixture.bytes.length / 1e6).toFixed(2)} MB)`);
    console.log(
      '  backend                          conc |   server up/s   p50 ms   p99 ms  peak RSS MB |     bare up/s   p50 ms   p99 ms |  server/bare | CPU ms per upload (bare pipeline; server and helpers)',
    );
    for (const c of CONCURRENCY) {
      const count = fixture.count(c);
      for (const backend of backends) {
        let server: RunningServer | null = null;
        try {
          server = await startServer(await backend.env());
          const url = server.url;
          // Every upload is new bytes (the server answers duplicates without work).
          const fresh = (n: number) =>
            Array.from({ length: n }, () => variantOf(fixture.bytes, serial++, fixture.kind));
          // Warm-up of both sides (a server runs for days: its code is compiled by then).
          const warm = Math.max(3, Math.ceil(count / 4));
          for (const bytes of fresh(warm)) await barePipeline(bytes);
          for (const bytes of fresh(warm)) await uploadOnce(url, await encodeBody(fixture, bytes));
          const processes = [{ name: 'server', pid: server.pid }, ...backend.helpers];
          const rounds: Array<{
            server: RunStats;
            bare: RunStats;
            cpu: number[];
            bareCpu: number;
          }> = [];
          for (let round = 0; round < ROUNDS; round++) {
            const inputs = fresh(count);
            const bareBefore = process.cpuUsage();
            const bare = await runPool(count, c, (i) => barePipeline(inputs[i]!));
            const bareUsed = process.cpuUsage(bareBefore);
            const bodies = await Promise.all(fresh(count).map((b) => encodeBody(fixture, b)));
            const cpuBefore = await Promise.all(processes.map((p) => treeCpuMs(p.pid)));
            const stats = await runPool(count, c, (i) => uploadOnce(url, bodies[i]!));
            const cpuAfter = await Promise.all(processes.map((p) => treeCpuMs(p.pid)));
            rounds.push({
              server: stats,
              bare,
              cpu: processes.map((_, i) => (cpuAfter[i]! - cpuBefore[i]!) / count),
              bareCpu: (bareUsed.user + bareUsed.system) / 1000 / count,
            });
          }
          const peak = await peakRssMb(server.pid);
          const pick = (f: (r: (typeof rounds)[number]) => number) => median(rounds.map(f));
          const ratio = pick((r) => r.server.perSecond / r.bare.perSecond);
          const cpu = [`bare ${pick((r) => r.bareCpu).toFixed(1)}`]
            .concat(processes.map((p, i) => `${p.name} ${pick((r) => r.cpu[i]!).toFixed(1)}`))
            .join(' · ');
          const result = {
            backend: backend.name,
            fixture: fixture.name,
            concurrency: c,
            server: pick((r) => r.server.perSecond),
            bare: pick((r) => r.bare.perSecond),
            ratio,
          };
          results.push(result);
          console.log(
            `  ${backend.name.padEnd(32)} ${String(c).padStart(4)} | ${fmt(result.server)} ${fmt(
              pick((r) => r.server.p50),
              0,
            )} ${fmt(
              pick((r) => r.server.p99),
              0,
            )} ${fmt(peak, 0)}     | ${fmt(result.bare)} ${fmt(
              pick((r) => r.bare.p50),
              0,
            )} ${fmt(
              pick((r) => r.bare.p99),
              0,
            )} | ${fmt(ratio * 100, 1)} %   | ${cpu}`,
          );
        } finally {
          await server?.stop();
        }
      }
    }
  }
  return results;
}

if (import.meta.main) {
  const withBackends = process.argv.includes('--backends');
  const backends = [sqliteLocal];
  let other: Backend | null = null;
  if (withBackends) {
    other = await postgresS3();
    backends.push(other);
  }
  try {
    await uploadBench(backends);
  } finally {
    await other?.stop();
  }
}
