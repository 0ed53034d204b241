// Uploads received in memory are assembled in buffers reused from one upload to the next
// (src/http/buffer-pool.ts). An upload's buffer goes back to the pool only when nothing
// reads it any more: under concurrent uploads of same-sized images, every stored file and
// every thumbnail is the upload's own, and a duplicate leaves the first upload intact.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import sharp from 'sharp';
import { file, md5, png } from '../helpers/images.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

/** Uncompressed PNGs: the same length whatever the colour, so they fill the same buffers. */
const flat = (r: number, g: number, b: number) =>
  png(640, 400, { r, g, b }, { compressionLevel: 0 });

async function firstPixel(url: string): Promise<number[]> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  const data = await sharp(new Uint8Array(await res.arrayBuffer()))
    .raw()
    .toBuffer();
  return [data[0]!, data[1]!, data[2]!];
}

interface Uploaded {
  image: { url: string; thumb: { url: string }; md5: string };
}

describe('upload buffers reused between uploads', () => {
  test('every concurrent upload stores its own bytes and its own thumbnail', async () => {
    const colours = Array.from({ length: 16 }, (_, i) => [i * 16, 255 - i * 16, (i * 97) % 256]);
    const images = await Promise.all(colours.map(([r, g, b]) => flat(r!, g!, b!)));
    expect(new Set(images.map((bytes) => bytes.length)).size).toBe(1);

    // Four at a time, so buffers are given back and taken again while others are in use.
    const replies: Uploaded[] = [];
    for (let at = 0; at < images.length; at += 4) {
      const batch = images.slice(at, at + 4).map(async (bytes, i) => {
        const res = await server.upload({ source: file(bytes, `flat-${at + i}.png`) });
        expect(res.status).toBe(200);
        return (await res.json()) as Uploaded;
      });
      replies.push(...(await Promise.all(batch)));
    }

    for (const [i, reply] of replies.entries()) {
      expect(reply.image.md5).toBe(md5(images[i]!));
      const stored = await fetch(reply.image.url);
      expect(md5(await stored.arrayBuffer())).toBe(md5(images[i]!));
      expect(await firstPixel(reply.image.thumb.url)).toEqual(colours[i]!);
    }
  });

  test('a duplicate sent alongside the original leaves the original whole', async () => {
    const original = await flat(10, 200, 30);
    const other = await flat(200, 10, 30);
    const [a, b, c] = await Promise.all([
      server.upload({ source: file(original, 'same.png') }),
      server.upload({ source: file(original, 'same.png') }),
      server.upload({ source: file(other, 'other.png') }),
    ]);
    const replies = (await Promise.all([a.json(), b.json(), c.json()])) as Uploaded[];
    expect([a.status, b.status, c.status]).toEqual([200, 200, 200]);
    expect(replies[0]!.image.url).toBe(replies[1]!.image.url);
    for (const [reply, bytes, colour] of [
      [replies[0]!, original, [10, 200, 30]],
      [replies[2]!, other, [200, 10, 30]],
    ] as const) {
      const stored = await fetch(reply.image.url);
      expect(md5(await stored.arrayBuffer())).toBe(md5(bytes));
      expect(await firstPixel(reply.image.thumb.url)).toEqual([...colour]);
    }
  });
});
