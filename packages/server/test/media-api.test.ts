import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { UploadSuccess } from '@upshot/schema';
import exifr from 'exifr';
import sharp from 'sharp';
import { animated, bmp, jpegWithMetadata, splitJpeg } from './fixtures/images.ts';
import { makeClip, truncateCopy } from './fixtures/videos.ts';
import { file, md5 } from './helpers/images.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';

const u8 = (bytes: Uint8Array) => Uint8Array.from(bytes);
let server: TestServer;
let clips: string;

beforeAll(async () => {
  server = await startTestServer();
  clips = await mkdtemp(join(tmpdir(), 'upshot-clips-'));
});
afterAll(async () => {
  await server.stop();
  await rm(clips, { recursive: true, force: true });
});

async function uploadOk(fields: Record<string, string | Blob>) {
  const res = await server.upload(fields);
  const body = await res.json();
  expect({ status: res.status, error: body.error }).toEqual({ status: 200, error: undefined });
  expect([...Value.Errors(UploadSuccess, body)]).toEqual([]);
  return body.image;
}

const fetchBytes = async (url: string) => new Uint8Array(await (await fetch(url)).arrayBuffer());

describe('images through the API', () => {
  test('EXIF orientation: a portrait photo stored landscape reports portrait sizes and upright variants', async () => {
    // Stored 800x400, left red and right blue; orientation 6 turns it 90° clockwise.
    const image = await uploadOk({ source: file(u8(await splitJpeg(800, 400, 6)), 'rotated.jpg') });
    expect({ w: image.width, h: image.height }).toEqual({ w: 400, h: 800 });
    expect(image.source_md5).toBeNull();
    expect(image.chain).toBe(5); // 400 wide: no medium
    const thumb = await sharp(await fetchBytes(image.thumb.url))
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect({ w: thumb.info.width, h: thumb.info.height }).toEqual({ w: 320, h: 320 });
    // Upright, the stored left half (red) is on top and blue at the bottom.
    const at = (x: number, y: number) => [
      ...thumb.data.subarray((y * 320 + x) * 3, (y * 320 + x) * 3 + 3),
    ];
    expect(at(160, 10)[0]).toBeGreaterThan(200);
    expect(at(160, 310)[2]).toBeGreaterThan(200);
  });

  test('GPS is removed from the stored original without touching the pixels', async () => {
    const original = u8(
      await jpegWithMetadata(
        { gps: true, exif: { Make: 'Upshot Cam' } },
        { width: 640, height: 480 },
      ),
    );
    expect((await exifr.gps(original))?.latitude).toBeDefined();
    const image = await uploadOk({ source: file(original, 'where-i-live.jpg') });
    const stored = await fetchBytes(image.url);
    expect(image.source_md5).toBe(md5(original));
    expect(image.md5).toBe(md5(stored));
    expect(image.md5).not.toBe(image.source_md5);
    expect(await exifr.gps(stored).catch(() => undefined)).toBeFalsy();
    const [a, b] = await Promise.all([
      sharp(original).raw().toBuffer(),
      sharp(stored).raw().toBuffer(),
    ]);
    expect(Buffer.compare(a, b)).toBe(0);
    const exif = JSON.parse(image.original_exifdata);
    expect(exif.Make).toBe('Upshot Cam');
    expect(Object.keys(exif).some((key) => /^GPS/.test(key))).toBe(false);
  });

  test('title and description from metadata, unless the request gives them', async () => {
    const bytes = u8(
      await jpegWithMetadata({
        xmp: { title: 'Sunset over the bay', description: 'Taken from the pier' },
      }),
    );
    const fromMetadata = await uploadOk({ source: file(bytes, 'IMG_0001.jpg') });
    expect({ title: fromMetadata.title, description: fromMetadata.description }).toEqual({
      title: 'Sunset over the bay',
      description: 'Taken from the pier',
    });
    const other = u8(
      await jpegWithMetadata({ iptc: { objectName: 'IPTC title', caption: 'IPTC caption' } }),
    );
    const given = await uploadOk({
      source: file(other, 'x.jpg'),
      title: 'Mine',
      description: 'My words',
    });
    expect({ title: given.title, description: given.description }).toEqual({
      title: 'Mine',
      description: 'My words',
    });
  });

  test('an animated GIF keeps its animation, and always gets a medium', async () => {
    const gif = u8(await animated('gif', 200, 120, 4));
    const image = await uploadOk({ source: file(gif, 'spinner.gif') });
    expect({
      animated: image.is_animated,
      chain: image.chain,
      ext: image.extension,
      mime: image.mime,
    }).toEqual({
      animated: 1,
      chain: 7,
      ext: 'gif',
      mime: 'image/gif',
    });
    for (const url of [image.thumb.url, image.medium.url]) {
      const meta = await sharp(await fetchBytes(url), { animated: true }).metadata();
      expect({ url, pages: meta.pages, format: meta.format }).toEqual({
        url,
        pages: 4,
        format: 'gif',
      });
    }
    expect(md5(await fetchBytes(image.url))).toBe(md5(gif));
  });

  test('BMP is stored as PNG', async () => {
    const bytes = u8(
      bmp(40, 30, (x) => (x < 20 ? [255, 0, 0] : [0, 0, 255]), { bitsPerPixel: 24 }),
    );
    const image = await uploadOk({ source: file(bytes, 'legacy.bmp') });
    expect({ ext: image.extension, mime: image.mime, filename: image.filename }).toEqual({
      ext: 'png',
      mime: 'image/png',
      filename: 'legacy.png',
    });
    expect(image.source_md5).toBe(md5(bytes));
    const stored = await sharp(await fetchBytes(image.url)).metadata();
    expect({ format: stored.format, w: stored.width, h: stored.height }).toEqual({
      format: 'png',
      w: 40,
      h: 30,
    });
  });
});

describe('video through the API', () => {
  test('an MP4 gets a poster frame, thumb, medium, duration and /video/ URLs', async () => {
    const path = await makeClip(clips, 'clip.mp4', {
      width: 640,
      height: 360,
      seconds: 3,
      container: 'mp4',
      color: '20c040',
    });
    const bytes = u8(await readFile(path));
    const image = await uploadOk({ source: file(bytes, 'Demo clip.mp4') });
    expect(image).toMatchObject({
      type: 'video',
      mime: 'video/mp4',
      extension: 'mp4',
      width: 640,
      height: 360,
      duration: 3,
      duration_time: '00:03',
      chain: 23,
      md5: md5(bytes),
      is_animated: 0,
    });
    expect(image.frame).toMatchObject({
      extension: 'jpeg',
      mime: 'image/jpeg',
      name: 'Demo-clip.fr',
    });
    expect(image.url_frame).toBe(image.frame.url);
    expect(image.frame_size).toBe(image.frame.size);
    expect(image.display_url).toBe(image.medium.url);
    expect(image.url_viewer).toBe(`${server.url}/video/Demo-clip.${image.id_encoded}`);
    expect(image.url_short).toBe(`${server.url}/video/${image.id_encoded}`);
    // The poster is a frame of the clip: green.
    const frame = await sharp(await fetchBytes(image.frame.url)).stats();
    expect(frame.channels[1]!.mean).toBeGreaterThan(frame.channels[0]!.mean + 80);
    const viewer = await (await fetch(image.url_viewer)).text();
    expect(viewer).toContain('<video');
    const range = await fetch(image.url, { headers: { Range: 'bytes=100-199' } });
    expect({
      status: range.status,
      length: (await range.arrayBuffer()).byteLength,
      type: range.headers.get('content-type'),
    }).toEqual({
      status: 206,
      length: 100,
      type: 'video/mp4',
    });
  });

  test('a WebM narrower than 500 px has no medium (chain 21)', async () => {
    const path = await makeClip(clips, 'small.webm', {
      width: 320,
      height: 240,
      seconds: 2,
      container: 'webm',
    });
    const image = await uploadOk({ source: file(u8(await readFile(path)), 'small.webm') });
    expect({
      type: image.type,
      chain: image.chain,
      mime: image.mime,
      duration: image.duration,
    }).toEqual({
      type: 'video',
      chain: 21,
      mime: 'video/webm',
      duration: 2,
    });
    expect(image.display_url).toBe(image.url_frame);
  });

  test('a truncated clip is refused and leaves nothing behind', async () => {
    const path = await makeClip(clips, 'whole.mp4', {
      width: 320,
      height: 240,
      seconds: 2,
      container: 'mp4',
    });
    const cut = await truncateCopy(path, join(clips, 'cut.mp4'), 0.5);
    const before = { rows: await server.imageCount(), files: (await server.files()).length };
    const res = await server.upload({ source: file(u8(await readFile(cut)), 'cut.mp4') });
    expect({ status: res.status, body: await res.json() }).toMatchObject({
      status: 400,
      body: { error: { code: 400, message: 'Invalid video file provided' } },
    });
    expect({ rows: await server.imageCount(), files: (await server.files()).length }).toEqual(
      before,
    );
  });
});
