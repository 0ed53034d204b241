/**
 * Cold-start benchmark (issue 12): from spawning `bun run start` to the first 200 on
 * /healthz, with a fresh data folder, and again restarting on an existing one; the
 * baseline, measured alternately in the same run, is a bare Elysia app with sharp loaded
 * (bare-start.ts, spawned with `bun run` as well).
 *
 *   bun run bench cold-start      BENCH_COLD_RUNS (5); BENCH_COMPARE_ROOT adds a row for
 *                                 another checkout of the repository (an older commit)
 */
import { Database } from 'bun:sqlite';
import { copyFileSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { ADMIN_KEY, fmt, freePort, median, ROOT, startServer, treeCpuMs } from './lib.ts';

const RUNS = Number(process.env.BENCH_COLD_RUNS ?? 5);
/** Images in the data folder of the "large" restart (issue 10: start-up at 10,000 images). */
const LARGE_IMAGES = Number(process.env.BENCH_COLD_IMAGES ?? 10_000);

/**
 * A data folder holding `count` images: one real upload, then its row and files copied
 * under new names (what start-up reads is the same as for real uploads; made untimed).
 */
export async function seedLargeFolder(dir: string, count: number): Promise<void> {
  const server = await startServer({}, { dataDir: dir });
  try {
    const png = await sharp({
      create: { width: 64, height: 48, channels: 3, background: '#3a6' },
    })
      .png()
      .toBuffer();
    const form = new FormData();
    form.append('source', new Blob([new Uint8Array(png)], { type: 'image/png' }), 'seed.png');
    const res = await fetch(`${server.url}/api/1/upload`, {
      method: 'POST',
      headers: { 'X-API-Key': ADMIN_KEY },
      body: form,
    });
    if (res.status !== 200) throw new Error(`seed upload: ${res.status} ${await res.text()}`);
  } finally {
    await server.stop();
  }
  const db = new Database(join(dir, 'upshot.sqlite'));
  try {
    const row = db.query('SELECT * FROM images').get() as Record<string, unknown>;
    const { id: _id, ...columns } = row;
    const names = Object.keys(columns);
    const insert = db.prepare(
      `INSERT INTO images (${names.map((n) => `"${n}"`).join(',')}) VALUES (${names.map(() => '?').join(',')})`,
    );
    const folder = join(dir, 'images', String(row.date_path));
    const seedName = String(row.name);
    const files = readdirSync(folder).filter((file) => file.startsWith(`${seedName}.`));
    if (files.length === 0) throw new Error(`seed files not found in ${folder}`);
    db.transaction(() => {
      for (let i = 1; i < count; i++) {
        const name = `${seedName}${i.toString(36)}`;
        const values = names.map((n) => (n === 'name' ? name : columns[n])) as never[];
        insert.run(...values);
        for (const file of files) {
          copyFileSync(join(folder, file), join(folder, name + file.slice(seedName.length)));
        }
      }
    })();
    db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
}

/** CPU time the started process tree had used at its first 200, per timed start. */
const cpuAtReady = new Map<string, number[]>();

/** Milliseconds from spawn to the first 200 on /healthz. */
async function timeStart(
  cwd: string,
  script: string,
  dataDir: string,
  label?: string,
): Promise<number> {
  const port = await freePort();
  const started = performance.now();
  const child = Bun.spawn(['bun', 'run', '--silent', script], {
    cwd,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      UPSHOT_DATA_DIR: dataDir,
      UPSHOT_ADMIN_KEY: ADMIN_KEY,
      UPSHOT_LOG_REQUESTS: 'false',
    },
    stdin: 'ignore',
    stdout: 'ignore',
    stderr: 'inherit',
  });
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${script} exited at start`);
      try {
        if ((await fetch(`http://127.0.0.1:${port}/healthz`)).status === 200) {
          const ms = performance.now() - started;
          if (label)
            cpuAtReady.set(label, [...(cpuAtReady.get(label) ?? []), await treeCpuMs(child.pid)]);
          return ms;
        }
      } catch {}
      if (performance.now() - started > 30_000) throw new Error(`${script}: no 200 in 30 s`);
      await Bun.sleep(2);
    }
  } finally {
    child.kill('SIGTERM');
    await child.exited;
  }
}

export interface ColdStartResult {
  fresh: number;
  restart: number;
  restartLarge: number;
  bare: number;
}

export async function coldStartBench(): Promise<ColdStartResult> {
  const roots: Array<{ name: string; root: string }> = [{ name: 'Upshot', root: ROOT }];
  if (process.env.BENCH_COMPARE_ROOT) {
    roots.push({ name: 'compared', root: process.env.BENCH_COMPARE_ROOT });
  }
  const times = new Map<string, number[]>();
  const push = (key: string, ms: number) => times.set(key, [...(times.get(key) ?? []), ms]);
  const kept = new Map<string, string>();
  const temps: string[] = [];
  try {
    for (const { name, root } of roots) {
      const dir = await mkdtemp(join(tmpdir(), 'upshot-bench-restart-'));
      temps.push(dir);
      kept.set(name, dir);
      // The folder restarts reuse: made once (not timed).
      await timeStart(root, 'start', dir);
    }
    const large = await mkdtemp(join(tmpdir(), 'upshot-bench-large-'));
    temps.push(large);
    await seedLargeFolder(large, LARGE_IMAGES);
    // Alternating, so a busy moment of the machine hits all of them alike.
    for (let run = 0; run < RUNS; run++) {
      push('bare', await timeStart(join(ROOT, 'bench'), 'bare-start', tmpdir(), 'bare'));
      for (const { name, root } of roots) {
        const fresh = await mkdtemp(join(tmpdir(), 'upshot-bench-cold-'));
        try {
          push(`${name} fresh`, await timeStart(root, 'start', fresh, `${name} fresh`));
        } finally {
          await rm(fresh, { recursive: true, force: true });
        }
        push(`${name} restart`, await timeStart(root, 'start', kept.get(name)!, `${name} restart`));
      }
      push('large', await timeStart(ROOT, 'start', large, 'large'));
    }
  } finally {
    await Promise.all(temps.map((dir) => rm(dir, { recursive: true, force: true })));
  }
  const bare = median(times.get('bare')!);
  console.log(
    `\nCold start: spawn of \`bun run start\` to the first 200 on /healthz, median of ${RUNS}`,
  );
  console.log(
    '  what                    |  median ms |  all runs (ms)            | / bare Elysia + sharp | CPU ms at ready',
  );
  const row = (label: string, key: string) => {
    const all = times.get(key)!;
    const m = median(all);
    console.log(
      `  ${label.padEnd(23)} | ${fmt(m, 0)}   | ${all
        .map((t) => t.toFixed(0))
        .join(' ')
        .padEnd(
          25,
        )} | ${fmt(m / bare, 2)}×             | ${fmt(median(cpuAtReady.get(key) ?? [0]), 0)}`,
    );
    return m;
  };
  const fresh = row('Upshot, fresh folder', 'Upshot fresh');
  const restart = row('Upshot, restart', 'Upshot restart');
  const restartLarge = row(`restart, ${LARGE_IMAGES.toLocaleString('en')} images`, 'large');
  if (roots.length > 1) {
    row('compared, fresh folder', 'compared fresh');
    row('compared, restart', 'compared restart');
  }
  row('bare Elysia + sharp', 'bare');
  console.log(
    `  targets: fresh ≤ 200 ms (${fresh <= 200 ? 'met' : 'not met'}); restarts not slower than fresh (${Math.max(restart, restartLarge) <= fresh * 1.1 ? 'met' : 'not met'}, within 10 %)`,
  );
  return { fresh, restart, restartLarge, bare };
}

if (import.meta.main) await coldStartBench();
