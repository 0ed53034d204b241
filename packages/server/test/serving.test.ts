import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { file, jpeg } from './helpers/images.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';

let server: TestServer;
let bytes: Uint8Array<ArrayBuffer>;
let image: { url: string; thumb: { url: string }; id_encoded: string };

beforeAll(async () => {
  server = await startTestServer();
  bytes = await jpeg(640, 480);
  image = (await (await server.upload({ source: file(bytes, 'served.jpg') })).json()).image;
});
afterAll(() => server.stop());

describe('files under /images', () => {
  test('are served with type, length, validators, nosniff and a year of immutable cache', async () => {
    const res = await fetch(image.url);
    expect(res.status).toBe(200);
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(bytes);
    expect({
      type: res.headers.get('content-type'),
      length: res.headers.get('content-length'),
      ranges: res.headers.get('accept-ranges'),
      nosniff: res.headers.get('x-content-type-options'),
      cache: res.headers.get('cache-control'),
      etag: /^"[0-9a-f]+-[0-9a-f]+"$/.test(res.headers.get('etag') ?? ''),
      modified: Number.isNaN(Date.parse(res.headers.get('last-modified') ?? '')),
    }).toEqual({
      type: 'image/jpeg',
      length: String(bytes.length),
      ranges: 'bytes',
      nosniff: 'nosniff',
      cache: 'public, max-age=31536000, immutable',
      etag: true,
      modified: false,
    });
  });

  test('HEAD answers the headers without a body', async () => {
    const res = await fetch(image.url, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBe(String(bytes.length));
    expect((await res.arrayBuffer()).byteLength).toBe(0);
  });

  test('byte ranges: first bytes, an open end, a suffix, and an unsatisfiable range', async () => {
    const first = await fetch(image.url, { headers: { Range: 'bytes=0-9' } });
    expect(first.status).toBe(206);
    expect(first.headers.get('content-range')).toBe(`bytes 0-9/${bytes.length}`);
    expect(new Uint8Array(await first.arrayBuffer())).toEqual(bytes.slice(0, 10));
    const open = await fetch(image.url, { headers: { Range: `bytes=${bytes.length - 5}-` } });
    expect(new Uint8Array(await open.arrayBuffer())).toEqual(bytes.slice(-5));
    const suffix = await fetch(image.url, { headers: { Range: 'bytes=-3' } });
    expect({ status: suffix.status, body: new Uint8Array(await suffix.arrayBuffer()) }).toEqual({
      status: 206,
      body: bytes.slice(-3),
    });
    const beyond = await fetch(image.url, { headers: { Range: `bytes=${bytes.length + 10}-` } });
    expect({ status: beyond.status, range: beyond.headers.get('content-range') }).toEqual({
      status: 416,
      range: `bytes */${bytes.length}`,
    });
  });

  test('conditional requests answer 304', async () => {
    const first = await fetch(image.url);
    const etag = first.headers.get('etag')!;
    const lastModified = first.headers.get('last-modified')!;
    expect((await fetch(image.url, { headers: { 'If-None-Match': etag } })).status).toBe(304);
    expect(
      (await fetch(image.url, { headers: { 'If-Modified-Since': lastModified } })).status,
    ).toBe(304);
    expect((await fetch(image.url, { headers: { 'If-None-Match': '"other"' } })).status).toBe(200);
  });

  test('paths outside the media folder, odd names and unknown files are 404', async () => {
    for (const path of [
      '/images/..%2f..%2fupshot.sqlite',
      '/images/2020/01/01/../../../../upshot.sqlite',
      '/images/2020/01/01/nothing.png',
      `/images/${image.url.split('/images/')[1]!.replace('served', 'served%00')}`,
    ]) {
      const res = await fetch(`${server.url}${path}`);
      expect({ path, status: res.status }).toEqual({ path, status: 404 });
    }
  });
});

describe('expiry', () => {
  test('an expiring file is cached no longer than it lives, is 404 once expired, and the sweep removes it', async () => {
    const photo = await jpeg(600, 400);
    const expiring = (
      await (await server.upload({ source: file(photo, 'soon.jpg'), expiration: 'PT10M' })).json()
    ).image;
    const live = await fetch(expiring.url);
    const maxAge = Number(/max-age=(\d+)/.exec(live.headers.get('cache-control') ?? '')?.[1]);
    expect(maxAge).toBeGreaterThan(590);
    expect(maxAge).toBeLessThanOrEqual(600);

    server.clock.advance(10 * 60 * 1000 + 1000);
    // Expired: not served, before any sweep has run.
    for (const url of [expiring.url, expiring.thumb.url, expiring.url_viewer]) {
      const res = await fetch(url);
      expect({ url, status: res.status }).toEqual({ url, status: 404 });
    }
    expect((await server.files()).some((f) => f.includes('soon'))).toBe(true);

    const removed = await server.upshot.sweepNow();
    expect(removed).toBe(1);
    expect((await server.files()).some((f) => f.includes('soon'))).toBe(false);
    expect(
      await server.repos.images.find(server.instance.ids.decode(expiring.id_encoded)!),
    ).toBeNull();
    // The image that never expires is untouched.
    expect((await fetch(image.url)).status).toBe(200);
  });
});
