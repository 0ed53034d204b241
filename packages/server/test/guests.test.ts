import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { file, png } from './helpers/images.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';

describe('guest uploads', () => {
  let server: TestServer;
  let source: Bun.Server<undefined>;
  let fetched = 0;

  beforeAll(async () => {
    server = await startTestServer({
      UPSHOT_RATE_LIMIT_GUEST_PER_MINUTE: '4',
      UPSHOT_GUEST_EXPIRATION: 'P1D',
    });
    const bytes = await png(40, 30);
    source = Bun.serve({
      port: 0,
      hostname: '127.0.0.1',
      fetch: () => {
        fetched++;
        return new Response(bytes, { headers: { 'Content-Type': 'image/png' } });
      },
    });
  });
  afterAll(async () => {
    await source.stop(true);
    await server.stop();
  });

  test('the guest key uploads with the guest expiry policy: shorter kept, longer or none capped', async () => {
    const now = server.clock.now().getTime();
    const at = (seconds: number) =>
      new Date(now + seconds * 1000).toISOString().slice(0, 19).replace('T', ' ');
    const none = await (
      await server.upload({ source: file(await png(10, 10), 'g1.png') }, { key: server.guestKey })
    ).json();
    expect(none.image.expiration_date_gmt).toBe(at(86400));
    const shorter = await (
      await server.upload(
        { source: file(await png(11, 10), 'g2.png'), expiration: 'PT1H' },
        { key: server.guestKey },
      )
    ).json();
    expect(shorter.image.expiration_date_gmt).toBe(at(3600));
    const longer = await (
      await server.upload(
        { source: file(await png(12, 10), 'g3.png'), expiration: 'P1W' },
        { key: server.guestKey },
      )
    ).json();
    expect(longer.image.expiration_date_gmt).toBe(at(86400));
    expect(
      (await server.repos.images.find(server.instance.ids.decode(none.image.id_encoded)!))?.userId,
    ).toBeNull();
  });

  test('guests may not use URL sources, and nothing is fetched', async () => {
    const res = await server.upload(
      { source: `http://127.0.0.1:${source.port}/a.png` },
      { key: server.guestKey },
    );
    expect(res.status).toBe(403);
    expect((await res.json()).error).toEqual({
      message: 'URL uploading is disabled for guests, use an API key',
      code: 403,
    });
    expect(fetched).toBe(0);
  });

  test('the guest rate limit answers 429 with Retry-After, refused attempts counted', async () => {
    // The three uploads above and the refused URL upload used the 4 allowed this minute:
    // every attempt counts, so refusals cannot be sent at speed either.
    const limited = await server.upload(
      { source: file(await png(14, 10), 'g5.png') },
      { key: server.guestKey },
    );
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await limited.json()).error).toEqual({
      message: 'Flooding detected. You can only upload 4 images per minute',
      code: 130,
    });
    // The admin is never limited.
    expect((await server.upload({ source: file(await png(15, 10), 'a.png') })).status).toBe(200);
    server.clock.advance(61_000);
    expect(
      (await server.upload({ source: file(await png(16, 10), 'g6.png') }, { key: server.guestKey }))
        .status,
    ).toBe(200);
  });
});

describe('guest uploads switched off', () => {
  test('the guest key is refused with 403 Request denied, and /api-v1 hides it', async () => {
    const server = await startTestServer({ UPSHOT_GUEST_UPLOADS: 'false' });
    try {
      const res = await server.upload(
        { source: file(await png(10, 10), 'g.png') },
        { key: server.guestKey },
      );
      expect(res.status).toBe(403);
      expect((await res.json()).error).toEqual({ message: 'Request denied', code: 401 });
      expect(await (await fetch(`${server.url}/api-v1`)).text()).not.toContain(server.guestKey);
    } finally {
      await server.stop();
    }
  });
});

describe('URL sources', () => {
  test('a loopback URL is refused by default, and nothing is fetched', async () => {
    let hits = 0;
    const origin = Bun.serve({
      port: 0,
      hostname: '127.0.0.1',
      fetch: () => {
        hits++;
        return new Response('x');
      },
    });
    const server = await startTestServer();
    try {
      const res = await server.upload({ source: `http://127.0.0.1:${origin.port}/photo.png` });
      expect(res.status).toBe(403);
      expect((await res.json()).error).toEqual({ message: 'URL not allowed', code: 403 });
      expect(hits).toBe(0);
    } finally {
      await origin.stop(true);
      await server.stop();
    }
  });

  test('with UPSHOT_FETCH_ALLOW_PRIVATE the URL is fetched and named after its last segment', async () => {
    const bytes = await png(70, 50);
    const origin = Bun.serve({
      port: 0,
      hostname: '127.0.0.1',
      fetch: (req) => {
        const path = new URL(req.url).pathname;
        if (path === '/missing.png') return new Response('no', { status: 404 });
        return new Response(bytes, { headers: { 'Content-Type': 'image/png' } });
      },
    });
    const server = await startTestServer({ UPSHOT_FETCH_ALLOW_PRIVATE: 'true' });
    try {
      const res = await server.upload({
        source: `http://127.0.0.1:${origin.port}/shots/login-page.png`,
      });
      expect(res.status).toBe(200);
      const { image } = await res.json();
      expect({ original: image.original_filename, name: image.name, width: image.width }).toEqual({
        original: 'login-page.png',
        name: 'login-page',
        width: 70,
      });
      const missing = await server.upload({
        source: `http://127.0.0.1:${origin.port}/missing.png`,
      });
      expect(missing.status).toBe(400);
      expect((await missing.json()).error).toEqual({
        message: "Can't fetch the source URL",
        code: 400,
      });
      const get = await fetch(
        `${server.url}/api/1/upload?key=${server.adminKey}&source=${encodeURIComponent(`http://127.0.0.1:${origin.port}/g.png`)}`,
      );
      expect(get.status).toBe(200);
    } finally {
      await origin.stop(true);
      await server.stop();
    }
  });
});
