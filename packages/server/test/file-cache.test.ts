// Serving /images/... from the file cache (README: Performance): lookups shared and kept
// for a second at most, hot files in memory within UPSHOT_FILE_CACHE_MB, and nothing
// served that a deletion, an expiry or a privacy change has taken away.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config.ts';
import { createFileCache, type FileLoader, type ServableFile } from '../src/http/file-cache.ts';
import type { StoredObject } from '../src/storage/storage.ts';
import { file, jpeg, png } from './helpers/images.ts';
import { createClock, startTestServer, type TestServer } from './helpers/server.ts';

/** A stored file held in memory, counting how often its bytes are read. */
function storedBytes(size: number, modifiedAt = new Date('2026-01-01T00:00:00Z')) {
  const bytes = new Uint8Array(size).fill(7);
  const object = {
    reads: 0,
    size,
    modifiedAt,
    body(start?: number, end?: number) {
      object.reads++;
      return new Blob([bytes.subarray(start ?? 0, end ?? size)]);
    },
  };
  return object satisfies StoredObject;
}

const servable = (stored: StoredObject, imageId = 1): ServableFile => ({
  key: `images/2026/01/01/${imageId}.png`,
  imageId,
  ownerId: 1,
  isPrivate: false,
  mime: 'image/png',
  expiresAt: null,
  stored,
});

/** A loader answering from a map, counting its calls; `gate` holds calls until opened. */
function loader(files: Map<string, ServableFile>) {
  let open: () => void = () => {};
  let gate: Promise<void> | null = null;
  const state = {
    calls: 0,
    hold() {
      gate = new Promise((resolve) => (open = resolve));
    },
    release() {
      gate = null;
      open();
    },
    load: (async (path) => {
      state.calls++;
      if (gate) await gate;
      return files.get(path) ?? null;
    }) as FileLoader,
  };
  return state;
}

/** Lets background lookups and reads into memory finish. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 10));

describe('the file cache', () => {
  test('concurrent misses of one URL share one lookup; a miss is never remembered', async () => {
    const files = new Map([['/a', servable(storedBytes(10))]]);
    const source = loader(files);
    const cache = createFileCache({ maxBytes: 0 });
    source.hold();
    const all = Array.from({ length: 10 }, () => cache.get('/a', source.load));
    source.release();
    expect((await Promise.all(all)).every((entry) => entry?.imageId === 1)).toBe(true);
    expect(source.calls).toBe(1);
    expect(await cache.get('/missing', source.load)).toBeNull();
    expect(await cache.get('/missing', source.load)).toBeNull();
    expect(source.calls).toBe(3);
  });

  test('an entry is served for half its life as is, then looked up again behind it, and never past it', async () => {
    let now = 0;
    const files = new Map([['/a', servable(storedBytes(10))]]);
    const source = loader(files);
    const cache = createFileCache({ maxBytes: 0, ttlMs: 1000, clock: () => now });
    await cache.get('/a', source.load);
    now = 499;
    expect(cache.peek('/a', source.load)).not.toBeUndefined();
    expect(source.calls).toBe(1);
    // Half-way: still served at once, while a lookup runs in the background.
    now = 600;
    expect(cache.peek('/a', source.load)).not.toBeUndefined();
    expect(source.calls).toBe(2);
    await settle();
    // The image is deleted elsewhere: the next background lookup drops the entry.
    files.delete('/a');
    now = 1200;
    expect(cache.peek('/a', source.load)).not.toBeUndefined();
    await settle();
    expect(cache.peek('/a', source.load)).toBeUndefined();
    expect(await cache.get('/a', source.load)).toBeNull();
    // And an entry whose lookups stopped is never served past its life.
    files.set('/b', servable(storedBytes(10), 2));
    await cache.get('/b', source.load);
    source.hold();
    now = 1700;
    cache.peek('/b', source.load);
    now = 2300;
    expect(cache.peek('/b', source.load)).toBeUndefined();
    source.release();
  });

  test('forget drops URLs at once, and a lookup that began before is not remembered', async () => {
    const files = new Map([['/a', servable(storedBytes(10))]]);
    const source = loader(files);
    const cache = createFileCache({ maxBytes: 0 });
    await cache.get('/a', source.load);
    cache.forget(['/a']);
    expect(cache.peek('/a', source.load)).toBeUndefined();
    source.hold();
    const before = cache.get('/a', source.load);
    cache.forget(['/a']);
    source.release();
    await before;
    expect(cache.peek('/a', source.load)).toBeUndefined();
    // invalidateAll: every entry is looked up again before its next hit.
    await cache.get('/a', source.load);
    const calls = source.calls;
    cache.invalidateAll();
    expect(cache.peek('/a', source.load)).toBeUndefined();
    await cache.get('/a', source.load);
    expect(source.calls).toBe(calls + 1);
  });

  test('hot files are kept in memory within the budget, least recently served dropped first', async () => {
    const files = new Map<string, ServableFile>();
    for (let i = 0; i < 6; i++) files.set(`/${i}`, servable(storedBytes(200), i));
    files.set('/big', servable(storedBytes(300), 9));
    const source = loader(files);
    // 1000 bytes: files up to a quarter of it (250) are kept.
    const cache = createFileCache({ maxBytes: 1000 });
    const hit = async (path: string) => {
      await cache.get(path, source.load);
      await settle();
    };
    // A first request reads nothing into memory; a second one does.
    await hit('/0');
    expect(cache.stats().residentBytes).toBe(0);
    await hit('/0');
    expect(cache.stats()).toMatchObject({ residentFiles: 1, residentBytes: 200 });
    for (const path of ['/1', '/1', '/2', '/2', '/3', '/3']) await hit(path);
    expect(cache.stats()).toMatchObject({ residentFiles: 4, residentBytes: 800 });
    // /0 served again: /1 is now the least recently served.
    await hit('/0');
    for (const path of ['/4', '/4', '/5', '/5']) await hit(path);
    expect(cache.stats()).toMatchObject({ residentFiles: 5, residentBytes: 1000 });
    expect(cache.peek('/1', source.load)?.bytes).toBeNull();
    expect(cache.peek('/0', source.load)?.bytes).not.toBeNull();
    // Over a quarter of the budget: never kept, and its bytes are not read again and again.
    for (const path of ['/big', '/big', '/big']) await hit(path);
    expect(cache.peek('/big', source.load)?.bytes).toBeNull();
    expect((files.get('/big')!.stored as ReturnType<typeof storedBytes>).reads).toBe(0);
    // The bytes in memory are the file's.
    const kept = cache.peek('/0', source.load);
    expect(new Uint8Array(await kept!.bytes!.arrayBuffer())).toEqual(new Uint8Array(200).fill(7));
  });

  test('a file changed on disk (same URL, new size or date) is read again', async () => {
    const files = new Map([['/a', servable(storedBytes(100))]]);
    const source = loader(files);
    let now = 0;
    const cache = createFileCache({ maxBytes: 1000, clock: () => now });
    await cache.get('/a', source.load);
    await cache.get('/a', source.load);
    await settle();
    expect((await cache.get('/a', source.load))?.bytes?.size).toBe(100);
    files.set('/a', servable(storedBytes(120, new Date('2026-02-01T00:00:00Z'))));
    now = 2000;
    const fresh = await cache.get('/a', source.load);
    expect({ size: fresh?.stored.size, inMemory: fresh?.bytes }).toEqual({
      size: 120,
      inMemory: null,
    });
    expect(cache.stats().residentBytes).toBe(0);
  });
});

describe('UPSHOT_FILE_CACHE_MB', () => {
  test('is read in megabytes, 64 by default, 0 for none; anything else stops the start', () => {
    expect(loadConfig({}).fileCacheBytes).toBe(64 * 1024 * 1024);
    expect(loadConfig({ UPSHOT_FILE_CACHE_MB: '0' }).fileCacheBytes).toBe(0);
    expect(loadConfig({ UPSHOT_FILE_CACHE_MB: '8' }).fileCacheBytes).toBe(8 * 1024 * 1024);
    expect(() => loadConfig({ UPSHOT_FILE_CACHE_MB: '-1' })).toThrow('UPSHOT_FILE_CACHE_MB');
    expect(() => loadConfig({ UPSHOT_FILE_CACHE_MB: 'lots' })).toThrow('UPSHOT_FILE_CACHE_MB');
  });
});

/** The headers a client sees, but the date of the reply and its request id. */
const headersOf = (res: Response) =>
  Object.fromEntries(
    [...res.headers].filter(([name]) => name !== 'date' && name !== 'x-request-id'),
  );

describe('files served from the cache', () => {
  let server: TestServer;
  const clock = createClock(new Date('2026-06-01T10:00:00Z'));
  beforeAll(async () => {
    server = await startTestServer({}, { clock });
  });
  afterAll(() => server.stop());

  const upload = async (bytes: Uint8Array<ArrayBuffer>, name: string, extra = {}) =>
    (await (await server.upload({ source: file(bytes, name), ...extra })).json()).image;

  test('answer with the same bytes and headers as the first, uncached, reply', async () => {
    const bytes = await jpeg(400, 300);
    const image = await upload(bytes, 'same.jpg');
    const first = await fetch(image.url);
    const firstBody = new Uint8Array(await first.arrayBuffer());
    for (let i = 0; i < 3; i++) {
      const again = await fetch(image.url);
      expect(headersOf(again)).toEqual(headersOf(first));
      expect(new Uint8Array(await again.arrayBuffer())).toEqual(firstBody);
    }
    expect(firstBody).toEqual(bytes);
    // From memory too: a HEAD, a range, a conditional request.
    const head = await fetch(image.url, { method: 'HEAD' });
    expect({ status: head.status, length: head.headers.get('content-length') }).toEqual({
      status: 200,
      length: String(bytes.length),
    });
    const range = await fetch(image.url, { headers: { Range: 'bytes=2-5' } });
    expect({ status: range.status, body: new Uint8Array(await range.arrayBuffer()) }).toEqual({
      status: 206,
      body: bytes.slice(2, 6),
    });
    const etag = first.headers.get('etag')!;
    expect((await fetch(image.url, { headers: { 'If-None-Match': etag } })).status).toBe(304);
  });

  test('a deleted image is 404 at once, however hot its files were', async () => {
    const image = await upload(await png(60, 40, { r: 1, g: 2, b: 3 }), 'deleted.png');
    for (let i = 0; i < 3; i++) expect((await fetch(image.url)).status).toBe(200);
    expect((await fetch(image.delete_url, { method: 'POST' })).status).toBe(200);
    const gone = await fetch(image.url);
    expect({ status: gone.status, cache: gone.headers.get('cache-control') }).toEqual({
      status: 404,
      cache: 'no-store',
    });
    expect((await fetch(image.thumb.url)).status).toBe(404);
  });

  test('an expiring image: max-age bounded by its expiry, and 404 the moment it expires', async () => {
    const image = await upload(await png(61, 40, { r: 4, g: 5, b: 6 }), 'soon.png', {
      expiration: 'PT10M',
    });
    const first = await fetch(image.url);
    expect(first.headers.get('cache-control')).toBe('public, max-age=600, immutable');
    clock.advance(4 * 60 * 1000);
    const later = await fetch(image.url);
    expect(later.headers.get('cache-control')).toBe('public, max-age=360, immutable');
    clock.advance(6 * 60 * 1000);
    expect((await fetch(image.url)).status).toBe(404);
  });

  test('a file of an album made private is 404 at once to others, and private to its owner', async () => {
    const image = await upload(await png(62, 40, { r: 7, g: 8, b: 9 }), 'album.png');
    const id = server.instance.ids.decode(image.id_encoded)!;
    const album = await server.repos.albums.create({ userId: 1, name: 'a', now: clock.now() });
    await server.repos.images.move(1, [id], album.id);
    for (let i = 0; i < 3; i++) expect((await fetch(image.url)).status).toBe(200);
    await server.repos.albums.update(album.id, 1, {
      name: 'a',
      description: null,
      privacy: 'private',
    });
    const hidden = await fetch(image.url);
    expect({ status: hidden.status, cache: hidden.headers.get('cache-control') }).toEqual({
      status: 404,
      cache: 'no-store',
    });
  });
});

describe('two instances on one database and one folder', () => {
  test('an image deleted on one is 404 on the other within 2 s', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'upshot-two-'));
    const a = await startTestServer({}, { dataDir });
    const b = await startTestServer({}, { dataDir });
    try {
      const image = (
        await (await a.upload({ source: file(await png(63, 40), 'shared.png') })).json()
      ).image;
      const onB = image.url.replace(a.url, b.url);
      // Hot on b: looked up, and its bytes in memory.
      for (let i = 0; i < 3; i++) expect((await fetch(onB)).status).toBe(200);
      expect((await fetch(image.delete_url, { method: 'POST' })).status).toBe(200);
      expect((await fetch(image.url)).status).toBe(404);
      const deletedAt = Date.now();
      let status = 200;
      while (status !== 404 && Date.now() - deletedAt < 2_000) {
        status = (await fetch(onB)).status;
        if (status !== 404) await Bun.sleep(25);
      }
      expect(status).toBe(404);
    } finally {
      await a.stop();
      await b.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
