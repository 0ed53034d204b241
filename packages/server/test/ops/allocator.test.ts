// The C allocator settings for libvips (src/media/allocator.ts), tried on the real server:
// page faults per upload, counted by the kernel, with and without them.
import { afterAll, describe, expect, test } from 'bun:test';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { screenshotPng } from '../helpers/images.ts';
import { PROCESS_ADMIN_KEY, startUpshotProcess } from '../support/upshot-process.ts';

const folders: string[] = [];
afterAll(async () => {
  await Promise.all(folders.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function minorFaults(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[7]);
}

/** Minor page faults of a fresh server per upload of distinct PNGs, 8 at a time, once warm. */
async function faultsPerUpload(env: Record<string, string>): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'upshot-alloc-'));
  folders.push(dir);
  const server = await startUpshotProcess(dir, env);
  try {
    const png = await screenshotPng();
    let serial = 0;
    const upload = async () => {
      // Distinct bytes each time (a duplicate is answered without processing): decoders
      // ignore what follows IEND.
      const tail = new TextEncoder().encode(`upload-${serial++}`);
      const bytes = new Uint8Array(png.length + tail.length);
      bytes.set(png);
      bytes.set(tail, png.length);
      const form = new FormData();
      form.append('source', new File([bytes], 'screen.png'));
      const res = await fetch(`${server.url}/api/1/upload`, {
        method: 'POST',
        headers: { 'X-API-Key': PROCESS_ADMIN_KEY },
        body: form,
      });
      expect(res.status).toBe(200);
      await res.arrayBuffer();
    };
    const uploads = async (count: number) => {
      let left = count;
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          while (left-- > 0) await upload();
        }),
      );
    };
    await uploads(48);
    const before = await minorFaults(server.pid);
    await uploads(96);
    return ((await minorFaults(server.pid)) - before) / 96;
  } finally {
    server.kill('SIGTERM');
    await server.exited;
  }
}

describe('the allocator settings for libvips', () => {
  test('cut the page faults of PNG uploads by more than half', async () => {
    // tcache_count=7 is glibc's default: the allocator as glibc ships it, and (a malloc
    // tunable being set) the server leaves it so.
    const untuned = await faultsPerUpload({ GLIBC_TUNABLES: 'glibc.malloc.tcache_count=7' });
    const tuned = await faultsPerUpload({});
    console.log(
      `minor page faults per upload: ${untuned.toFixed(0)} untuned, ${tuned.toFixed(0)} tuned`,
    );
    expect(tuned).toBeLessThan(untuned / 2);
  }, 300_000);

  test('are applied on glibc and left alone when GLIBC_TUNABLES sets malloc', async () => {
    const script =
      "const { keepFreedMemoryForReuse } = await import('./src/media/allocator.ts'); console.log(keepFreedMemoryForReuse());";
    const run = async (env: Record<string, string>) => {
      const proc = Bun.spawn(['bun', '-e', script], {
        cwd: join(import.meta.dir, '..', '..'),
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
        stdout: 'pipe',
      });
      const out = await new Response(proc.stdout).text();
      expect(await proc.exited).toBe(0);
      return out.trim();
    };
    expect(await run({})).toBe('true');
    expect(await run({ GLIBC_TUNABLES: 'glibc.malloc.trim_threshold=1048576' })).toBe('false');
  }, 60_000);
});
