/**
 * Upload benchmark (issue 3): the real server over HTTP against the bare sharp pipeline,
 * measured in the same run on the same machine, at the same concurrency.
 *
 *   bun run bench            (from the repository root)
 *
 * Cases: a generated 12-megapixel photo-like JPEG, and a 200 KB PNG screenshot.
 * For each concurrency (1, 2, 8) it prints uploads per second, p50/p99 latency, the
 * server process's peak RSS (VmHWM, a fresh server per run), the same numbers for the
 * bare pipeline (thumb + medium from the same bytes), and the ratio between them.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';

const KEY = 'bench-admin-key-0123456789abcdef0123456789';
const SERVER_ENTRY = join(import.meta.dir, '..', 'packages', 'server', 'src', 'index.ts');
const CONCURRENCY = (process.env.BENCH_CONCURRENCY ?? '1,2,8').split(',').map(Number);

interface Fixture {
  name: string;
  filename: string;
  bytes: Uint8Array;
  /** Uploads per run at concurrency c. */
  count: (c: number) => number;
}

/** Every upload must be new bytes (the server answers duplicates without work): a JPEG COM or PNG tEXt-free trailer. */
function variantOf(bytes: Uint8Array, n: number, kind: 'jpeg' | 'png'): Uint8Array {
  const tag = new TextEncoder().encode(`bench-${n}-${Math.random()}`);
  if (kind === 'jpeg') {
    // A COM segment right after SOI: same pixels, different bytes.
    const segment = new Uint8Array(4 + tag.length);
    segment.set([0xff, 0xfe, (tag.length + 2) >> 8, (tag.length + 2) & 0xff]);
    segment.set(tag, 4);
    const out = new Uint8Array(bytes.length + segment.length);
    out.set(bytes.subarray(0, 2));
    out.set(segment, 2);
    out.set(bytes.subarray(2), 2 + segment.length);
    return out;
  }
  // PNG: decoders ignore bytes after IEND.
  const out = new Uint8Array(bytes.length + tag.length);
  out.set(bytes);
  out.set(tag, bytes.length);
  return out;
}

async function makeFixtures(): Promise<Fixture[]> {
  // 4000x3000 with noise and a gradient: compresses like a photo (~4-6 MB at q90).
  const width = 4000;
  const height = 3000;
  const photo = await sharp({
    create: {
      width,
      height,
      channels: 3,
      background: { r: 90, g: 130, b: 170 },
      noise: { type: 'gaussian', mean: 120, sigma: 30 },
    },
  })
    .composite([
      {
        input: Buffer.from(
          `<svg width="${width}" height="${height}"><defs><linearGradient id="g"><stop offset="0" stop-color="#f80" stop-opacity=".6"/><stop offset="1" stop-color="#08f" stop-opacity=".6"/></linearGradient></defs><rect width="100%" height="100%" fill="url(#g)"/></svg>`,
        ),
      },
    ])
    .jpeg({ quality: 90 })
    .toBuffer();
  // A screenshot-like PNG of about 200 KB: flat UI blocks and some text-like noise.
  const screenshot = await sharp({
    create: { width: 1280, height: 800, channels: 3, background: { r: 245, g: 246, b: 248 } },
  })
    .composite([
      {
        input: {
          create: { width: 1280, height: 64, channels: 3, background: { r: 37, g: 99, b: 235 } },
        },
        top: 0,
        left: 0,
      },
      {
        input: {
          create: {
            width: 390,
            height: 150,
            channels: 3,
            background: '#000',
            noise: { type: 'gaussian', mean: 200, sigma: 60 },
          },
        },
        top: 120,
        left: 40,
      },
    ])
    .png({ compressionLevel: 9 })
    .toBuffer();
  return [
    {
      name: '12 MP JPEG',
      filename: 'photo.jpg',
      bytes: new Uint8Array(photo),
      count: (c) => Math.max(30, c * 6),
    },
    {
      name: '200 KB PNG screenshot',
      filename: 'screenshot.png',
      bytes: new Uint8Array(screenshot),
      count: (c) => Math.max(100, c * 20),
    },
  ];
}

interface RunStats {
  perSecond: number;
  p50: number;
  p99: number;
  peakRssMb?: number;
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

async function startServer(): Promise<{ url: string; pid: number; stop: () => Promise<void> }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'upshot-bench-'));
  const port = 20000 + Math.floor(Math.random() * 20000);
  const child = spawn(process.execPath, [SERVER_ENTRY], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      UPSHOT_DATA_DIR: dataDir,
      UPSHOT_ADMIN_KEY: KEY,
      UPSHOT_LOG_REQUESTS: 'false',
      UPSHOT_MAX_UPLOAD_MB_USER: '100',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {}
    await Bun.sleep(50);
  }
  return {
    url,
    pid: child.pid!,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

interface EncodedBody {
  body: Uint8Array;
  contentType: string;
}

/**
 * The multipart body, encoded before the clock starts: the load generator shares the
 * two cores with the server, so it does no per-request encoding (as curl streaming a
 * file wouldn't).
 */
async function encodeBody(fixture: Fixture, bytes: Uint8Array): Promise<EncodedBody> {
  const form = new FormData();
  form.append('source', new File([bytes], fixture.filename));
  const encoded = new Response(form);
  const contentType = encoded.headers.get('content-type') ?? '';
  return { body: new Uint8Array(await encoded.arrayBuffer()), contentType };
}

async function uploadOnce(url: string, upload: EncodedBody): Promise<void> {
  const res = await fetch(`${url}/api/1/upload`, {
    method: 'POST',
    headers: { 'X-API-Key': KEY, 'Content-Type': upload.contentType },
    body: upload.body,
  });
  if (res.status !== 200) throw new Error(`upload failed: ${res.status} ${await res.text()}`);
  await res.arrayBuffer();
}

const fmt = (n: number, digits = 2) => n.toFixed(digits).padStart(8);

async function main() {
  console.log(
    `Upshot upload benchmark · ${availableParallelism()} cores · sharp ${sharp.versions.sharp} / libvips ${sharp.versions.vips}`,
  );
  const fixtures = await makeFixtures();
  for (const fixture of fixtures) {
    console.log(`\n${fixture.name} (${(fixture.bytes.length / 1e6).toFixed(2)} MB)`);
    console.log(
      '  conc |   server up/s   p50 ms   p99 ms  peak RSS MB |     bare up/s   p50 ms   p99 ms |  server/bare',
    );
    const kind = fixture.filename.endsWith('.png') ? 'png' : 'jpeg';
    for (const c of CONCURRENCY) {
      const count = fixture.count(c);
      const inputs = Array.from({ length: count + c }, (_, i) => variantOf(fixture.bytes, i, kind));
      // Warm up both sides once, then measure.
      await barePipeline(inputs[count]!);
      const bare = await runPool(count, c, (i) => barePipeline(inputs[i]!));
      const server = await startServer();
      try {
        const bodies = await Promise.all(inputs.map((bytes) => encodeBody(fixture, bytes)));
        await uploadOnce(server.url, bodies[count]!);
        const stats = await runPool(count, c, (i) => uploadOnce(server.url, bodies[i]!));
        stats.peakRssMb = await peakRssMb(server.pid);
        console.log(
          `  ${String(c).padStart(4)} | ${fmt(stats.perSecond)} ${fmt(stats.p50, 0)} ${fmt(stats.p99, 0)} ${fmt(stats.peakRssMb, 0)}     | ${fmt(bare.perSecond)} ${fmt(bare.p50, 0)} ${fmt(bare.p99, 0)} | ${fmt((stats.perSecond / bare.perSecond) * 100, 1)} %`,
        );
      } finally {
        await server.stop();
      }
    }
  }
}

await main();
