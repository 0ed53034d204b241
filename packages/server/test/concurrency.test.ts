import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { file, md5, png } from './helpers/images.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

describe('uploads at the same time', () => {
  test('the same file name with different bytes: every upload is stored and every file serves its own bytes', async () => {
    for (let round = 0; round < 20; round++) {
      const images = await Promise.all(
        [0, 1, 2].map(async (i) => {
          const bytes = await png(40 + i, 30 + round, { r: 10 * i, g: 20 * round, b: 200 });
          const res = await server.upload({ source: file(bytes, 'home.png') });
          expect(res.status).toBe(200);
          return { bytes, image: (await res.json()).image };
        }),
      );
      expect(new Set(images.map(({ image }) => image.url)).size).toBe(3);
      for (const { bytes, image } of images) {
        const served = await fetch(image.url);
        expect({ url: image.url, status: served.status }).toEqual({ url: image.url, status: 200 });
        expect(md5(await served.arrayBuffer())).toBe(md5(bytes));
        expect((await fetch(image.thumb.url)).status).toBe(200);
      }
    }
  });

  test('the same bytes at the same time are stored once', async () => {
    const bytes = await png(77, 33, { r: 1, g: 200, b: 3 });
    const before = await server.imageCount();
    const replies = await Promise.all(
      [0, 1, 2].map(
        async () => (await (await server.upload({ source: file(bytes, 'same.png') })).json()).image,
      ),
    );
    expect(await server.imageCount()).toBe(before + 1);
    expect(new Set(replies.map((image) => image.id_encoded)).size).toBe(1);
    expect(new Set(replies.map((image) => image.delete_url)).size).toBe(3);
    for (const image of replies) expect((await fetch(image.delete_url)).status).toBe(200);
  });
});
