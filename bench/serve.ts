/**
 * Serving benchmark (issue 12): `wrk -t1 -c64 -d8s` on one uploaded 200 KB PNG's
 * /images/... URL, against nginx (1 worker, sendfile, no access log) serving the same
 * file from the same data folder. Runs alternate in one run; the ratio is Upshot's
 * requests per second over nginx's, per round and overall.
 *
 *   bun run bench serve        BENCH_SERVE_ROUNDS (3), BENCH_SERVE_SECONDS (8)
 */
import { closeSync, openSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { screenshotPng } from './fixtures.ts';
import {
  ADMIN_KEY,
  ensureCommands,
  fmt,
  freePort,
  median,
  type RunningServer,
  startServer,
  treeCpuMs,
  wrk,
  wrkRun,
} from './lib.ts';

const ROUNDS = Number(process.env.BENCH_SERVE_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_SERVE_SECONDS ?? 8);

async function startNginx(
  root: string,
): Promise<{ url: string; pid: number; stop(): Promise<void> }> {
  const prefix = await mkdtemp(join(tmpdir(), 'upshot-bench-nginx-'));
  const port = await freePort();
  const path = (name: string) => join(prefix, name);
  await writeFile(
    path('nginx.conf'),
    `daemon off;
master_process on;
worker_processes 1;
${process.getuid?.() === 0 ? 'user root;' : ''}
pid ${path('nginx.pid')};
error_log ${path('error.log')} warn;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  types { image/png png; image/jpeg jpeg jpg; }
  client_body_temp_path ${path('body')};
  proxy_temp_path ${path('proxy')};
  fastcgi_temp_path ${path('fastcgi')};
  uwsgi_temp_path ${path('uwsgi')};
  scgi_temp_path ${path('scgi')};
  server {
    listen 127.0.0.1:${port};
    root ${root};
  }
}
`,
  );
  const log = openSync(path('error.log'), 'a');
  const proc = Bun.spawn(
    ['nginx', '-p', `${prefix}/`, '-c', path('nginx.conf'), '-e', path('error.log')],
    { stdin: 'ignore', stdout: log, stderr: log },
  );
  closeSync(log);
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (proc.exitCode !== null || i > 500) {
      throw new Error(`nginx did not start: ${await readFile(path('error.log'), 'utf8')}`);
    }
    try {
      await fetch(url);
      break;
    } catch {
      await Bun.sleep(10);
    }
  }
  return {
    url,
    pid: proc.pid,
    async stop() {
      proc.kill('SIGTERM');
      await proc.exited;
      await rm(prefix, { recursive: true, force: true });
    },
  };
}

/** Uploads the screenshot; returns the path of its file URL. */
async function uploadScreenshot(server: RunningServer): Promise<{ path: string; size: number }> {
  const fixture = await screenshotPng();
  const form = new FormData();
  form.append('source', new File([fixture.bytes], fixture.filename));
  const res = await fetch(`${server.url}/api/1/upload`, {
    method: 'POST',
    headers: { 'X-API-Key': ADMIN_KEY },
    body: form,
  });
  if (res.status !== 200) throw new Error(`upload failed: ${res.status} ${await res.text()}`);
  const { image } = (await res.json()) as { image: { url: string } };
  return { path: new URL(image.url).pathname, size: fixture.bytes.length };
}

export interface ServeResult {
  upshot: number;
  nginx: number;
  ratio: number;
}

export async function serveBench(env: Record<string, string> = {}): Promise<ServeResult> {
  await ensureCommands({ nginx: 'nginx-light', wrk: 'wrk' });
  const server = await startServer(env);
  let nginx: Awaited<ReturnType<typeof startNginx>> | null = null;
  try {
    const { path, size } = await uploadScreenshot(server);
    nginx = await startNginx(server.dataDir);
    const upshotUrl = `${server.url}${path}`;
    const nginxUrl = `${nginx.url}${path}`;
    const sample = await fetch(upshotUrl);
    const bytes = new Uint8Array(await sample.arrayBuffer());
    const same = new Uint8Array(await (await fetch(nginxUrl)).arrayBuffer());
    if (bytes.length !== size || Buffer.compare(bytes, same) !== 0) {
      throw new Error('Upshot and nginx do not serve the same bytes');
    }
    console.log(
      `\nServing one ${(size / 1000).toFixed(0)} KB PNG (${path}): wrk -t1 -c64 -d${SECONDS}s, alternating with nginx (1 worker, sendfile, no access log)`,
    );
    console.log(
      `  Upshot's headers: ${[
        'etag',
        'last-modified',
        'cache-control',
        'x-content-type-options',
        'content-security-policy',
      ]
        .map((name) => `${name}: ${sample.headers.get(name)}`)
        .join(' · ')}`,
    );
    // Warm both (the cache, the page cache, the JIT).
    await wrk(upshotUrl, 2);
    await wrk(nginxUrl, 2);
    console.log(
      '  round |  Upshot req/s |   nginx req/s | Upshot/nginx | CPU µs per request: Upshot, nginx',
    );
    const rounds: ServeResult[] = [];
    const targets = {
      upshot: { url: upshotUrl, pid: server.pid },
      nginx: { url: nginxUrl, pid: nginx.pid },
    };
    for (let round = 1; round <= ROUNDS; round++) {
      // Who goes first alternates, so neither always runs on a machine the other warmed.
      const order = round % 2 ? (['upshot', 'nginx'] as const) : (['nginx', 'upshot'] as const);
      const rates = { upshot: 0, nginx: 0 };
      const cpu = { upshot: 0, nginx: 0 };
      for (const who of order) {
        const before = await treeCpuMs(targets[who].pid);
        const run = await wrkRun(targets[who].url, SECONDS);
        cpu[who] = (((await treeCpuMs(targets[who].pid)) - before) * 1000) / run.requests;
        rates[who] = run.rate;
      }
      const result = {
        upshot: rates.upshot,
        nginx: rates.nginx,
        ratio: rates.upshot / rates.nginx,
      };
      rounds.push(result);
      console.log(
        `  ${String(round).padStart(5)} | ${fmt(result.upshot, 0)}      | ${fmt(result.nginx, 0)}      | ${fmt(result.ratio * 100, 1)} %     | ${cpu.upshot.toFixed(0)}, ${cpu.nginx.toFixed(0)}`,
      );
    }
    const total = {
      upshot: median(rounds.map((r) => r.upshot)),
      nginx: median(rounds.map((r) => r.nginx)),
      ratio: median(rounds.map((r) => r.ratio)),
    };
    console.log(
      `  median | ${fmt(total.upshot, 0)}      | ${fmt(total.nginx, 0)}      | ${fmt(total.ratio * 100, 1)} %   (target ≥ 90 %)`,
    );
    return total;
  } finally {
    await nginx?.stop();
    await server.stop();
  }
}

if (import.meta.main) await serveBench();
