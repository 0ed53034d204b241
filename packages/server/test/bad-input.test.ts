import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import sharp from 'sharp';
import { file, jpeg, png } from './helpers/images.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({
    UPSHOT_MAX_PIXELS: '1000000',
    UPSHOT_MAX_UPLOAD_MB_USER: '2',
    UPSHOT_MAX_UPLOAD_MB_GUEST: '1',
  });
});
afterAll(() => server.stop());

/** Each case must be refused in the envelope and leave no file or row behind. */
async function refused(res: Response, status: number, code: number, message: string) {
  const body = await res.json();
  expect({ status: res.status, code: body.error?.code, message: body.error?.message }).toEqual({
    status,
    code,
    message,
  });
  expect(await server.imageCount()).toBe(0);
  expect(await server.files()).toEqual([]);
  expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
}

describe('bad input is refused and leaves nothing behind', () => {
  test('a truncated JPEG and a truncated PNG', async () => {
    const photo = await jpeg(400, 300);
    await refused(
      await server.upload({ source: file(photo.slice(0, photo.length / 2), 'cut.jpg') }),
      400,
      400,
      'Invalid image',
    );
    const picture = await png(300, 300);
    await refused(
      await server.upload({ source: file(picture.slice(0, 120), 'cut.png') }),
      400,
      400,
      'Invalid image',
    );
  });

  test('SVG with a script, HTML, text and random bytes', async () => {
    const svg = new TextEncoder().encode(
      '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    );
    await refused(
      await server.upload({ source: file(svg, 'x.png', 'image/png') }),
      415,
      613,
      'Unavailable image format',
    );
    const page = new TextEncoder().encode(
      '<!doctype html><html><body><script>alert(1)</script></body></html>',
    );
    await refused(
      await server.upload({ source: file(page, 'x.jpg', 'image/jpeg') }),
      415,
      610,
      "Can't get target upload source info",
    );
    await refused(
      await server.upload({
        source: file(new TextEncoder().encode('just some words here'), 'x.gif'),
      }),
      415,
      610,
      "Can't get target upload source info",
    );
    const noise = crypto.getRandomValues(new Uint8Array(4096));
    await refused(
      await server.upload({ source: file(noise, 'x.webp') }),
      415,
      610,
      "Can't get target upload source info",
    );
  });

  test('known but unsupported types: TIFF', async () => {
    const tiff = new Uint8Array(
      await sharp({ create: { width: 10, height: 10, channels: 3, background: '#000' } })
        .tiff()
        .toBuffer(),
    );
    await refused(
      await server.upload({ source: file(tiff, 'x.png') }),
      415,
      613,
      'Unavailable image format',
    );
  });

  test('huge dimensions are refused before decoding', async () => {
    // 1 megapixel limit here; 2000x2000 of one colour compresses to a few KB.
    const bomb = await png(2000, 2000);
    await refused(
      await server.upload({ source: file(bomb, 'bomb.png') }),
      400,
      400,
      'Image too large - max 1 megapixels',
    );
  });

  test('a file over the size limit, and a body over any limit', async () => {
    const big = crypto.getRandomValues(new Uint8Array(2_100_000));
    await refused(
      await server.upload({ source: file(big, 'big.jpg') }),
      413,
      400,
      'File too big - max 2 MB',
    );
    const huge = new Uint8Array(4_200_000);
    const res = await fetch(`${server.url}/api/1/upload`, {
      method: 'POST',
      headers: { 'X-API-Key': server.adminKey, 'Content-Type': 'application/octet-stream' },
      body: huge,
    });
    await refused(res, 413, 400, 'File too big - max 2 MB');
  });

  test('a declared length far over every limit is refused in the envelope before the body is read', async () => {
    const res = await fetch(`${server.url}/api/1/upload`, {
      method: 'POST',
      headers: { 'X-API-Key': server.adminKey, 'Content-Type': 'application/octet-stream' },
      body: new Uint8Array(60_000_000),
    });
    await refused(res, 413, 400, 'File too big - max 2 MB');
  });

  test('a body without a length streams within the limit, whatever its type', async () => {
    const chunked = (parts: Uint8Array[]) =>
      new ReadableStream<Uint8Array>({
        start(controller) {
          for (const part of parts) controller.enqueue(part);
          controller.close();
        },
      });
    const encode = async (bytes: Uint8Array<ArrayBuffer>) => {
      const form = new FormData();
      form.append('source', file(bytes, 'streamed.png'));
      const encoded = new Response(form);
      // Bun drops the header once the body is read: take it first.
      const type = encoded.headers.get('content-type') ?? '';
      return { body: new Uint8Array(await encoded.arrayBuffer()), type };
    };
    const send = (body: Uint8Array, type: string) =>
      fetch(`${server.url}/api/1/upload`, {
        method: 'POST',
        headers: { 'X-API-Key': server.adminKey, 'Content-Type': type },
        body: chunked([body.subarray(0, 1000), body.subarray(1000)]),
        duplex: 'half',
      } as RequestInit);

    const over = await encode(new Uint8Array(2_100_000));
    await refused(await send(over.body, over.type), 413, 400, 'File too big - max 2 MB');

    await refused(
      await send(new TextEncoder().encode('{"source":"x"}'), 'application/json'),
      400,
      120,
      'Invalid base64 string',
    );
    const hugeJson = new TextEncoder().encode(`{"source":"${'A'.repeat(3_800_000)}"}`);
    await refused(await send(hugeJson, 'application/json'), 413, 400, 'File too big - max 2 MB');

    const ok = await encode(await png(20, 20));
    const res = await send(ok.body, ok.type);
    expect(res.status).toBe(200);
    const { image } = await res.json();
    expect(image.original_filename).toBe('streamed.png');
    // The other tests here expect an empty instance.
    expect((await fetch(image.delete_url, { method: 'POST' })).status).toBe(200);
    expect(await server.imageCount()).toBe(0);
  });

  test('a malformed multipart body', async () => {
    const res = await fetch(`${server.url}/api/1/upload`, {
      method: 'POST',
      headers: {
        'X-API-Key': server.adminKey,
        'Content-Type': 'multipart/form-data; boundary=XYZ',
      },
      body: '--XYZ\r\nContent-Disposition: form-data; name="source"; filename="a.png"\r\n\r\nnot closed',
    });
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body).toMatchObject({
      status_code: 400,
      error: { code: expect.any(Number), message: expect.any(String) },
    });
    expect(await server.imageCount()).toBe(0);
  });

  test('garbage parameters', async () => {
    const ok = await png(20, 20);
    await refused(
      await server.upload({ source: file(ok, 'a.png'), width: '1e3' }),
      400,
      400,
      'Invalid width',
    );
    await refused(
      await server.upload({ source: file(ok, 'a.png'), expiration: 'P' }),
      400,
      400,
      'Invalid expiration',
    );
    await refused(
      await server.upload({ source: file(ok, 'a.png'), nsfw: '2' }),
      400,
      400,
      'Invalid nsfw value',
    );
    await refused(
      await server.upload({ source: file(ok, 'a.png'), format: 'html' }),
      400,
      400,
      'Invalid format',
    );
    await refused(
      await server.upload({ source: file(ok, 'a.png'), category_id: '1; drop table' }),
      400,
      400,
      'Invalid category',
    );
  });
});
