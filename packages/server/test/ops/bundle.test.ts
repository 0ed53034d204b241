// `bun run start` runs the production bundle (README: Performance): built when missing,
// rebuilt when a source changes, and the sources run when it cannot be built.
import { afterAll, describe, expect, test } from 'bun:test';
import { existsSync, statSync, utimesSync } from 'node:fs';
import { mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUNDLE_DIR, buildBundle, bundleEntry, bundleIsCurrent } from '../../src/bundle.ts';
import { PACKAGE_ROOT } from '../../src/paths.ts';
import { png } from '../helpers/images.ts';
import { PROCESS_ADMIN_KEY, startUpshotProcess } from '../support/upshot-process.ts';

const temps: string[] = [];
const tempDir = async () => {
  const dir = await mkdtemp(join(tmpdir(), 'upshot-bundle-'));
  temps.push(dir);
  return dir;
};
afterAll(async () => {
  await Promise.all(temps.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** Uploads a PNG and reads its thumbnail back: the thumbnail's size in bytes. */
async function uploadAndFetch(url: string): Promise<number> {
  const form = new FormData();
  form.append('source', new Blob([await png(320, 200)], { type: 'image/png' }), 'bundle.png');
  const res = await fetch(`${url}/api/1/upload`, {
    method: 'POST',
    headers: { 'X-API-Key': PROCESS_ADMIN_KEY },
    body: form,
  });
  expect(res.status).toBe(200);
  const { image } = (await res.json()) as { image: { url: string; thumb: { url: string } } };
  const file = await fetch(image.thumb.url);
  expect(file.status).toBe(200);
  expect(file.headers.get('content-type')).toBe('image/png');
  return (await file.arrayBuffer()).byteLength;
}

describe('the production bundle', () => {
  test('is current once built, and stale when a source it was made from changes', async () => {
    const dir = join(PACKAGE_ROOT, 'dist', `test-${process.pid}`);
    temps.push(dir);
    await buildBundle(dir);
    expect(existsSync(bundleEntry(dir))).toBe(true);
    expect(existsSync(`${bundleEntry(dir)}.jsc`)).toBe(true);
    expect(bundleIsCurrent(dir)).toBe(true);

    const source = join(PACKAGE_ROOT, 'src', 'db', 'migration-files.ts');
    const before = statSync(source);
    try {
      utimesSync(source, before.atime, new Date(before.mtimeMs + 5_000));
      expect(bundleIsCurrent(dir)).toBe(false);
    } finally {
      utimesSync(source, before.atime, before.mtime);
    }
    // A manifest from another Bun or another folder does not count either.
    const manifest = join(dir, 'inputs.json');
    const text = await readFile(manifest, 'utf8');
    await writeFile(manifest, text.replace(/"bun":"[^"]+"/, '"bun":"0.0.1+old"'));
    expect(bundleIsCurrent(dir)).toBe(false);
    await writeFile(manifest, text.replace(/"root":"[^"]+"/, '"root":"/elsewhere"'));
    expect(bundleIsCurrent(dir)).toBe(false);
  });

  test('`bun src/index.ts` builds it when missing, then serves uploads from it', async () => {
    await rm(BUNDLE_DIR, { recursive: true, force: true });
    const first = await startUpshotProcess(await tempDir());
    try {
      expect(first.output()).toContain('building the production bundle');
      expect(first.output()).not.toContain('running from the sources');
      expect(bundleIsCurrent()).toBe(true);
      // sharp and the media parsers load from node_modules when the first upload comes.
      expect(await uploadAndFetch(first.url)).toBeGreaterThan(100);
    } finally {
      first.kill();
      await first.exited;
    }
    const second = await startUpshotProcess(await tempDir());
    try {
      expect(second.output()).not.toContain('building');
      expect((await fetch(`${second.url}/healthz`)).status).toBe(200);
    } finally {
      second.kill();
      await second.exited;
    }
  });

  test('the sources run when the bundle cannot be built', async () => {
    // A file where the bundle's folder would be: the build cannot write there (as root too).
    const dist = join(PACKAGE_ROOT, 'dist');
    const moved = `${dist}.moved-${process.pid}`;
    await rename(dist, moved);
    await writeFile(dist, 'not a folder');
    try {
      const server = await startUpshotProcess(await tempDir());
      try {
        expect(server.output()).toContain('running from the sources');
        expect(await uploadAndFetch(server.url)).toBeGreaterThan(100);
      } finally {
        server.kill();
        await server.exited;
      }
    } finally {
      await rm(dist, { force: true });
      await rename(moved, dist);
    }
  });
});
